# Tsuho's web and worker image (see docs/deployment.md).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TSUHO_ENV=production \
    PHOTO_DIR=/data/photos

RUN useradd --system --create-home --home-dir /srv/tsuho tsuho \
    && mkdir -p /data/photos && chown tsuho /data/photos
WORKDIR /srv/tsuho
COPY pyproject.toml README.md ./
COPY app.py alembic.ini gunicorn.conf.py ./
COPY reporting ./reporting
COPY gis ./gis
COPY migrations ./migrations
COPY static ./static
COPY templates ./templates
RUN pip install --no-cache-dir .

USER tsuho
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--access-logfile", "-", "app:create_app()"]
