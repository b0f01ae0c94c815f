"""Rough edges found by playing the bot as a resident, each pinned by what the resident sees.

The helpers (a ``Resident`` whose every outcome is checked against LINE's limits) are those of
``test_conversation``.
"""

from dataclasses import replace
from datetime import UTC
from datetime import datetime

import pytest

from reporting.city_profile import MAX_LABEL
from reporting.dialogue import texts as conversation_text
from reporting.dialogue.conversation import MAX_QUICK_REPLIES
from reporting.dialogue.conversation import MAX_TEXT
from reporting.dialogue.conversation import Facts
from reporting.dialogue.conversation import Follow
from reporting.dialogue.conversation import Location
from reporting.dialogue.conversation import Place
from reporting.dialogue.conversation import ReportSummary
from reporting.dialogue.conversation import Settings
from reporting.dialogue.conversation import State
from reporting.dialogue.conversation import Text
from reporting.dialogue.conversation import receipt_reply
from tests.reporting.dialogue.test_conversation import CITY
from tests.reporting.dialogue.test_conversation import IN_KURASHIKI
from tests.reporting.dialogue.test_conversation import KITA
from tests.reporting.dialogue.test_conversation import KURASHIKI_POINT
from tests.reporting.dialogue.test_conversation import OLD_VERSION
from tests.reporting.dialogue.test_conversation import REPORTS
from tests.reporting.dialogue.test_conversation import Resident
from tests.reporting.dialogue.test_conversation import consented
from tests.reporting.dialogue.test_conversation import drive_to
from tests.reporting.dialogue.test_conversation import labels
from tests.reporting.dialogue.test_conversation import said

CATEGORIES = ["道路", "公園", "危険・緊急"]


def welcome(language: str) -> str:
    return conversation_text.say(
        "welcome", language, city=CITY.name_en if language == "en" else CITY.name_ja
    )


# --- 1. the welcome is said once -----------------------------------------------------------


def test_an_english_speaker_is_welcomed_once_in_english() -> None:
    r = Resident()
    r.send(Follow())
    o = r.tap("English")
    assert "Switched to English" in said(o)
    assert welcome("en") in said(o) and "terms of use (summary)" in said(o)
    o = r.tap("Agree")
    assert "Thank you for agreeing" in said(o)
    assert "account for reporting" not in said(o)


def test_terms_shown_again_to_a_resident_reading_them_are_not_welcomed_again() -> None:
    r = Resident()
    r.send(Follow())
    o = r.send(Text("えっ"))
    assert "利用規約（要約）" in said(o) and "損傷通報窓口" not in said(o)


# --- 2. typed text a step does not understand ------------------------------------------


def test_the_note_step_takes_any_text_without_apology() -> None:
    r = drive_to("note")
    o = r.send(Text("穴"))
    assert "すみません" not in said(o)
    assert r.state.step == "confirm" and r.draft["note"] == "穴"


# --- 3. photos and places sent before their turn ---------------------------------------


# --- 4. no buttons into the terms wall -------------------------------------------------


@pytest.mark.parametrize("language", ["ja", "en"])
def test_after_declining_the_menu_offers_nothing_that_needs_the_terms(language: str) -> None:
    r = Resident(State(language=language))
    r.send(Follow())
    o = r.tap(conversation_text.label("disagree", language))
    shown = labels(o)
    assert conversation_text.label("status", language) not in shown
    assert conversation_text.label("report", language) in shown
    assert conversation_text.label("help", language) in shown


def test_help_before_agreeing_offers_no_status() -> None:
    o = Resident().send(Text("ヘルプ"))
    assert "状況を確認" not in labels(o)


def test_after_agreeing_the_menu_offers_status() -> None:
    r = Resident()
    r.send(Follow())
    assert "状況を確認" in labels(r.tap("同意する"))


def test_a_resident_under_older_terms_keeps_the_status_button_after_declining() -> None:
    r = Resident(State(consent_version=OLD_VERSION))
    r.send(Text("通報"))
    o = r.tap("同意しない")
    assert "状況を確認" in labels(o), "status still works under older terms"
    o = r.tap("状況を確認", Facts(recent_reports=REPORTS))
    assert "OKY-2026-00042" in said(o)


# --- 5. buttons under the receipt ------------------------------------------------------


@pytest.mark.parametrize(
    "language, shown",
    [("ja", ["状況を確認", "続けて通報"]), ("en", ["Check status", "Report another"])],
)
def test_the_receipt_offers_status_and_another_report(language: str, shown: list[str]) -> None:
    reply = receipt_reply("OKY-2026-00100", language)
    assert "OKY-2026-00100" in reply.text
    assert [q.label for q in reply.quick_replies] == shown
    assert [q.data for q in reply.quick_replies] == ["action=status", "action=report"]
    assert all(q.kind == "postback" and len(q.label) <= MAX_LABEL for q in reply.quick_replies)
    assert len(reply.quick_replies) <= MAX_QUICK_REPLIES


# --- 6. the whole note on the confirm screen -------------------------------------------


def test_the_confirm_screen_shows_the_whole_note() -> None:
    note = "歩道側に深さ10cmほどの穴があります。" * 24 + "最後の一文です。"
    assert 400 < len(note) <= 500
    r = drive_to("note")
    o = r.send(Text(note))
    assert f"補足: {note}" in said(o)
    assert "…" not in said(o)


def test_an_over_long_note_is_cut_between_words_with_an_ellipsis() -> None:
    r = drive_to("note", "en", Settings(max_note=6000))
    note = " ".join(f"word{i}" for i in range(760))
    assert MAX_TEXT < len(note) <= 6000
    o = r.send(Text(note))
    text = said(o)
    assert len(text) <= MAX_TEXT and text.endswith("…")
    last = text[:-1].rsplit(" ", 1)[-1]
    assert last in note.split(), f"{last!r} is a word cut in two"


# --- 7. English capitalisation -----------------------------------------------------------


# --- 8. starting over says what was deleted --------------------------------------------


# --- 9. the status list names the subcategory ------------------------------------------


@pytest.mark.parametrize(
    "language, line",
    [
        ("ja", "・OKY-2026-00042 道路（穴・陥没）：対応中（2026/11/03）"),
        ("en", "- OKY-2026-00042 Road (Pothole / sinkhole): in progress (2026-11-03)"),
    ],
)
def test_status_names_the_subcategory(language: str, line: str) -> None:
    pothole = ReportSummary(
        "OKY-2026-00042",
        "道路",
        "Road",
        "in_progress",
        datetime(2026, 11, 2, 20, tzinfo=UTC),
        subcategory_ja="穴・陥没",
        subcategory_en="Pothole / sinkhole",
    )
    o = consented(language).send(Text("状況"), Facts(recent_reports=(pothole, REPORTS[1])))
    assert line in said(o)
    assert ("公園：対応不可" if language == "ja" else "Park: not actionable") in said(o)


# --- 10. a point outside the city, said plainly ----------------------------------------


@pytest.mark.parametrize(
    "language, shown",
    [
        ("ja", "この地点は倉敷市で、岡山市の外です。"),
        ("en", "This point is in Kurashiki City, outside Okayama City."),
    ],
)
def test_a_point_in_a_known_municipality_says_it_is_outside_the_city(
    language: str, shown: str
) -> None:
    r = drive_to("location", language)
    o = r.send(KURASHIKI_POINT, Facts(place=IN_KURASHIKI))
    assert said(o).startswith(shown)


@pytest.mark.parametrize(
    "language, shown",
    [
        ("ja", "この地点は岡山市内として確認できませんでした（岡山市の外や海上の地点など）。"),
        ("en", "We could not place this point in Okayama City (it may be outside Okayama City"),
    ],
)
@pytest.mark.parametrize(
    "place",
    [
        Place(None, False),
        None,
        Place(replace(KITA, in_service_area=False), False, None, "岡山市", "Okayama City"),
    ],
    ids=["no area", "unplaced", "named as the city itself"],
)
def test_a_point_in_no_known_municipality_says_why_kindly(
    language: str, shown: str, place: Place | None
) -> None:
    r = drive_to("location", language)
    o = r.send(Location(139.767, 35.681, "東京都千代田区", None), Facts(place=place))
    assert said(o).startswith(shown)
    assert r.state.step == "location" and "lon" not in r.draft
