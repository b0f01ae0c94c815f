"""``flask --app app tokens ...``: API tokens for analysts (GIS tools, scripts) and Open311 apps."""

from datetime import UTC
from datetime import datetime

import click
from flask.cli import AppGroup

from reporting import access
from reporting.db import db
from reporting.models import TOKEN_SCOPES
from reporting.report_filters import JST

tokens = AppGroup("tokens", help="Create, list and revoke API tokens and Open311 keys.")

# How each kind of token is sent, told once when it is made.
USAGE = {
    access.READ: "Send it as 'Authorization: Bearer <token>'.",
    access.OPEN311: "Send it as the api_key of POST /open311/v2/requests.json (or .xml).",
}


@tokens.command("create")
@click.argument("name")
@click.option(
    "--scope",
    type=click.Choice(TOKEN_SCOPES),
    default=access.READ,
    show_default=True,
    help="read: exports and OGC API for analysts; open311: an app's key to file reports.",
)
def create(name: str, scope: str) -> None:
    """Create a token labelled NAME and print it (shown once; only its hash is kept)."""
    try:
        token = access.create_token(db.session(), name, scope)
    except access.TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(token)
    click.echo(f"{scope} token {name!r} created; it is shown once. {USAGE[scope]}", err=True)


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
    """List tokens: name, scope, prefix, created, last used, revoked."""
    for record in access.list_tokens(db.session()):
        state = f"revoked {_when(record.revoked_at)}" if record.revoked_at else "live"
        click.echo(
            f"{record.name}\t{record.scope}\t{record.prefix}…\tcreated {_when(record.created_at)}"
            f"\tlast used {_when(record.last_used_at)}\t{state}"
        )


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(JST):%Y-%m-%d %H:%M}" if moment else "never"
