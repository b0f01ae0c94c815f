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
from reporting.dialogue.conversation import AttachPhoto
from reporting.dialogue.conversation import CreateReport
from reporting.dialogue.conversation import DiscardDraft
from reporting.dialogue.conversation import Facts
from reporting.dialogue.conversation import Follow
from reporting.dialogue.conversation import Image
from reporting.dialogue.conversation import Location
from reporting.dialogue.conversation import Outcome
from reporting.dialogue.conversation import Place
from reporting.dialogue.conversation import Postback
from reporting.dialogue.conversation import ReportSummary
from reporting.dialogue.conversation import Settings
from reporting.dialogue.conversation import State
from reporting.dialogue.conversation import Text
from reporting.dialogue.conversation import Unsend
from reporting.dialogue.conversation import receipt_reply
from tests.reporting.dialogue.test_conversation import CITY
from tests.reporting.dialogue.test_conversation import IN_KURASHIKI
from tests.reporting.dialogue.test_conversation import INSIDE
from tests.reporting.dialogue.test_conversation import KITA
from tests.reporting.dialogue.test_conversation import KURASHIKI_POINT
from tests.reporting.dialogue.test_conversation import NEAR_BORDER
from tests.reporting.dialogue.test_conversation import OLD_VERSION
from tests.reporting.dialogue.test_conversation import REPORTS
from tests.reporting.dialogue.test_conversation import STATION
from tests.reporting.dialogue.test_conversation import Resident
from tests.reporting.dialogue.test_conversation import consented
from tests.reporting.dialogue.test_conversation import drive_to
from tests.reporting.dialogue.test_conversation import labels
from tests.reporting.dialogue.test_conversation import photo
from tests.reporting.dialogue.test_conversation import photo_ids
from tests.reporting.dialogue.test_conversation import said

CATEGORIES = ["道路", "公園", "危険・緊急"]


def welcome(language: str) -> str:
    return conversation_text.say(
        "welcome", language, city=CITY.name_en if language == "en" else CITY.name_ja
    )


# --- 1. the welcome is said once -----------------------------------------------------------


def test_the_welcome_comes_with_the_terms_and_is_not_repeated_after_agreeing() -> None:
    r = Resident()
    o = r.send(Follow())
    assert welcome("ja") in said(o) and "利用規約（要約）" in said(o)
    o = r.tap("同意する")
    assert "ご同意ありがとうございます" in said(o)
    assert "損傷通報窓口" not in said(o), "the welcome was in the message just above"
    assert "「通報」と送るか" in said(o) and "通報する" in labels(o)


def test_an_english_speaker_is_welcomed_once_in_english() -> None:
    r = Resident()
    r.send(Follow())
    o = r.tap("English")
    assert "Switched to English" in said(o)
    assert welcome("en") in said(o) and "terms of use (summary)" in said(o)
    o = r.tap("Agree")
    assert "Thank you for agreeing" in said(o)
    assert "account for reporting" not in said(o)


def test_a_first_message_is_welcomed_with_the_terms_not_after_them() -> None:
    r = Resident()
    o = r.send(Text("道路に穴があいています"))
    assert welcome("ja") in said(o) and "利用規約（要約）" in said(o)
    o = r.send(Text("同意する"))
    assert "損傷通報窓口" not in said(o)


def test_terms_shown_again_to_a_resident_reading_them_are_not_welcomed_again() -> None:
    r = Resident()
    r.send(Follow())
    o = r.send(Text("えっ"))
    assert "利用規約（要約）" in said(o) and "損傷通報窓口" not in said(o)


# --- 2. typed text a step does not understand ------------------------------------------


@pytest.mark.parametrize(
    "step, typed",
    [
        ("category", "道路に穴"),
        ("subcategory", "穴"),
        ("photos", "写真はあとで"),
        ("confirm_location", "たぶん"),
        ("confirm", "うーん"),
    ],
)
def test_text_a_choice_step_does_not_understand_is_said_so_then_asked_again(
    step: str, typed: str
) -> None:
    r = drive_to(step)
    before = labels(r.last)
    o = r.send(Text(typed))
    assert said(o).startswith("すみません、わかりませんでした。")
    assert labels(o) == before and r.state.step == step and o.actions == ()


def test_text_not_understood_in_english() -> None:
    r = drive_to("subcategory", "en")
    o = r.send(Text("hole"))
    assert said(o).startswith("Sorry, we did not understand that.")
    assert "Road: what kind of damage is it?" in said(o)


def test_text_not_understood_when_no_report_is_in_progress() -> None:
    o = consented().send(Text("こんにちは"))
    assert said(o).startswith("すみません、わかりませんでした。")
    assert "通報する" in labels(o)


def test_a_typed_address_is_told_it_cannot_be_used() -> None:
    r = drive_to("location")
    o = r.send(Text("北区大供1丁目"))
    assert said(o).startswith("すみません、文字では場所を受け付けられません。")
    assert r.state.step == "location"


def test_the_note_step_takes_any_text_without_apology() -> None:
    r = drive_to("note")
    o = r.send(Text("穴"))
    assert "すみません" not in said(o)
    assert r.state.step == "confirm" and r.draft["note"] == "穴"


def test_next_without_a_photo_says_a_photo_is_needed() -> None:
    r = drive_to("photos")
    o = r.send(Text("次へ"))
    assert said(o).startswith("次へ進むには、写真が1枚以上必要です。")
    assert r.state.step == "photos"


# --- 3. photos and places sent before their turn ---------------------------------------


@pytest.mark.parametrize("step", ["category", "subcategory"])
def test_a_photo_before_the_kind_is_chosen_says_choose_first(step: str) -> None:
    r = drive_to(step)
    before = labels(r.last)
    o = r.send(Image("m1"), photo("m1"))
    assert said(o).startswith("まず種類を選んでください。写真はその後で送れます。")
    assert o.actions == () and photo_ids(r.state) == []
    assert labels(o) == before and r.state.step == step


def test_a_photo_set_before_the_kind_is_chosen_is_answered_once() -> None:
    r = drive_to("category", "en")
    outcomes = r.send_set("early", (2, 1, 3), 3)
    assert [len(o.replies) for o in outcomes] == [0, 1, 0]
    assert "Please choose the kind of damage first" in said(outcomes[1])
    assert not any(o.actions for o in outcomes)


def test_a_photo_after_the_photo_step_says_it_was_not_added() -> None:
    r = drive_to("note")
    o = r.send(Image("late"), photo("late"))
    assert said(o).startswith("写真の受付は済んでいるため、この写真は追加していません。")
    assert o.actions == () and photo_ids(r.state) == ["p1"]


def test_a_photo_after_every_photo_was_unsent_is_kept() -> None:
    r = drive_to("location")
    r.send(Unsend("p1"))
    o = r.send(Image("again"), photo("again"))
    assert o.actions == (AttachPhoto("again", "sha256:again"),)
    assert "写真を受け付けました (1/4)" in said(o)
    assert r.state.step == "photos"


def test_a_place_sent_before_any_photo_is_kept_and_not_asked_for_again() -> None:
    r = drive_to("photos")
    o = r.send(STATION, Facts(place=INSIDE))
    assert said(o).startswith("岡山市北区で受け付けます。")
    assert "写真を1〜4枚" in said(o), "a photo is still needed"
    assert r.state.step == "photos" and r.draft["area_code"] == "33101"
    r.send(Image("m1"), photo("m1"))
    o = r.tap("次へ")
    assert r.state.step == "note", "the location step is skipped"
    assert "補足があれば" in said(o)
    o = r.tap("スキップ")
    assert "岡山市北区 (岡山県岡山市北区駅元町1-1)" in said(o)
    (create,) = r.tap("送信").actions
    assert isinstance(create, CreateReport)
    assert (create.draft["lon"], create.draft["lat"]) == (133.9195, 34.6551)


@pytest.mark.parametrize(
    "place",
    [NEAR_BORDER, IN_KURASHIKI, None],
    ids=["near the border", "outside", "unplaced"],
)
def test_a_place_before_any_photo_that_needs_a_question_is_asked_for_later(
    place: Place | None,
) -> None:
    r = drive_to("photos")
    o = r.send(KURASHIKI_POINT, Facts(place=place))
    assert said(o).startswith("先に写真を送ってください。場所はその後で伺います。")
    assert r.state.step == "photos" and "lon" not in r.draft and o.actions == ()
    r.send(Image("m1"), photo("m1"))
    o = r.tap("次へ")
    assert r.state.step == "location" and "位置情報で送って" in said(o)


def test_a_place_before_any_photo_in_english() -> None:
    r = drive_to("photos", "en")
    o = r.send(STATION, Facts(place=NEAR_BORDER))
    assert said(o).startswith("Please send a photo first; we will ask for the place after")


def test_a_place_before_the_kind_is_chosen() -> None:
    r = drive_to("category")
    o = r.send(STATION, Facts(place=NEAR_BORDER))
    assert said(o).startswith("まず種類を選んでください。場所はその後で伺います。")
    assert labels(o) == CATEGORIES and "lon" not in r.draft
    o = r.send(STATION, Facts(place=INSIDE))
    assert said(o).startswith("岡山市北区で受け付けます。")
    assert labels(o) == CATEGORIES and r.draft["area_code"] == "33101"


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


def test_the_receipt_buttons_work_after_filing() -> None:
    r = drive_to("confirm")
    r.tap("送信")
    r.last = Outcome(r.state, (receipt_reply("OKY-2026-00100", "ja"),))  # the caller's reply
    o = r.tap("続けて通報")
    assert labels(o) == CATEGORIES
    r.send(Text("中止"))
    r.last = Outcome(r.state, (receipt_reply("OKY-2026-00100", "ja"),))
    o = r.tap("状況を確認", Facts(recent_reports=REPORTS))
    assert "OKY-2026-00042" in said(o)


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


def test_the_english_subcategory_question_keeps_the_category_as_a_heading() -> None:
    r = drive_to("category", "en")
    o = r.send(Postback("cat=park"))
    assert "Park: what kind of damage is it?" in said(o)
    assert "of Park" not in said(o)


# --- 8. starting over says what was deleted --------------------------------------------


@pytest.mark.parametrize(
    "language, deleted",
    [("ja", "これまでの入力内容と写真を削除しました"), ("en", "and its photos have been deleted")],
)
def test_start_over_says_the_draft_and_photos_were_deleted(language: str, deleted: str) -> None:
    r = drive_to("confirm", language)
    o = r.tap(conversation_text.label("restart", language))
    assert deleted in said(o)
    assert o.actions == (DiscardDraft(),)
    assert r.state.step == "category" and r.state.draft == {}


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
