"""Tsuho: wire the application together."""

import os
from pathlib import Path
from typing import Any

import click
from flask import Flask

from reporting import commands
from reporting import db as database
from reporting import jobs
from reporting import ops
from reporting import settings
from reporting.analysts import api as analyst_api
from reporting.analysts import ogc as ogc_api
from reporting.analysts import tokens as token_cli
from reporting.city_profile import InvalidProfile
from reporting.city_profile import UnknownCity
from reporting.city_profile import load_profile
from reporting.extensions import CookieSessions
from reporting.extensions import babel
from reporting.extensions import compress
from reporting.extensions import compress_chosen
from reporting.extensions import csrf
from reporting.extensions import limiter
from reporting.extensions import login_manager
from reporting.extensions import web_config
from reporting.line import cli as line_cli
from reporting.line import jobs as line_jobs
from reporting.line import media as line_media
from reporting.line import webhook as line_webhook
from reporting.line.api import LineClient
from reporting.open311 import views as open311
from reporting.operations import logs
from reporting.photos.s3 import InvalidStoreUrl
from reporting.photos.s3 import S3PhotoStore
from reporting.photos.store import FilesystemPhotoStore
from reporting.photos.store import PhotoStore
from reporting.public import views as public_views
from reporting.staff import admin as staff_admin
from reporting.staff import api_tokens as staff_tokens
from reporting.staff import auth as staff_auth
from reporting.staff import operations as staff_ops
from reporting.staff import views as staff_views
from reporting.web import errors as web_errors
from reporting.web import security
from reporting.web.routing import BoundedIntConverter

ROOT = Path(__file__).resolve().parent
# Every channel's background tasks, registered on the queue the worker runs.
TASKS = (line_jobs.register,)
# What a wrong environment raises while the application is being configured.
CONFIG_ERRORS = (settings.ConfigError, UnknownCity, InvalidProfile, InvalidStoreUrl)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(__name__, instance_relative_config=True)
    # <int:...> in any route stops at bigint: a longer number is no row (404), not an overflow.
    app.url_map.converters["int"] = BoundedIntConverter
    try:
        _configure(app, test_config)
    except CONFIG_ERRORS as exc:
        # Under ``flask``, one line and exit status 1 rather than a traceback.
        if click.get_current_context(silent=True) is not None:
            raise click.ClickException(f"configuration: {exc}") from None
        raise
    if not app.testing:
        logs.configure(app.config["LOG_LEVEL"])
    logs.init_app(app)
    database.init_app(app)
    security.init_app(app)
    web_errors.init_app(app)
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    app.extensions["tsuho.jobs"] = jobs.create_queue(database_url, TASKS)
    app.extensions["tsuho.defer"] = jobs.create_deferrer(database_url, TASKS)
    app.extensions["tsuho.line"] = LineClient(
        app.config.get("LINE_CHANNEL_ACCESS_TOKEN") or "", app.config.get("LINE_API_HOST")
    )
    app.session_interface = CookieSessions((f"{line_webhook.bp.url_prefix}/",))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    _limit_per_view_only(app)
    compress.init_app(app)
    app.after_request(compress_chosen)
    babel.init_app(app, locale_selector=staff_auth.select_locale)
    app.register_blueprint(ops.bp)
    # Signed by LINE, not by a browser session: no CSRF token to check. Exempt any other
    # blueprint that authenticates without cookies (API tokens, /ogc/, /open311/) the same way.
    csrf.exempt(line_webhook.bp)
    app.register_blueprint(line_webhook.bp)
    app.register_blueprint(line_media.bp)
    app.register_blueprint(analyst_api.bp)
    app.register_blueprint(ogc_api.bp)
    # Open311 apps post with an api_key, never with a browser session.
    csrf.exempt(open311.bp)
    app.register_blueprint(open311.bp)
    app.register_blueprint(open311.discovery_bp)
    app.register_blueprint(staff_auth.bp)
    app.register_blueprint(staff_views.bp)
    app.register_blueprint(staff_admin.bp)
    app.register_blueprint(staff_tokens.bp)
    app.register_blueprint(staff_ops.bp)
    app.register_blueprint(public_views.bp)
    commands.register(app)
    app.cli.add_command(line_cli.line)
    app.cli.add_command(token_cli.tokens)
    return app


def _limit_per_view_only(app: Flask) -> None:
    """Drop Flask-Limiter's check before every request unless app-wide limits are configured.

    Tsuho's limits are per view (``limiter.limit``), and each such view checks its own limit
    when called. The before-request check exists for default and application limits; without
    them it resolves limits for every request to find none, a twentieth of the LINE
    webhook's time.
    """
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def _configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Read the configuration and the city profile, refusing a wrong environment early."""
    app.config.from_mapping(settings.from_environment(os.environ, ROOT))
    app.config.from_mapping(web_config(app.config["TSUHO_ENV"] == "production"))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    settings.check(app.config)
    app.extensions["tsuho.city"] = load_profile(app.config["TSUHO_CITY"])
    app.extensions["tsuho.photos"] = _photo_store(app.config)


def _photo_store(config: Any) -> PhotoStore:
    """The bucket PHOTO_STORE names, or the directory PHOTO_DIR."""
    if config.get("PHOTO_STORE"):
        return S3PhotoStore.from_url(
            config["PHOTO_STORE"], path_style=config["PHOTO_S3_PATH_STYLE"]
        )
    return FilesystemPhotoStore(Path(config["PHOTO_DIR"]))
