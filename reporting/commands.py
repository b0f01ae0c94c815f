"""Command-line tools of the domain: areas, staff accounts, the worker and retention."""

import os
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from gis import wards
from gis.boundaries import BoundaryError
from gis.boundaries import bundled_file
from gis.boundaries import read_files
from reporting import accounts
from reporting import jobs
from reporting.city_profile import CityProfile
from reporting.db import db
from reporting.models import StaffUser
from reporting.operations import retention


def _city() -> CityProfile:
    return current_app.extensions["tsuho.city"]


areas = AppGroup("areas", help="Load boundaries and locate points.")


@areas.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def import_areas(files: tuple[Path, ...]) -> None:
    """Upsert the areas in GeoJSON FILES (all or nothing)."""
    _save(list(files))


@areas.command("load")
def load_areas() -> None:
    """Upsert the city profile's bundled areas: its service area and its neighbours."""
    _save([bundled_file(code) for code in _city().area_codes])


def _save(paths: list[Path]) -> None:
    try:
        records = read_files(paths)
    except BoundaryError as exc:
        raise click.ClickException(f"nothing imported: {exc}") from exc
    for record in records:
        if record.repaired:
            click.echo(f"repaired {record.code} {record.name_ja}: {record.repaired}")
    result = wards.save_areas(db.session(), records, _city().service_area)
    db.session.commit()
    click.echo(
        f"areas: {result.inserted} inserted, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )


@areas.command("locate")
@click.argument("lon", type=float)
@click.argument("lat", type=float)
def locate(lon: float, lat: float) -> None:
    """Print the area that contains LON LAT."""
    try:
        area = wards.locate(db.session(), lon, lat)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if area is None:
        click.echo(f"no area contains ({lon}, {lat})")
        raise SystemExit(1)
    served = "in the service area" if area.in_service_area else "outside the service area"
    click.echo(f"{area.code} {area.name_ja} ({area.name_en}), {served}")


users = AppGroup("users", help="Manage staff accounts.")


@users.command("ensure-admin")
def ensure_admin() -> None:
    """Create the first admin account unless one exists.

    Its login is TSUHO_ADMIN_LOGIN (default ``admin``), its password TSUHO_ADMIN_PASSWORD or
    one generated and printed once.
    """
    login = current_app.config["ADMIN_LOGIN"]
    try:
        password = accounts.ensure_admin(
            db.session(), os.environ.get("TSUHO_ADMIN_PASSWORD"), login
        )
    except accounts.StaffError as exc:
        raise click.ClickException(f"TSUHO_ADMIN_LOGIN or TSUHO_ADMIN_PASSWORD: {exc}") from exc
    db.session.commit()
    if password is None:
        click.echo("an admin account exists")
    elif os.environ.get("TSUHO_ADMIN_PASSWORD"):
        click.echo(f"created admin account {login!r} with the password from TSUHO_ADMIN_PASSWORD")
    else:
        click.echo(f"created admin account {login!r} with password: {password}")
        click.echo("(shown once: write it down or change it)")


@users.command("create")
@click.argument("login")
@click.option("--role", type=click.Choice(["viewer", "staff", "admin"]), default="staff")
@click.option("--department")
@click.password_option()
def create_user(login: str, role: str, department: str | None, password: str) -> None:
    """Create a staff account."""
    try:
        accounts.create_user(db.session(), login, password, role, department)
    except accounts.StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {role} account {login!r}")


@users.command("disable")
@click.argument("login")
def disable_user(login: str) -> None:
    """Stop LOGIN from signing in (audited; the last active admin cannot be disabled)."""
    _change_account(login, accounts.disable_user, "disabled")


@users.command("enable")
@click.argument("login")
def enable_user(login: str) -> None:
    """Let LOGIN sign in again, from every address at once (audited)."""
    _change_account(login, accounts.enable_user, "enabled")


@users.command("unlock")
@click.argument("login")
def unlock_user(login: str) -> None:
    """Let every address try LOGIN's password again at once (audited)."""
    _change_account(login, accounts.unlock_user, "unlocked")


@users.command("set-password")
@click.argument("login")
@click.password_option()
def set_password(login: str, password: str) -> None:
    """Give LOGIN a new password; every session of the account ends (audited)."""
    try:
        _change_account(
            login, lambda s, actor, user: accounts.set_password(s, actor, user, password),
            "changed the password of",
        )
    except accounts.StaffError as exc:
        raise click.ClickException(str(exc)) from exc


def _change_account(
    login: str, change: Callable[[Session, int | None, StaffUser], None], done: str
) -> None:
    session = db.session()
    try:
        change(session, None, accounts.find(session, login))
    except accounts.UnknownAccount as exc:
        raise click.ClickException(f"no staff account {login!r}") from exc
    except accounts.LastAdmin as exc:
        raise click.ClickException(f"{login!r} is the last active admin") from exc
    session.commit()
    click.echo(f"{done} account {login!r}")


@click.command("worker")
@click.option("--concurrency", default=1, show_default=True, help="jobs run at once")
@click.option(
    "--stalled-after",
    default=jobs.STALLED_AFTER,
    show_default=True,
    help="seconds without a heartbeat before a worker's jobs are run again",
)
@with_appcontext
def worker(concurrency: int, stalled_after: float) -> None:
    """Run background jobs until stopped (SIGINT or SIGTERM ends it gracefully)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    app.extensions["tsuho.jobs"].run_worker(
        concurrency=concurrency,
        update_heartbeat_interval=stalled_after / 3,
        stalled_worker_timeout=stalled_after,
        additional_context={"flask_app": app, "stalled_after": stalled_after},
        worker_middleware=jobs.WORKER_MIDDLEWARE,
    )


retention_cli = AppGroup("retention", help="Apply the city profile's retention policy.")


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="list what would be removed; change nothing")
def retention_run(dry_run: bool) -> None:
    """Remove what the policy says is kept too long, and print it (audited)."""
    policy = _city().retention
    result = retention.run(
        db.session(), current_app.extensions["tsuho.photos"], policy, datetime.now(UTC),
        dry_run=dry_run,
    )
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"retention ({'dry run' if dry_run else 'applied'}): photos of reports closed over "
        f"{policy.closed_report_photos_years} years, residents silent over "
        f"{policy.inactive_resident_years} years, handled LINE events over "
        f"{policy.handled_line_events_days} days"
    )
    click.echo(
        f"{verb}: {result.report_photo_rows} photos of {len(result.report_photos)} closed "
        f"reports {' '.join(result.report_photos)}".rstrip()
    )
    click.echo(f"{verb}: {result.draft_photo_rows} photos of abandoned drafts")
    click.echo(
        f"{verb}: {len(result.objects)} stored photo files no report refers to "
        f"({result.object_bytes} bytes)"
    )
    for key in result.objects:
        click.echo(f"  {key}")
    click.echo(
        f"{verb}: the LINE user ID of {len(result.residents)} residents"
        + (f" (ids {', '.join(map(str, result.residents))})" if result.residents else "")
    )
    click.echo(f"{verb}: {result.line_events} handled LINE events")


def register(app: Flask) -> None:
    """Add the commands to ``flask``."""
    app.cli.add_command(areas)
    app.cli.add_command(users)
    app.cli.add_command(worker)
    app.cli.add_command(retention_cli)
