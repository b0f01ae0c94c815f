"""The simulator's interactive prompt: script directives typed one at a time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reporting.line.sandbox.simulator.demo_photos import DEMO_SUBJECTS
from reporting.line.sandbox.simulator.resident import Simulator
from reporting.line.sandbox.simulator.script import ScriptError
from reporting.line.sandbox.simulator.script import StepFailed
from reporting.line.sandbox.simulator.script import parse_line

HELP = """\
Type what the resident does, one step a line:
  follow | unfollow | sticker
  profile LANG [NAME]            LINE profile language (before the first event), e.g. profile en
  say TEXT                       send text, e.g. say 通報
  tap DATA                       send a postback, e.g. tap kind=road.pothole
  choose LABEL                   tap a button under the bot's last message (or its number)
  photo SPEC                     SPEC: demo:NAME or a file; demo names: {demo}
  photos SPEC... [as-set]        several photos, as-set: one image set, shuffled
  location LAT LON [ADDRESS]     e.g. location 34.6661 133.9186 岡山市北区駅元町
  expect TEXT                    check the bot's last message
  help | quit"""


def interact(simulator: Simulator, read: Callable[[str], str] = input) -> None:
    """A REPL over the script directives, with readline's line editing when it is there."""
    try:
        import readline  # noqa: F401 - importing it gives input() history and editing
    except ImportError:
        pass
    transcript = simulator.transcript
    transcript.note(f"resident {simulator.user_id}; type help for the commands")
    number = 0
    while True:
        simulator.show_new()
        try:
            raw = read("> ")
        except (EOFError, KeyboardInterrupt):
            transcript.note("bye")
            return
        number += 1
        command = raw.strip().lower()
        if command in ("quit", "exit"):
            return
        if command in ("help", "?"):
            transcript.note(HELP.format(demo=", ".join(DEMO_SUBJECTS)))
            continue
        try:
            step = parse_line(raw, number, Path.cwd(), "input")
            if step is not None:
                simulator.run(step)
        except (ScriptError, StepFailed, OSError) as exc:
            transcript.note(f"error: {exc}")
