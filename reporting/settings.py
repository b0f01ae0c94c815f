"""Read the configuration contract from the environment."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reporting.web.security import parse_networks


class ConfigError(RuntimeError):
    """The configuration cannot run the service; the message says what to set."""


def database_url(raw: str) -> str:
    """Return a SQLAlchemy URL that uses psycopg 3 for a plain ``postgresql://`` URL."""
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    if raw.startswith("postgresql+psycopg://"):
        return raw
    raise ConfigError("DATABASE_URL must be a PostgreSQL URL: postgresql://user:password@host/db")


def libpq_url(sqlalchemy_url: str) -> str:
    """Return the libpq form of a SQLAlchemy URL, for psycopg and procrastinate."""
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


def local_secret_key(var_dir: Path) -> str:
    """Return the session key kept under ``var/``, creating it on first use."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting together agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def resolve_database_url(env: Mapping[str, str], project_root: Path) -> str | None:
    """Return DATABASE_URL, or the project's local cluster when one has been started."""
    if env.get("DATABASE_URL"):
        return database_url(env["DATABASE_URL"])
    port_file = project_root / "var" / "pg" / "tsuho.port"
    if port_file.exists():
        port = port_file.read_text().strip()
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/tsuho"
    return None


def from_environment(env: Mapping[str, str], project_root: Path) -> dict[str, Any]:
    """Build the Flask config from environment variables (see the README's table)."""
    var_dir = Path(env.get("TSUHO_VAR_DIR", project_root / "var"))
    production = env.get("TSUHO_ENV", "development") == "production"
    config: dict[str, Any] = {
        "TSUHO_ENV": "production" if production else "development",
        "TSUHO_CITY": env.get("TSUHO_CITY", "okayama"),
        "PHOTO_DIR": env.get("PHOTO_DIR", str(var_dir / "photos")),
        # s3://bucket/prefix stores photos in a bucket instead of PHOTO_DIR (boto3 reads the
        # endpoint, region and keys from AWS_* variables); a custom endpoint gets path-style.
        "PHOTO_STORE": env.get("PHOTO_STORE") or None,
        "PHOTO_S3_PATH_STYLE": bool(env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        # Bearer token for /metrics; unset, /metrics answers 404.
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "LINE_CHANNEL_SECRET": env.get("LINE_CHANNEL_SECRET"),
        "LINE_CHANNEL_ACCESS_TOKEN": env.get("LINE_CHANNEL_ACCESS_TOKEN"),
        "LINE_API_HOST": env.get("LINE_API_HOST"),
        # Base map tiles: data, not code, so a remote server is allowed; a city may run its own.
        "MAP_TILES_URL": env.get("MAP_TILES_URL"),
        "MAP_TILES_ATTRIBUTION": env.get("MAP_TILES_ATTRIBUTION"),
        # Above this many reports in its visible box the staff map shows counts per grid cell
        # and asks staff to zoom in or filter: the GeoJSON export has no limit parameter, and
        # a browser clusters 20,000 points smoothly.
        "MAP_MARKER_LIMIT": _whole_number(env, "MAP_MARKER_LIMIT", 20_000),
        # The address the world reaches the service at (https://...): LINE fetches the images
        # of the city's messages (the after-repair photo) from URLs under it.
        "PUBLIC_URL": env.get("TSUHO_PUBLIC_URL", "").strip() or None,
        # Above this many reports in its view the public map shows counts per grid cell: what
        # a phone draws smoothly as separate markers.
        "PUBLIC_MARKER_LIMIT": _whole_number(env, "PUBLIC_MARKER_LIMIT", 1000),
        # Where rate limits are counted (Flask-Limiter): memory:// counts in each process
        # alone; several web processes or machines share memcached:// or redis:// storage.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Web reports one address may send (checks and confirmations each count).
        "PUBLIC_REPORT_RATE_LIMIT": env.get("PUBLIC_REPORT_RATE_LIMIT", "10 per hour;30 per day"),
        # No ping before each checkout: it costs a round trip per request. A connection the
        # server dropped fails one request instead (the webhook answers 503 and LINE
        # redelivers), and the pool is then refreshed.
        # hide_parameters: a database error's log line names the statement, never its values
        # (password hashes, residents' words).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False, "hide_parameters": True},
        # Addresses of the reverse proxies (nginx) whose X-Forwarded-For and -Proto are believed.
        "TRUSTED_PROXIES": env.get("TSUHO_TRUSTED_PROXIES", "").strip(),
        # Host names the service answers to (Flask's TRUSTED_HOSTS); others get 400.
        "TRUSTED_HOSTS": _names(env.get("TSUHO_TRUSTED_HOSTS", "")),
        # Exports (/api CSV and GeoJSON, unbounded streams) one worker process sends at once;
        # the rest get 429. OGC items come in pages of at most 10,000 and are not counted.
        "MAX_CONCURRENT_EXPORTS": _whole_number(env, "TSUHO_MAX_CONCURRENT_EXPORTS", 2),
        # The login of the first admin account `users ensure-admin` creates.
        "ADMIN_LOGIN": env.get("TSUHO_ADMIN_LOGIN", "").strip() or "admin",
    }
    url = resolve_database_url(env, project_root)
    if url:
        config["SQLALCHEMY_DATABASE_URI"] = url
    if "SECRET_KEY" in env:
        config["SECRET_KEY"] = env["SECRET_KEY"]
    elif not production:
        config["SECRET_KEY"] = local_secret_key(var_dir)
    return config


def _names(text: str) -> list[str] | None:
    """Comma-separated names as a list, or None (no restriction) when there are none."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    return names or None


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    """Return the variable as an int, or ``default`` when it is unset or empty."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None


def check(config: Mapping[str, Any]) -> None:
    """Fail fast on settings the service cannot start without."""
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        raise ConfigError("DATABASE_URL is not set (make run starts a local PostGIS and sets it)")
    if config.get("TSUHO_ENV") == "production" and not config.get("SECRET_KEY"):
        raise ConfigError("SECRET_KEY must be set in production")
    public = config.get("PUBLIC_URL")
    if public is not None and not str(public).startswith("https://"):
        raise ConfigError(f"TSUHO_PUBLIC_URL must be an https:// address, not {public!r}")
    level = config.get("LOG_LEVEL", "INFO")
    if str(level).upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    store = config.get("PHOTO_STORE")
    if store and not str(store).startswith("s3://"):
        raise ConfigError(f"PHOTO_STORE must be s3://bucket/prefix (or unset), not {store!r}")
    proxies = config.get("TRUSTED_PROXIES") or ""
    try:
        parse_networks(proxies)
    except ValueError:
        raise ConfigError(
            f"TSUHO_TRUSTED_PROXIES must be addresses or networks (127.0.0.1, 10.0.0.0/8), "
            f"not {proxies!r}"
        ) from None
    exports = config.get("MAX_CONCURRENT_EXPORTS")
    if type(exports) is not int or exports < 1:
        raise ConfigError(f"TSUHO_MAX_CONCURRENT_EXPORTS must be at least 1, not {exports!r}")
    limit = config.get("MAP_MARKER_LIMIT")
    # instance/config.py and test configs bypass the environment's parsing.
    if type(limit) is not int or limit < 0:
        raise ConfigError(f"MAP_MARKER_LIMIT must be a whole number, not {limit!r}")
