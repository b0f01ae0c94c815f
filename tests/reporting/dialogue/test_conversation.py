"""The reporting dialogue as a resident sees it: what they are told, and what the caller does."""

import copy
import functools
import json
import math
import string
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from gis.wards import AreaRef
from reporting.city_profile import MAX_LABEL
from reporting.city_profile import CityProfile
from reporting.city_profile import load_profile
from reporting.dialogue import texts as conversation_text
from reporting.dialogue.conversation import MAX_DATA
from reporting.dialogue.conversation import MAX_QUICK_REPLIES
from reporting.dialogue.conversation import MAX_REPLIES
from reporting.dialogue.conversation import MAX_TEXT
from reporting.dialogue.conversation import Action
from reporting.dialogue.conversation import AttachPhoto
from reporting.dialogue.conversation import CreateReport
from reporting.dialogue.conversation import DiscardDraft
from reporting.dialogue.conversation import DropPhoto
from reporting.dialogue.conversation import Event
from reporting.dialogue.conversation import Facts
from reporting.dialogue.conversation import Follow
from reporting.dialogue.conversation import Image
from reporting.dialogue.conversation import Location
from reporting.dialogue.conversation import NearbyReport
from reporting.dialogue.conversation import Outcome
from reporting.dialogue.conversation import PhotoOk
from reporting.dialogue.conversation import PhotoRefused
from reporting.dialogue.conversation import Place
from reporting.dialogue.conversation import Postback
from reporting.dialogue.conversation import QuickReply
from reporting.dialogue.conversation import Reply
from reporting.dialogue.conversation import ReportSummary
from reporting.dialogue.conversation import SetFollowed
from reporting.dialogue.conversation import Settings
from reporting.dialogue.conversation import State
from reporting.dialogue.conversation import Text
from reporting.dialogue.conversation import Unfollow
from reporting.dialogue.conversation import Unsend
from reporting.dialogue.conversation import Unsupported
from reporting.dialogue.conversation import handle
from reporting.models import REPORT_STATUSES

CITY = load_profile("okayama")
VERSION = CITY.terms.version
OLD_VERSION = "2025-04-01"
PHONE = CITY.emergency_phone
T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)

KITA = AreaRef("33101", "岡山市北区", "Kita-ku, Okayama", "designated_city_ward", True)
KURASHIKI = AreaRef("33202", "倉敷市", "Kurashiki City", "city", False)
INSIDE = Place(KITA, True, None, "岡山市", "Okayama City")
NEAR_BORDER = replace(INSIDE, border_distance_m=12.5)
IN_KURASHIKI = Place(KURASHIKI, False, None, "倉敷市", "Kurashiki City")
AT_SEA = Place(None, False, None, None, None)
STATION = Location(133.9195, 34.6551, "岡山県岡山市北区駅元町1-1", "岡山駅")
KURASHIKI_POINT = Location(133.7720, 34.5850, "岡山県倉敷市", None)

REPORTS = (
    ReportSummary(
        "OKY-2026-00042", "道路", "Road", "in_progress", datetime(2026, 11, 2, 20, tzinfo=UTC)
    ),
    ReportSummary(
        "OKY-2026-00017", "公園", "Park", "rejected", datetime(2026, 10, 1, 3, tzinfo=UTC)
    ),
)
DEFAULTS = Settings()
NO_FACTS = Facts()
Sent = tuple[Event, Facts]
DRAFT_STEPS = (
    "photos",
    "location",
    "confirm_location",
    "kind",
    "kind_other",
    "confirm",
    "note",
    "same",
    "resume",
)


# --- helpers -----------------------------------------------------------------------------


def check_line_limits(outcome: Outcome) -> None:
    """What LINE accepts in one reply call, and what the caller can persist."""
    assert len(outcome.replies) <= MAX_REPLIES
    for i, reply in enumerate(outcome.replies):
        assert 1 <= len(reply.text) <= MAX_TEXT
        assert len(reply.quick_replies) <= MAX_QUICK_REPLIES
        assert not reply.quick_replies or i == len(outcome.replies) - 1
        for quick in reply.quick_replies:
            assert 1 <= len(quick.label) <= MAX_LABEL
            assert quick.kind in ("message", "postback", "camera", "camera_roll", "location", "uri")
            if quick.kind == "uri":
                assert quick.uri and quick.uri.startswith("tel:")
            if quick.kind == "postback":
                assert quick.data and len(quick.data) <= MAX_DATA
    check_storable(outcome.state.draft)
    for action in outcome.actions:
        if isinstance(action, CreateReport):
            check_storable(action.draft)


def check_storable(draft: Any) -> None:
    """JSONB takes no NaN, no NUL and no lone surrogate; residents' text is where they come from."""
    json.dumps(draft, allow_nan=False, ensure_ascii=False).encode("utf-8")
    for key in ("note", "address"):
        value = draft.get(key) if isinstance(draft, dict) else None
        if isinstance(value, str):
            assert not any(c < " " and c not in "\n\t" for c in value), key


def said(outcome: Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


def labels(outcome: Outcome) -> list[str]:
    return [q.label for q in outcome.replies[-1].quick_replies] if outcome.replies else []


def photo(message_id: str) -> Facts:
    return Facts(photo=PhotoOk(message_id, f"sha256:{message_id}"))


class Resident:
    """One resident talking to the bot; every outcome is checked against LINE's limits."""

    def __init__(
        self, state: State | None = None, config: Settings = DEFAULTS, city: CityProfile = CITY
    ) -> None:
        self.state = state or State()
        self.config = config
        self.city = city
        self.now = T0
        self.actions: list[Action] = []
        self.last = Outcome(self.state)

    def send(
        self, event: Event, facts: Facts = NO_FACTS, after: timedelta = timedelta(seconds=20)
    ) -> Outcome:
        self.now += after
        before = copy.deepcopy(self.state)
        outcome = handle(self.state, event, facts, self.city, self.now, self.config)
        assert self.state == before, "handle changed its input"
        check_line_limits(outcome)
        self.state, self.last = outcome.state, outcome
        self.actions += outcome.actions
        return outcome

    def tap(self, label: str, facts: Facts = NO_FACTS) -> Outcome:
        """Tap a quick reply of the last message, sending what LINE would send."""
        buttons = {q.label: q for q in self.last.replies[-1].quick_replies}
        assert label in buttons, f"{label!r} not among {list(buttons)}"
        data = buttons[label].data
        assert buttons[label].kind == "postback" and data
        return self.send(Postback(data), facts)

    def send_set(self, set_id: str, order: Iterable[int], total: int) -> list[Outcome]:
        """Photos picked together: one event each, with the set's id, index and total."""
        return [
            self.send(Image(f"{set_id}-{i}", set_id, i, total), photo(f"{set_id}-{i}"))
            for i in order
        ]

    @property
    def draft(self) -> dict[str, Any]:
        return dict(self.state.draft)


NEARBY = (NearbyReport("2612-00001", "road", "other", "new"),)


def consented(language: str = "ja", config: Settings = DEFAULTS) -> Resident:
    return Resident(State(consent_version=VERSION, language=language, updated_at=T0), config)


def drive_to(step: str, language: str = "ja", config: Settings = DEFAULTS) -> Resident:
    """A resident who has answered everything before ``step`` (one photo, a point in Kita)."""
    r = consented(language, config)
    path = [
        ("photos", lambda: r.send(Text("通報"))),
        ("location", lambda: r.send(Image("p1"), photo("p1"))),
        ("confirm_location", lambda: r.send(STATION, Facts(place=NEAR_BORDER))),
        ("kind", lambda: r.send(Text("はい"))),
        ("kind_other", lambda: r.send(Postback("kind=other"))),
        ("confirm", lambda: r.send(Postback("kind=road.other"))),
        ("note", lambda: r.send(Postback("edit=note"))),
        ("same", lambda: r.send(Text("段差が5cmほどあります"), Facts(nearby=NEARBY))),
        ("resume", lambda: r.send(Image("p2"), photo("p2"), after=timedelta(hours=2))),
    ]
    for reached, answer in path:
        answer()
        assert r.state.step == reached
        if reached == step:
            return r
    raise AssertionError(f"no step {step!r}")


def photo_ids(state: State) -> list[str]:
    """The draft's photos, and those held while a returning resident is asked to resume."""
    draft = state.draft if isinstance(state.draft, dict) else {}
    resume = draft.get("resume")
    pending = resume.get("pending") if isinstance(resume, dict) else None
    held = pending.get("photos") if isinstance(pending, dict) else None
    return [
        p["message_id"]
        for p in [*(draft.get("photos") or []), *(held or [])]
        if isinstance(p, dict)
        and isinstance(p.get("message_id"), str)
        and isinstance(p.get("content_hash"), str)
    ]


# --- the whole way through ---------------------------------------------------------------


# --- emergencies and consent -------------------------------------------------------------


def test_emergency_help_is_given_before_the_terms_are_agreed_to() -> None:
    o = Resident().send(Text("緊急"))
    assert PHONE in said(o) and "119" in said(o)
    assert "利用規約" not in said(o)


def test_emergency_mid_report_keeps_the_photos() -> None:
    r = drive_to("location")
    o = r.send(Postback("action=emergency"))
    assert PHONE in said(o)
    assert o.actions == ()
    assert r.state.step == "location" and photo_ids(r.state) == ["p1"]


def test_unfollow_drops_the_draft_silently() -> None:
    r = drive_to("location")
    o = r.send(Unfollow())
    assert o.replies == ()
    assert o.actions == (SetFollowed(False), DiscardDraft())
    assert r.state.step == "idle" and r.state.draft == {}


# --- photos ------------------------------------------------------------------------------


def test_a_photo_that_never_arrived_is_asked_for_again() -> None:
    r = drive_to("photos")
    o = r.send(Image("m1"), Facts())
    assert "写真を受け取れませんでした" in said(o)
    assert o.actions == ()


def test_the_same_photo_twice_is_kept_once() -> None:
    r = drive_to("photos")
    r.send(Image("m1"), photo("m1"))
    o = r.send(Image("m2"), Facts(photo=PhotoOk("m2", "sha256:m1")))
    assert "同じ写真はすでに受け付けています" in said(o)
    assert o.actions == ()
    o = r.send(Image("m1"), photo("m1"))
    assert o.replies == () and o.actions == (), "a redelivered event changes nothing"
    assert photo_ids(r.state) == ["m1"]


def test_next_needs_a_photo_first() -> None:
    r = drive_to("photos")
    o = r.send(Text("次へ"))
    assert r.state.step == "photos"
    assert "次へ" not in labels(o)


def test_unsend_removes_a_draft_photo() -> None:
    r = drive_to("photos")
    r.send(Image("m1"), photo("m1"))
    r.send(Image("m2"), photo("m2"))
    o = r.send(Unsend("m1"))
    assert o.replies == ()
    assert o.actions == (DropPhoto("m1"),)
    assert photo_ids(r.state) == ["m2"]
    o = r.send(Unsend("not-a-draft-photo"))
    assert o.actions == () and photo_ids(r.state) == ["m2"]


# --- location ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_point_in_another_city_is_named_and_asked_again(language: str) -> None:
    r = drive_to("location", language)
    o = r.send(KURASHIKI_POINT, Facts(place=IN_KURASHIKI))
    text = said(o)
    if language == "ja":
        assert "この地点は倉敷市で、岡山市の外です" in text
        assert "岡山市の道路・公園のみ受け付けています" in text
    else:
        assert "This point is in Kurashiki City" in text
        assert "roads and parks in Okayama City" in text
    assert r.state.step == "location"
    assert "lon" not in r.draft and "area_code" not in r.draft
    assert o.actions == ()


def test_a_point_just_outside_the_border_says_so() -> None:
    r = drive_to("location")
    o = r.send(KURASHIKI_POINT, Facts(place=replace(IN_KURASHIKI, border_distance_m=8.0)))
    assert "倉敷市" in said(o) and "境界のすぐ外側" in said(o)
    assert r.state.step == "location"


def test_a_point_named_only_by_its_area() -> None:
    r = drive_to("location")
    o = r.send(KURASHIKI_POINT, Facts(place=Place(KURASHIKI, False)))
    assert "この地点は倉敷市で、岡山市の外です" in said(o)


@pytest.mark.parametrize("place", [AT_SEA, None], ids=["sea", "unplaced"])
def test_a_point_in_no_known_area_is_asked_again(place: Place | None) -> None:
    r = drive_to("location")
    o = r.send(Location(134.10, 34.45, None, None), Facts(place=place))
    assert "岡山市内として確認できませんでした" in said(o)
    assert r.state.step == "location" and "lon" not in r.draft


@pytest.mark.parametrize(
    "lon, lat",
    [(math.nan, 34.6), (133.9, math.inf), (-math.inf, 34.6), (200.0, 34.6), (133.9, -91)],
)
def test_a_point_that_is_not_a_coordinate_is_never_stored(lon: float, lat: float) -> None:
    r = drive_to("location")
    o = r.send(Location(lon, lat, None, None), Facts(place=INSIDE))
    assert "岡山市内として確認できませんでした" in said(o)
    assert r.state.step == "location" and "lon" not in r.draft


# --- note and confirmation ---------------------------------------------------------------


def test_a_long_note_is_asked_to_be_shortened() -> None:
    r = drive_to("note")
    o = r.send(Text("あ" * 501))
    assert "500文字以内" in said(o) and "501文字" in said(o)
    assert r.state.step == "note" and "note" not in r.draft
    r.send(Text("い" * 500))
    assert r.state.step == "confirm"


def test_a_note_is_data_never_markup_or_a_template() -> None:
    r = drive_to("note")
    note = "<b>{category}</b> %s\x00\x1b[31m 😀\n二行目"
    o = r.send(Text(note))
    assert "<b>{category}</b> %s" in said(o)
    o = r.tap("送信")
    (create,) = o.actions
    assert isinstance(create, CreateReport)
    assert create.draft["note"] == "<b>{category}</b> %s[31m 😀\n二行目"


def test_send_with_a_draft_missing_its_photos_asks_for_them() -> None:
    state = drive_to("confirm").state
    broken = replace(state, draft={**state.draft, "photos": []})
    o = Resident(broken).send(Text("送信"))
    assert not any(isinstance(a, CreateReport) for a in o.actions)
    assert o.state.step == "photos"


# --- anytime -----------------------------------------------------------------------------


@pytest.mark.parametrize("step", DRAFT_STEPS)
@pytest.mark.parametrize(
    "event", [Text("中止"), Text("Cancel"), Text("キャンセル"), Postback("action=cancel")], ids=str
)
def test_cancel_anytime(step: str, event: Event) -> None:
    r = drive_to(step)
    o = r.send(event)
    assert o.actions == (DiscardDraft(),)
    assert "通報を中止しました" in said(o)
    assert r.state.step == "idle" and r.state.draft == {}


@pytest.mark.parametrize("language", ["ja", "en"])
def test_status_lists_recent_reports(language: str) -> None:
    o = consented(language).send(Text("状況"), Facts(recent_reports=REPORTS))
    text = said(o)
    if language == "ja":
        assert "・OKY-2026-00042 道路：対応中（2026/11/03）" in text, "dates are in Japan time"
        assert "・OKY-2026-00017 公園：対応不可（2026/10/01）" in text
    else:
        assert "- OKY-2026-00042 Road: in progress (2026-11-03)" in text
        assert "- OKY-2026-00017 Park: not actionable (2026-10-01)" in text
    assert o.actions == ()


def test_status_with_no_reports() -> None:
    o = consented().send(Postback("action=status"))
    assert "まだ通報はありません" in said(o)


def test_an_unknown_status_is_shown_as_it_is() -> None:
    odd = replace(REPORTS[0], status="archived")
    o = consented().send(Text("状況"), Facts(recent_reports=(odd,)))
    assert "archived" in said(o)


@pytest.mark.parametrize("step", ["idle", *DRAFT_STEPS])
def test_help_explains_how_to_report(step: str) -> None:
    r = consented() if step == "idle" else drive_to(step)
    o = r.send(Text("ヘルプ"))
    assert "通報のしかた" in o.replies[0].text and PHONE in o.replies[0].text
    assert r.state.step == step
    assert len(o.replies) == (1 if step == "idle" else 2)


def test_switching_to_english_mid_report() -> None:
    r = drive_to("photos")
    o = r.send(Text("English"))
    assert r.state.language == "en"
    assert "Switched to English" in said(o)
    assert "Take a photo" in labels(o)


@pytest.mark.parametrize("step", [s for s in DRAFT_STEPS if s != "note"])
def test_unknown_text_mid_report_asks_again(step: str) -> None:
    r = drive_to(step)
    prompt = labels(r.last)
    o = r.send(Text("こんにちは"))
    assert o.actions == ()
    assert r.state.step == step
    assert labels(o) == prompt


MALFORMED = [
    "",
    "=",
    "cat",
    "cat=",
    "cat=volcano",
    "sub=volcano",
    "action=explode",
    "consent=maybe",
    "&&&",
    "x" * 1000,
    "lang=fr",
    "photos=later",
    "border=perhaps",
    "note=maybe",
    "confirm=now",
    "nav=sideways",
    "=road",
]


@pytest.mark.parametrize("step", ["idle", *DRAFT_STEPS])
@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_postbacks_ask_again(step: str, data: str) -> None:
    r = consented() if step == "idle" else drive_to(step)
    o = r.send(Postback(data))
    assert o.actions == ()
    assert o.replies
    assert r.state.step == step


@pytest.mark.parametrize("step", ["idle", "photos"])
def test_a_sticker_gets_a_gentle_answer(step: str) -> None:
    r = consented() if step == "idle" else drive_to(step)
    o = r.send(Unsupported("sticker"))
    assert "スタンプ・動画・音声・ファイルには対応していません" in said(o)
    assert o.actions == () and r.state.step == step


@pytest.mark.parametrize("step", ["idle", "photos"])
@pytest.mark.parametrize("kind", ["join", "leave", "beacon", "memberJoined", "futureEvent"])
def test_events_that_are_not_messages_are_ignored(step: str, kind: str) -> None:
    r = consented() if step == "idle" else drive_to(step)
    before = r.state
    o = r.send(Unsupported(kind))
    assert o == Outcome(before)


def test_a_blocked_resident_is_not_told_on_an_event_without_a_reply() -> None:
    r = Resident(State(consent_version=VERSION, blocked=True))
    o = r.send(Unfollow())
    assert o == Outcome(r.state) and not r.state.blocked_notified


# --- limits and the catalogue ------------------------------------------------------------


def test_catalogue_texts_have_both_languages_and_the_same_fields() -> None:
    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    for key, (ja, en) in conversation_text.TEXTS.items():
        assert ja and en, key
        assert fields(ja) == fields(en), key
    for key, pair in conversation_text.LABELS.items():
        assert all(1 <= len(label) <= MAX_LABEL for label in pair), key


def test_every_report_status_has_words() -> None:
    assert set(conversation_text.STATUS_WORDS) == set(REPORT_STATUSES)
    ja = [conversation_text.status_word(s, "ja") for s in REPORT_STATUSES]
    en = [conversation_text.status_word(s, "en") for s in REPORT_STATUSES]
    assert ja == ["受付", "確認済み", "対応中", "対応完了", "対応不可", "重複", "他の管理者へ移管"]
    assert en == [
        "received",
        "acknowledged",
        "in progress",
        "resolved",
        "not actionable",
        "duplicate",
        "referred",
    ]


@pytest.mark.parametrize(
    "build",
    [
        lambda: QuickReply("x" * (MAX_LABEL + 1), "postback", data="a=b"),
        lambda: QuickReply("", "postback", data="a=b"),
        lambda: QuickReply("ok", "postback"),
        lambda: QuickReply("ok", "message"),
        lambda: QuickReply("ok", "camera", data="a=b"),
        lambda: QuickReply("ok", "postback", data="x" * (MAX_DATA + 1)),
        lambda: QuickReply("ok", "teleport"),  # type: ignore[arg-type]
        lambda: Reply(""),
        lambda: Reply("x" * (MAX_TEXT + 1)),
        lambda: Reply("x", tuple(QuickReply(f"{i}", "camera") for i in range(14))),
        lambda: Outcome(State(), tuple(Reply("x") for _ in range(MAX_REPLIES + 1))),
        lambda: Outcome(State(), (Reply("x", (QuickReply("c", "camera"),)), Reply("y"))),
        lambda: Settings(max_photos=0),
    ],
)
def test_values_line_would_refuse_fail_loudly(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


# --- hostile input, over every step ------------------------------------------------------


@functools.cache
def start_states() -> tuple[State, ...]:
    states: list[State] = [
        State(),
        State(consent_version=OLD_VERSION),
        Resident().send(Follow()).state,
        State(consent_version=VERSION, language="en"),
        State(consent_version=VERSION, language="xx"),
        State(step="retired", draft={"photos": "?"}, consent_version=VERSION),
        State(
            step="confirm",
            draft={"category": 5, "photos": [1, {"message_id": 3}], "image_sets": {"a": 1}},
            consent_version=VERSION,
            updated_at=T0,
        ),
    ]
    for language in ("ja", "en"):
        for step in DRAFT_STEPS:
            states.append(drive_to(step, language).state)
        pending = drive_to("photos", language)
        pending.send(Image("set-1", "set", 1, 3), photo("set-1"))
        states.append(pending.state)
        states.append(drive_to("confirm", language, Settings(max_photos=1)).state)
        # The terms changed while this resident was half-way through a report.
        states.append(replace(drive_to("note", language).state, consent_version=OLD_VERSION))
    return tuple(states)


HOSTILE = [
    "",
    " ",
    "\x00",
    "\x1b[2J\x07",
    "<script>alert('通報')</script>",
    "😀" * 2000,
    "あ" * 6000,
    "{note}{0}{}",
    "%s%n",
    "\ud800",
    "通\u200b報",
    "\u202eTROPER",
    "\r\n" * 50,
    "'; DROP TABLE reports;--",
    f"consent=yes&v={VERSION}",
]
TYPED = sorted({w for words in conversation_text.WORDS.values() for w in words})
TYPED += [c.ja for c in CITY.categories] + [s.en for c in CITY.categories for s in c.subcategories]
KEYS = ["action", "lang", "consent", "cat", "sub", "nav", "photos", "border", "note", "confirm"]
VALUES = [
    "report",
    "status",
    "help",
    "cancel",
    "emergency",
    "ja",
    "en",
    "yes",
    "no",
    "road",
    "park",
    "pothole",
    "back",
    "next",
    "skip",
    "send",
    "restart",
]
IDS = ["m1", "m2", "m3", "m4", "m5", "p1", "set-1", "set-2"]

# Every postback the dialogue's own buttons send, so random walks get deep into reports.
TAPS = [f"action={v}" for v in ("report", "status", "help", "cancel", "emergency")]
TAPS += [f"consent={v}&v={VERSION}" for v in ("yes", "no")] + ["lang=en", "lang=ja"]
TAPS += ["cat=road", "cat=park", "sub=pothole", "sub=playground", "nav=back", "photos=next"]
TAPS += ["border=yes", "border=no", "note=skip", "confirm=send", "confirm=restart"]

texts = st.one_of(st.text(max_size=300), st.sampled_from(HOSTILE), st.sampled_from(TYPED))
postback_data = st.one_of(
    st.sampled_from(TAPS),
    st.text(max_size=400),
    st.sampled_from(HOSTILE),
    st.builds(
        lambda key, value, extra: f"{key}={value}{extra}",
        st.sampled_from(KEYS + ["", "v", "x"]),
        st.one_of(st.sampled_from(VALUES), st.text(max_size=12)),
        st.sampled_from(["", f"&v={VERSION}", f"&v={OLD_VERSION}", "&&", "&v", "&=x"]),
    ),
)
summaries = st.lists(
    st.builds(
        ReportSummary,
        st.text(max_size=30),
        st.text(max_size=30),
        st.text(max_size=30),
        st.sampled_from([*REPORT_STATUSES, "", "weird"]),
        st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2100, 1, 1),
            timezones=st.one_of(st.none(), st.just(UTC)),
        ),
    ),
    max_size=7,
).map(tuple)
places = st.one_of(
    st.none(),
    st.sampled_from([INSIDE, NEAR_BORDER, IN_KURASHIKI, AT_SEA]),
    st.builds(
        Place,
        st.sampled_from([None, KITA, KURASHIKI]),
        st.booleans(),
        st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
        st.one_of(st.none(), st.text(max_size=20)),
        st.one_of(st.none(), st.text(max_size=20)),
    ),
)
coordinates = st.one_of(
    st.floats(),
    st.floats(-200, 200),
    st.sampled_from([133.9195, 34.6551, math.nan, math.inf, -math.inf, 181.0]),
)


@st.composite
def images(draw: st.DrawFn) -> Sent:
    message_id = draw(st.one_of(st.sampled_from(IDS), st.text(max_size=8)))
    in_set = draw(st.booleans())
    event = Image(
        message_id,
        draw(st.sampled_from(["set", "other", ""])) if in_set else None,
        draw(st.integers(-1, 7)) if in_set else None,
        draw(st.integers(-1, 7)) if in_set else None,
    )
    content_hash = draw(st.sampled_from(["h1", "h2", f"sha256:{message_id}"]))
    fact = draw(
        st.sampled_from(
            [
                None,
                PhotoOk(message_id, content_hash),
                PhotoOk("someone-else", content_hash),
                PhotoRefused(message_id, "画像が壊れています。", "Damaged."),
            ]
        )
    )
    return event, Facts(photo=fact)


events = st.one_of(
    st.builds(lambda t, r: (Text(t), Facts(recent_reports=r)), texts, summaries),
    st.builds(lambda d, r: (Postback(d), Facts(recent_reports=r)), postback_data, summaries),
    images(),
    st.builds(
        lambda lon, lat, address, title, place: (
            Location(lon, lat, address, title),
            Facts(place=place),
        ),
        coordinates,
        coordinates,
        st.one_of(st.none(), texts),
        st.one_of(st.none(), texts),
        places,
    ),
    st.builds(lambda m: (Unsend(m), Facts()), st.sampled_from(IDS)),
    st.sampled_from([(Follow(), Facts()), (Unfollow(), Facts())]),
    st.builds(
        lambda k: (Unsupported(k), Facts()),
        st.sampled_from(["sticker", "video", "audio", "file", "join", "beacon", "futureEvent", ""]),
    ),
)
# Walks are mostly what residents really send, so they get deep into reports, plus noise.
likely_events = st.one_of(
    st.sampled_from(TAPS).map(lambda data: (Postback(data), Facts())),
    st.sampled_from(TYPED).map(lambda text: (Text(text), Facts(recent_reports=REPORTS))),
    st.sampled_from([f"m{i}" for i in range(9)]).map(lambda m: (Image(m), photo(m))),
    st.builds(
        lambda i, n: (Image(f"s{n}-{i}", f"s{n}", i, n), photo(f"s{n}-{i}")),
        st.integers(1, 3),
        st.just(3),
    ),
    st.sampled_from(
        [
            (STATION, Facts(place=INSIDE)),
            (STATION, Facts(place=NEAR_BORDER)),
            (KURASHIKI_POINT, Facts(place=IN_KURASHIKI)),
        ]
    ),
    st.sampled_from([(Unsend(f"m{i}"), Facts()) for i in range(3)]),
    events,
)
RANDOM = settings(
    database=None,
    deadline=None,
    max_examples=400,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_hostile_input_in_every_step_never_raises() -> None:
    """Every hostile string, as text, postback data and address, in every starting state."""
    for state in start_states():
        for hostile in HOSTILE:
            sent: list[Sent] = [
                (Text(hostile), Facts(recent_reports=REPORTS)),
                (Postback(hostile), NO_FACTS),
                (Location(133.9195, 34.6551, hostile, hostile), Facts(place=INSIDE)),
                (Location(math.nan, math.inf, hostile, None), Facts(place=INSIDE)),
            ]
            for event, facts in sent:
                outcome = handle(state, event, facts, CITY, T0)
                check_line_limits(outcome)


@RANDOM
@given(st.deferred(lambda: st.sampled_from(start_states())), events)
def test_any_single_event_in_any_step_never_raises(state: State, sent: Sent) -> None:
    event, facts = sent
    before = copy.deepcopy(state)
    outcome = handle(state, event, facts, CITY, T0 + timedelta(minutes=5))
    assert state == before
    check_line_limits(outcome)
    if isinstance(event, Unfollow | Unsend):
        assert outcome.replies == ()


@RANDOM
@given(
    st.deferred(lambda: st.sampled_from(start_states())),
    st.lists(
        st.tuples(
            likely_events,
            st.sampled_from([timedelta(0), timedelta(minutes=3), timedelta(hours=3)]),
        ),
        max_size=30,
    ),
)
def test_conversations_keep_line_limits_and_photo_bookkeeping(
    state: State, turns: list[tuple[Sent, timedelta]]
) -> None:
    """Every outcome fits LINE; the draft's photos are exactly those attached and not dropped."""
    config = Settings()
    now = T0
    kept = set(photo_ids(state))
    for (event, facts), pause in turns:
        now += pause
        outcome = handle(state, event, facts, CITY, now, config)
        check_line_limits(outcome)
        for action in outcome.actions:
            if isinstance(action, AttachPhoto):
                assert action.message_id not in kept
                kept.add(action.message_id)
            elif isinstance(action, DropPhoto):
                kept.remove(action.message_id)
            elif isinstance(action, DiscardDraft):
                kept.clear()
            elif isinstance(action, CreateReport):
                check_report(action.draft, config)
                assert {p["message_id"] for p in action.draft["photos"]} == kept
                kept.clear()
        state = outcome.state
        ids = photo_ids(state)
        assert len(ids) == len(set(ids)) == len(kept) and set(ids) == kept
        assert len(kept) <= config.max_photos or not any(
            isinstance(a, AttachPhoto) for a in outcome.actions
        )


def check_report(report: dict[str, Any] | Any, config: Settings) -> None:
    """A report is only ever created complete."""
    category = CITY.category(report["category"])
    assert category is not None
    assert category.subcategory(report["subcategory"]) is not None
    assert 1 <= len(report["photos"]) <= config.max_photos
    assert isinstance(report["lon"], float) and isinstance(report["lat"], float)
    assert isinstance(report["area_code"], str)
    assert report["note"] is None or 1 <= len(report["note"]) <= config.max_note
