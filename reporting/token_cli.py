"""``flask --app app tokens ...``: API tokens for analysts (GIS tools, scripts)."""

from datetime import UTC
from datetime import datetime

import click
from flask.cli import AppGroup

from reporting import access
from reporting.db import db
from reporting.report_filters import JST

tokens = AppGroup("tokens", help="Create, list and revoke analysts' API tokens.")


@tokens.command("create")
@click.argument("name")
def create(name: str) -> None:
    """Create a token labelled NAME and print it (shown once; only its hash is kept)."""
    try:
        token = access.create_token(db.session(), name)
    except access.TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(token)
    click.echo(
        f"token {name!r} created; it is shown once. Send it as 'Authorization: Bearer <token>'.",
        err=True,
    )


@tokens.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the live token labelled NAME; requests using it are refused from now on."""
    try:
        access.revoke_token(db.session(), name, datetime.now(UTC))
    except access.TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"token {name!r} revoked")


@tokens.command("list")
def list_() -> None:
    """List tokens: name, prefix, created, last used, revoked."""
    for record in access.list_tokens(db.session()):
        state = f"revoked {_when(record.revoked_at)}" if record.revoked_at else "live"
        click.echo(
            f"{record.name}\t{record.prefix}…\tcreated {_when(record.created_at)}"
            f"\tlast used {_when(record.last_used_at)}\t{state}"
        )


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(JST):%Y-%m-%d %H:%M}" if moment else "never"
