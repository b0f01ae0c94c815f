"""The admins' operations page: the queue, failed jobs (with a retry), LINE refusals, photos."""

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Row
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from reporting import jobs
from reporting.db import db
from reporting.models import LineEvent
from reporting.models import Photo
from reporting.models import RetentionRun
from reporting.staff import auth as staff_auth

bp = Blueprint("staff_ops", __name__, url_prefix="/staff/admin/operations")
bp.register_error_handler(400, staff_auth.error_page)
bp.register_error_handler(403, staff_auth.error_page)

# How far back LINE's refusals are counted.
REFUSALS_SINCE = timedelta(hours=24)
FAILED_SHOWN = 50

FAILED_JOBS_SQL = text(
    """
    SELECT j.id, j.task_name, j.attempts, j.lock, f.error, f.failed_at
    FROM procrastinate_jobs j
    LEFT JOIN LATERAL (
        SELECT error, failed_at FROM job_failures
        WHERE job_id = j.id ORDER BY id DESC LIMIT 1
    ) f ON true
    WHERE j.status = 'failed'
    ORDER BY j.id DESC
    LIMIT :limit
    """
)
QUEUE_SQL = text(
    "SELECT task_name, status::text, count(*) FROM procrastinate_jobs"
    " WHERE status IN ('todo', 'doing', 'failed') GROUP BY task_name, status"
    " ORDER BY task_name, status"
)
REFUSALS_SQL = text(
    """
    SELECT error, count(*), max(failed_at) FROM job_failures
    WHERE failed_at >= :since AND (error LIKE 'LineUnavailable:%' OR error LIKE 'LineRefused:%')
    GROUP BY error ORDER BY count(*) DESC LIMIT 20
    """
)


@dataclass(frozen=True)
class Overview:
    pending_events: int
    oldest_pending: datetime | None
    queue: list[Row[Any]]
    failed: list[Row[Any]]
    refusals: list[Row[Any]]
    photos: int
    photo_bytes: int
    draft_photos: int
    last_retention: RetentionRun | None


def overview(session: Session, now: datetime) -> Overview:
    """Read what the page shows, from PostgreSQL: true for every web and worker machine."""
    pending, oldest = session.execute(
        select(func.count(LineEvent.id), func.min(LineEvent.received_at)).where(
            LineEvent.processed_at.is_(None)
        )
    ).one()
    photos, photo_bytes, drafts = session.execute(
        select(
            func.count(Photo.id),
            func.coalesce(func.sum(Photo.size_bytes), 0),
            func.count(Photo.id).filter(Photo.report_id.is_(None)),
        )
    ).one()
    return Overview(
        pending_events=pending,
        oldest_pending=oldest,
        queue=list(session.execute(QUEUE_SQL).all()),
        failed=list(session.execute(FAILED_JOBS_SQL, {"limit": FAILED_SHOWN}).all()),
        refusals=list(session.execute(REFUSALS_SQL, {"since": now - REFUSALS_SINCE}).all()),
        photos=photos,
        photo_bytes=int(photo_bytes),
        draft_photos=drafts,
        last_retention=session.scalars(
            select(RetentionRun).order_by(RetentionRun.id.desc()).limit(1)
        ).first(),
    )


@bp.before_request
def admins_only() -> ResponseReturnValue | None:
    """Only admins see the operations page."""
    return staff_auth.check_role("admin")


@bp.get("/")
def page() -> ResponseReturnValue:
    """Show the queue, failed jobs, LINE's refusals and photo storage."""
    now = datetime.now(UTC)
    return render_template(
        "staff/operations.html", ops=overview(db.session(), now), now=now
    )


@bp.post("/jobs/<int:job_id>/retry")
def retry(job_id: int) -> ResponseReturnValue:
    """Queue a failed job again (the CSRF token is checked before this runs)."""
    session = db.session()
    try:
        jobs.retry_failed(session, job_id)
    except jobs.NotRetryable:
        session.rollback()
        flash(_("Job %(id)s is not a failed job.", id=job_id), "error")
    else:
        session.commit()
        flash(_("Job %(id)s will run again.", id=job_id), "success")
    return redirect(url_for(".page"))
