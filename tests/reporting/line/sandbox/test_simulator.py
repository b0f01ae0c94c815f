"""The resident simulator: its script language, its buttons, and whole demo scripts played."""

import io
import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from flask import Flask
from PIL import Image

from reporting.dialogue import conversation as talk
from reporting.line.api import LineClient
from reporting.line.sandbox.fake.events import signature
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.line.sandbox.fake.platform import SentMessage
from reporting.line.sandbox.simulator.buttons import Choice
from reporting.line.sandbox.simulator.buttons import choices
from reporting.line.sandbox.simulator.buttons import find_choice
from reporting.line.sandbox.simulator.demo_photos import DEMO_SUBJECTS
from reporting.line.sandbox.simulator.demo_photos import SIZE
from reporting.line.sandbox.simulator.demo_photos import demo_photo
from reporting.line.sandbox.simulator.prompt import interact
from reporting.line.sandbox.simulator.resident import NoReply
from reporting.line.sandbox.simulator.resident import Simulator
from reporting.line.sandbox.simulator.resident import Webhook
from reporting.line.sandbox.simulator.script import Choose
from reporting.line.sandbox.simulator.script import Expect
from reporting.line.sandbox.simulator.script import Follow
from reporting.line.sandbox.simulator.script import Location
from reporting.line.sandbox.simulator.script import Photos
from reporting.line.sandbox.simulator.script import PhotoSpec
from reporting.line.sandbox.simulator.script import Profile
from reporting.line.sandbox.simulator.script import Say
from reporting.line.sandbox.simulator.script import Script
from reporting.line.sandbox.simulator.script import ScriptError
from reporting.line.sandbox.simulator.script import StepFailed
from reporting.line.sandbox.simulator.script import Sticker
from reporting.line.sandbox.simulator.script import Tap
from reporting.line.sandbox.simulator.script import Unfollow
from reporting.line.sandbox.simulator.script import load_script
from reporting.line.sandbox.simulator.script import parse_script
from reporting.line.sandbox.simulator.session import HttpWebhook
from reporting.line.sandbox.simulator.transcript import Transcript
from reporting.photos.cleaning import clean_photo
from reporting.settings import libpq_url
from tests.conftest import AppFactory
from tests.reporting.line_world import SECRET
from tests.reporting.line_world import TOKEN
from tests.reporting.line_world import drain
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform

ROOT = Path(__file__).resolve().parents[4]
DEMO_SCRIPTS = sorted((ROOT / "demo").glob("*.txt"))
BIN = Path(sys.executable).parent
USER = "U" + "5" * 32


@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    with line_platform() as served:
        yield served


@pytest.fixture
def line(platform: FakeLinePlatform) -> Iterator[LineClient]:
    client = LineClient(TOKEN, platform.url)
    yield client
    client.close()


# --- the script language -----------------------------------------------------------------


def test_every_directive_is_read(tmp_path: Path) -> None:
    (tmp_path / "hole.jpg").write_bytes(b"not looked at until sent")
    script = parse_script(
        "\n".join(
            [
                "# a resident who speaks English",
                "profile en Emma Smith",
                "",
                "follow",
                "tap consent=yes&v=2026-11-01     # a postback",
                "say   report the hole #3 please",
                "say C# is not a comment",
                "choose Danger / emergency",
                "photo hole.jpg",
                "photos demo:pothole demo:pothole2 demo:crack as-set",
                "photos demo:bench demo:bench2",
                "location 34.6551 133.9195 岡山市北区 駅元町",
                "location -1.5 2",
                "sticker",
                "expect 受付番号",
                "unfollow",
            ]
        ),
        tmp_path,
        "resident.txt",
    )
    assert script.name == "resident.txt"
    assert script.steps == (
        Profile("en", "Emma Smith", 2),
        Follow(4),
        Tap("consent=yes&v=2026-11-01", 5),
        Say("report the hole", 6),
        Say("C# is not a comment", 7),
        Choose("Danger / emergency", 8),
        Photos((PhotoSpec(path=tmp_path / "hole.jpg"),), False, 9),
        Photos(
            (
                PhotoSpec(demo="pothole"),
                PhotoSpec(demo="pothole2"),
                PhotoSpec(demo="crack"),
            ),
            True,
            10,
        ),
        Photos((PhotoSpec(demo="bench"), PhotoSpec(demo="bench2")), False, 11),
        Location(34.6551, 133.9195, "岡山市北区 駅元町", 12),
        Location(-1.5, 2.0, "", 13),
        Sticker(14),
        Expect("受付番号", 15),
        Unfollow(16),
    )


def test_a_profile_without_a_name_gets_one_in_its_language(tmp_path: Path) -> None:
    (step,) = parse_script("profile ja", tmp_path).steps
    assert step == Profile("ja", "シミュレーター住民", 1)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("tpa cat=road", "unknown directive 'tpa' (to send text: say tpa cat=road)"),
        ("say", "say: needs the text to send"),
        ("say    # only a comment", "say: needs the text to send"),
        ("tap", "tap: needs postback data"),
        ("choose", "choose: needs a button label"),
        ("expect", "expect: needs the text"),
        ("follow me", "follow: takes no arguments"),
        ("sticker 446 1988", "sticker: takes no arguments"),
        ("profile", "profile: needs a language"),
        ("profile english!", "is not a language tag"),
        ("location 34.6", "location: needs LAT LON"),
        ("location north east", "LAT and LON must be numbers"),
        ("location 133.9195 34.6551", "off the globe; LINE's order is LAT LON"),
        ("location nan 133", "off the globe"),
        ("photo", "photo: needs a photo"),
        ("photo demo:unicorn", "no demo photo 'unicorn'; try one of pothole"),
        ("photo missing.jpg", "no such file"),
        ("photo demo:pothole demo:crack", "takes one photo; use photos"),
        ("photos demo:pothole as-set", "an image set needs at least 2 photos"),
        ("photos as-set", "an image set needs at least 2 photos"),
    ],
)
def test_a_bad_line_is_refused_with_its_number(tmp_path: Path, line: str, message: str) -> None:
    text = f"follow\n# the next line is wrong\n{line}\nsay 通報\n"
    with pytest.raises(ScriptError) as refused:
        parse_script(text, tmp_path, "bad.txt")
    assert refused.value.line == 3
    assert str(refused.value).startswith("bad.txt:3: ")
    assert message in str(refused.value)


def test_a_profile_after_the_first_event_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match=r"^s:3: profile must come before the first event"):
        parse_script("profile en\nfollow\nprofile ja\n", tmp_path, "s")


def test_scripts_are_read_from_files_with_photos_beside_them_or_stdin(tmp_path: Path) -> None:
    (tmp_path / "shots").mkdir()
    (tmp_path / "shots" / "a.png").write_bytes(b"png")
    path = tmp_path / "s.txt"
    path.write_text("photo shots/a.png\n", encoding="utf-8")
    script = load_script(str(path), io.StringIO())
    (step,) = script.steps
    assert step == Photos((PhotoSpec(path=tmp_path / "shots" / "a.png"),), False, 1)
    assert isinstance(step, Photos)
    assert step.specs[0].load() == (b"png", "image/png")
    piped = load_script("-", io.StringIO("say hi\n"))
    assert piped == Script("<stdin>", (Say("hi", 1),))


def test_the_demo_scripts_are_valid() -> None:
    assert 3 <= len(DEMO_SCRIPTS) <= 6
    for path in DEMO_SCRIPTS:
        assert load_script(str(path), io.StringIO()).steps


# --- buttons -----------------------------------------------------------------------------

BUTTONS = talk.Reply(
    "通報する内容を選んでください。",
    (
        talk.QuickReply("道路", "postback", text="道路", data="cat=road"),
        talk.QuickReply("公園", "postback", text="公園", data="cat=park"),
        talk.QuickReply("Danger / emergency", "postback", data="action=emergency"),
        talk.QuickReply("ヘルプ", "message", text="ヘルプ"),
        talk.QuickReply("位置情報を送る", "location"),
        talk.QuickReply("カメラで撮る", "camera"),
    ),
)


def sent_by_the_bot(platform: FakeLinePlatform, line: LineClient) -> SentMessage:
    """The buttons exactly as the bot's LINE client sends them and LINE records them."""
    line.push(USER, [BUTTONS], retry_key=uuid.uuid4())
    return platform.sent_to(USER)[-1]


def test_choose_maps_labels_to_the_bots_buttons(
    platform: FakeLinePlatform, line: LineClient
) -> None:
    buttons = choices(sent_by_the_bot(platform, line))
    assert [b.label for b in buttons] == [
        "道路", "公園", "Danger / emergency", "ヘルプ", "位置情報を送る", "カメラで撮る"
    ]
    assert find_choice(buttons, "公園") == Choice("公園", "postback", "cat=park", "公園")
    assert find_choice(buttons, "ＤＡＮＧＥＲ  /  Emergency").data == "action=emergency"
    assert find_choice(buttons, "ヘルプ") == Choice("ヘルプ", "message", None, "ヘルプ")
    assert find_choice(buttons, "5").kind == "location"
    assert find_choice(buttons, "カメラで撮る").kind == "camera"
    with pytest.raises(StepFailed, match=r"no button '道' .*\[道路\] \[公園\]"):
        find_choice(buttons, "道")
    with pytest.raises(StepFailed, match="no button '7'"):
        find_choice(buttons, "7")


class EchoBot:
    """A stand-in server: records each webhook and answers it at once with the same buttons."""

    def __init__(self, platform: FakeLinePlatform, line: LineClient, *, answer: bool = True):
        self.platform = platform
        self.line = line
        self.answer = answer
        self.events: list[dict[str, Any]] = []

    def post(self, body: bytes, sent_signature: str) -> None:
        assert sent_signature == signature(body, SECRET)
        events = json.loads(body)["events"]
        self.events += events
        for event in events if self.answer else ():
            said = event.get("postback", {}).get("data") or event.get("message", {}).get("text")
            reply = talk.Reply(f"got {said}", BUTTONS.quick_replies)
            self.line.reply(event["replyToken"], [reply])


def resident(
    platform: FakeLinePlatform, bot: Webhook, out: io.StringIO, **kwargs: Any
) -> Simulator:
    transcript = Transcript(out)
    return Simulator(platform, bot, transcript, secret=SECRET, user_id=USER, **kwargs)


def test_choosing_a_button_sends_what_the_button_sends(
    platform: FakeLinePlatform, line: LineClient
) -> None:
    sent_by_the_bot(platform, line)
    bot, out = EchoBot(platform, line), io.StringIO()
    simulator = resident(platform, bot, out, settle=0.01)
    simulator.run(Choose("公園"))
    simulator.run(Choose("ヘルプ"))
    simulator.run(Choose("位置情報を送る"))
    simulator.run(Tap("cat=road"))
    simulator.run(Expect("got cat=road"))
    assert [e["type"] for e in bot.events] == ["postback", "message", "postback"]
    assert bot.events[0]["postback"] == {"data": "cat=park"}
    assert bot.events[1]["message"]["text"] == "ヘルプ"
    assert bot.events[0]["source"]["userId"] == USER
    transcript = out.getvalue()
    assert "you > [公園]\nbot < got cat=park\n      [道路] [公園] [Danger / emer" in transcript
    assert "you > ヘルプ\nbot < got ヘルプ" in transcript
    assert "on a phone this opens the map" in transcript
    assert "you > [道路]\nbot < got cat=road" in transcript  # a tap shows its button's text


def test_an_image_set_is_one_webhook_of_shuffled_images(
    platform: FakeLinePlatform, line: LineClient
) -> None:
    bot = EchoBot(platform, line, answer=False)
    simulator = resident(platform, bot, io.StringIO(), timeout=0.1, settle=0.01)
    names = [f"pothole{i}" for i in range(1, 7)]
    with pytest.raises(NoReply):
        simulator.run(Photos(tuple(PhotoSpec(demo=n) for n in names), as_set=True))
    sets = [e["message"]["imageSet"] for e in bot.events]
    assert len({s["id"] for s in sets}) == 1
    assert sorted(s["index"] for s in sets) == [1, 2, 3, 4, 5, 6]
    assert {s["total"] for s in sets} == {6}
    served = [line.content(e["message"]["id"]) for e in bot.events]
    assert sorted(served) == sorted(demo_photo(n) for n in names)


def test_no_reply_names_the_worker_and_the_fake_platform(
    platform: FakeLinePlatform, line: LineClient
) -> None:
    bot = EchoBot(platform, line, answer=False)
    simulator = resident(platform, bot, io.StringIO(), timeout=0.1)
    script = Script("quiet.txt", (Follow(1), Say("通報", 2)))
    with pytest.raises(NoReply) as silent:
        simulator.run_script(script)
    assert str(silent.value).startswith("quiet.txt:1: no reply within 0.1 s: ")
    assert f"`flask --app app worker` running with LINE_API_HOST={platform.url}" in str(
        silent.value
    )


def test_a_failed_expectation_names_its_line(platform: FakeLinePlatform, line: LineClient) -> None:
    simulator = resident(platform, EchoBot(platform, line), io.StringIO(), settle=0.01)
    script = Script("s.txt", (Say("hello", 1), Expect("goodbye", 2)))
    with pytest.raises(StepFailed, match=r"^s.txt:2: expected .* 'goodbye', got 'got hello'"):
        simulator.run_script(script)


def test_an_unreachable_server_is_said_plainly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with requests.Session() as session:
        webhook = HttpWebhook(f"http://127.0.0.1:{port}/line/webhook", session, timeout=2)
        with pytest.raises(StepFailed, match="cannot reach .*: is the server running"):
            webhook.post(b"{}", "sig")
        with pytest.raises(StepFailed, match="did not answer within 0.3 s"):
            webhook.wait_until_up(0.3)


def test_the_prompt_reads_directives_and_keeps_going_after_mistakes(
    platform: FakeLinePlatform, line: LineClient
) -> None:
    out = io.StringIO()
    simulator = resident(platform, EchoBot(platform, line), out, settle=0.01)
    typed = iter(["help", "tpa x", "say 通報", "choose 9", "expect got 通報", "quit", "say no"])
    interact(simulator, lambda prompt: next(typed))
    transcript = out.getvalue()
    assert "location LAT LON [ADDRESS]" in transcript
    assert "error: input:2: unknown directive 'tpa'" in transcript
    assert "you > 通報\nbot < got 通報" in transcript
    assert "error: no button '9'" in transcript
    assert "ok: 'got 通報'" in transcript
    assert "say no" not in transcript and next(typed) == "say no"


# --- demo photos -------------------------------------------------------------------------


@pytest.mark.parametrize("subject", DEMO_SUBJECTS)
def test_demo_photos_are_the_same_every_time_and_the_bot_keeps_them(subject: str) -> None:
    paint = demo_photo.__wrapped__
    photo = paint(subject)
    assert photo == paint(subject)
    with Image.open(io.BytesIO(photo)) as image:
        assert (image.format, image.size) == ("JPEG", SIZE)
    assert clean_photo(photo).content_hash != clean_photo(paint(subject + "2")).content_hash


# --- whole scripts against the application -----------------------------------------------


class AppWebhook:
    """The application's webhook in this process, with the worker run after every delivery."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def post(self, body: bytes, signature: str) -> None:
        response = self.app.test_client().post(
            "/line/webhook", data=body, headers={"X-Line-Signature": signature}
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        drain(self.app)


def reports(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(
            "SELECT receipt_number, category, subcategory, area_code,"
            " (SELECT count(*) FROM photos p WHERE p.report_id = r.id) FROM reports r"
        ).fetchall()


EXPECTED = {
    "01-pothole-kita.txt": ("road", "pothole", "33101", 3),
    "02-bench-naka.txt": ("park", "bench", "33102", 2),
    "03-streetlight-minami.txt": ("road", "streetlight", "33104", 1),
    "04-kurashiki-then-kita.txt": ("road", "crack", "33101", 1),
    "05-english-guardrail-higashi.txt": ("road", "guardrail", "33103", 2),
    "06-urgent-tree-kita.txt": ("road", "tree", "33101", 1),
}


@pytest.mark.parametrize("path", DEMO_SCRIPTS, ids=lambda p: p.name)
def test_each_demo_script_files_its_report(
    path: Path, fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform
) -> None:
    app = make_app(fresh_areas_db_url, **line_config(platform))
    out = io.StringIO()
    try:
        simulator = Simulator(
            platform, AppWebhook(app), Transcript(out), secret=SECRET, settle=0.01
        )
        simulator.run_script(load_script(str(path), io.StringIO()))
    finally:
        app.extensions["tsuho.line"].close()
    ((receipt, *filed),) = reports(fresh_areas_db_url)
    assert tuple(filed) == EXPECTED[path.name], out.getvalue()
    assert simulator.receipts == [receipt]


# --- the real thing: gunicorn, the worker and the CLI, each its own process ----------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    """Run a process for the block, then stop it (SIGTERM, then SIGKILL after 30 s)."""
    with open(log, "wb") as output:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


@pytest.mark.slow
def test_the_simulator_plays_a_demo_script_against_gunicorn_and_a_worker(
    fresh_areas_db_url: str, tmp_path: Path
) -> None:
    server_port, fake_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_areas_db_url,
        "SECRET_KEY": "test-secret",
        "PHOTO_DIR": str(tmp_path / "photos"),
        "LINE_CHANNEL_SECRET": "e2e-secret",
        "LINE_CHANNEL_ACCESS_TOKEN": "e2e-token",
        "LINE_API_HOST": f"http://127.0.0.1:{fake_port}",
    }
    server = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{server_port}", "app:create_app()"]
    worker = [str(BIN / "flask"), "--app", "app", "worker"]
    simulate = [
        *(str(BIN / "flask"), "--app", "app", "line", "simulate"),
        *("--server", f"http://127.0.0.1:{server_port}/line/webhook"),
        *("--fake-port", str(fake_port), "--wait-server", "60", "--timeout", "30"),
        *("--script", "demo/01-pothole-kita.txt"),
    ]
    logs = tmp_path / "server.log", tmp_path / "worker.log"
    with running(server, env, logs[0]), running(worker, env, logs[1]):
        played = subprocess.run(
            simulate, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
        )
    output = played.stdout + played.stderr + "".join(p.read_text() for p in logs)
    assert played.returncode == 0, output
    ((receipt, category, subcategory, area, photos),) = reports(fresh_areas_db_url)
    assert (category, subcategory, area, photos) == ("road", "pothole", "33101", 3)
    assert f"受付番号は {receipt} です" in played.stdout
    assert f"receipt numbers given: {receipt}" in played.stdout
