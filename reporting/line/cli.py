"""``flask --app app line ...``: set the rich menu, play a resident against a running server,
or serve a fake LINE.

None of them touches the database: the simulator only speaks HTTP, to the server's webhook
and as the LINE Platform the server and worker send their replies to.
"""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from reporting.line import rich_menu
from reporting.line.api import LineRefused
from reporting.line.api import LineUnavailable
from reporting.line.sandbox.fake import server as line_fake_server
from reporting.line.sandbox.simulator import session
from reporting.line.sandbox.simulator.resident import DEMO_SECRET
from reporting.line.sandbox.simulator.resident import DEMO_TOKEN
from reporting.line.sandbox.simulator.script import ScriptError
from reporting.line.sandbox.simulator.script import StepFailed
from reporting.line.sandbox.simulator.script import load_script

line = AppGroup(
    "line", help="Set the rich menu, simulate LINE residents, or serve a fake LINE Platform."
)


@line.command("rich-menu")
def set_rich_menu() -> None:
    """Create the rich menu (通報する / 状況 / ヘルプ) and make it the default, once.

    Needs LINE_CHANNEL_ACCESS_TOKEN (and LINE_API_HOST for the fake platform). Running it
    again changes nothing; after a change of layout or image it replaces its earlier menu.
    """
    if not current_app.config.get("LINE_CHANNEL_ACCESS_TOKEN"):
        raise click.ClickException("LINE_CHANNEL_ACCESS_TOKEN is not set")
    try:
        done = rich_menu.ensure_default(current_app.extensions["tsuho.line"])
    except (LineRefused, LineUnavailable) as exc:
        raise click.ClickException(f"LINE refused or did not answer: {exc}") from exc
    state = "created and set as the default" if done.created else "already there; the default"
    click.echo(f"rich menu {done.rich_menu_id}: {state}")
    for old in done.deleted:
        click.echo(f"deleted the earlier rich menu {old}")


@line.command("simulate", with_appcontext=False)
@click.option(
    "--server",
    default=session.DEFAULT_WEBHOOK,
    show_default=True,
    help="the webhook URL to post to",
)
@click.option(
    "--script",
    "scripts",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    help="a script to play ('-' for stdin); repeat for several, each a new resident",
)
@click.option("--interactive", is_flag=True, help="type steps at a prompt (after any scripts)")
@click.option("--user", help="the LINE user id to play (default: a new random one per script)")
@click.option("--fake-host", default=session.DEFAULT_FAKE_HOST, show_default=True)
@click.option("--fake-port", default=session.DEFAULT_FAKE_PORT, show_default=True, type=int)
@click.option(
    "--secret",
    envvar="LINE_CHANNEL_SECRET",
    default=DEMO_SECRET,
    show_default=True,
    help="channel secret that signs the webhooks (env LINE_CHANNEL_SECRET)",
)
@click.option(
    "--token",
    envvar="LINE_CHANNEL_ACCESS_TOKEN",
    default=DEMO_TOKEN,
    show_default=True,
    help="access token the fake platform accepts (env LINE_CHANNEL_ACCESS_TOKEN)",
)
@click.option(
    "--timeout", default=15.0, show_default=True, help="seconds to wait for the bot's reply"
)
@click.option(
    "--wait-server", default=0.0, show_default=True, help="seconds to wait for the server to start"
)
def simulate(
    server: str,
    scripts: tuple[str, ...],
    interactive: bool,
    user: str | None,
    fake_host: str,
    fake_port: int,
    secret: str,
    token: str,
    timeout: float,
    wait_server: float,
) -> None:
    """Play LINE residents against a running Tsuho and print the chat.

    Host the fake LINE Platform here on --fake-host:--fake-port; start the server and
    `flask --app app worker` with LINE_API_HOST=http://127.0.0.1:8787 and the same
    LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN. Without --script, it is interactive.
    """
    try:
        loaded = [load_script(path, sys.stdin) for path in scripts]
    except ScriptError as exc:
        raise click.ClickException(str(exc)) from exc
    options = session.Options(
        server=server,
        fake_host=fake_host,
        fake_port=fake_port,
        secret=secret,
        token=token,
        timeout=timeout,
        wait_server=wait_server,
        user_id=user,
    )
    try:
        receipts = session.simulate(
            options, loaded, sys.stdout, interactive=interactive or not loaded
        )
    except StepFailed as exc:
        raise click.ClickException(str(exc)) from exc
    if receipts:
        click.echo(f"receipt numbers given: {' '.join(receipts)}")


@line.command("fake", with_appcontext=False)
@click.option("--host", default=session.DEFAULT_FAKE_HOST, show_default=True)
@click.option("--port", default=session.DEFAULT_FAKE_PORT, show_default=True, type=int)
@click.option(
    "--token",
    envvar="LINE_CHANNEL_ACCESS_TOKEN",
    default=DEMO_TOKEN,
    show_default=True,
    help="the channel access token it accepts (env LINE_CHANNEL_ACCESS_TOKEN)",
)
def fake(host: str, port: int, token: str) -> None:
    """Serve a fake LINE Platform until Ctrl-C, for pointing your own client at it."""
    click.echo(
        f"fake LINE Platform on http://{host}:{port}: start Tsuho with "
        f"LINE_API_HOST=http://{host}:{port} and the same LINE_CHANNEL_ACCESS_TOKEN"
    )
    line_fake_server.run(host, port, token)  # werkzeug says so and exits when the port is taken
