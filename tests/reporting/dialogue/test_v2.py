"""Conversation v2: start anywhere, five actions, forgiving, urgent, the same one nearby."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from gis.wards import AreaRef
from reporting.city_profile import load_profile
from reporting.dialogue import texts
from reporting.dialogue.conversation import AttachPhoto
from reporting.dialogue.conversation import CreateReport
from reporting.dialogue.conversation import DiscardDraft
from reporting.dialogue.conversation import DropPhoto
from reporting.dialogue.conversation import Event
from reporting.dialogue.conversation import Facts
from reporting.dialogue.conversation import Image
from reporting.dialogue.conversation import JoinReport
from reporting.dialogue.conversation import Location
from reporting.dialogue.conversation import NearbyReport
from reporting.dialogue.conversation import Outcome
from reporting.dialogue.conversation import PhotoOk
from reporting.dialogue.conversation import PhotoRefused
from reporting.dialogue.conversation import Place
from reporting.dialogue.conversation import Postback
from reporting.dialogue.conversation import RecordConsent
from reporting.dialogue.conversation import State
from reporting.dialogue.conversation import Text
from reporting.dialogue.conversation import handle
from reporting.dialogue.conversation import receipt_reply
from reporting.dialogue.draft import PREVIOUS

CITY = load_profile("okayama")
VERSION = CITY.terms.version
T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
KITA = Place(AreaRef("33101", "北区", "Kita-ku", "ward", True), True)
STATION = Location(133.9195, 34.6551, "岡山市北区駅元町")
NO_FACTS = Facts()
POTHOLE = NearbyReport("2612-00042", "road", "pothole", "in_progress")


class Chat:
    """One resident; counts what they do."""

    def __init__(self, state: State | None = None) -> None:
        self.state = state or State(consent_version=VERSION, updated_at=T0)
        self.now = T0
        self.actions = 0
        self.last = Outcome(self.state)

    def send(
        self, event: Event, facts: Facts = NO_FACTS, after: timedelta = timedelta(seconds=20)
    ) -> Outcome:
        self.now += after
        self.actions += 1
        self.last = handle(self.state, event, facts, CITY, self.now)
        self.state = self.last.state
        return self.last

    def photo(self, name: str, **kw: object) -> Outcome:
        return self.send(Image(name), Facts(photo=PhotoOk(name, f"h-{name}")), **kw)

    def text(self) -> str:
        return "\n".join(r.text for r in self.last.replies)

    def labels(self) -> list[str]:
        return [q.label for q in self.last.replies[-1].quick_replies]


def test_a_photo_first_report_takes_four_actions_and_offers_the_location_button_at_once():
    chat = Chat()
    chat.photo("p1")
    assert chat.labels()[0] == "位置情報を送る" and "1/4" in chat.text()
    chat.send(STATION, Facts(place=KITA))
    chat.send(Postback("kind=road.pothole"))
    outcome = chat.send(Text("はい"))
    (create,) = outcome.actions
    assert isinstance(create, CreateReport) and create.draft["subcategory"] == "pothole"
    assert chat.actions == 4


@pytest.mark.parametrize("word", ["はい", "OK", "ｏｋ", "送信", "send", "お願いします"])
def test_yes_words_send_at_the_confirmation(word: str):
    chat = Chat()
    chat.photo("p1")
    chat.send(STATION, Facts(place=KITA))
    chat.send(Postback("kind=road.crack"))
    assert any(isinstance(a, CreateReport) for a in chat.send(Text(word)).actions)


def test_a_message_first_is_the_note_and_suggests_a_kind_without_choosing_it():
    chat = Chat()
    chat.send(Text("家の前の道路に穴があります"))
    assert chat.state.step == "photos" and "補足" in chat.text()
    chat.photo("p1")
    chat.send(STATION, Facts(place=KITA))
    assert chat.state.step == "kind" and "「穴・陥没」と思われます" in chat.text()
    assert chat.labels()[0] == "穴・陥没" and "category" not in chat.state.draft


def test_a_place_first_is_kept_and_the_photo_asked_for():
    chat = Chat()
    chat.send(STATION, Facts(place=KITA))
    assert chat.state.step == "photos" and chat.state.draft["area_code"] == "33101"


def test_a_newcomers_photo_is_held_through_the_terms_and_dropped_if_declined():
    chat = Chat(State())
    outcome = chat.photo("p1")
    assert chat.state.step == "consent" and isinstance(outcome.actions[0], AttachPhoto)
    assert "お預かり" in chat.text()
    agreed = chat.send(Postback(f"consent=yes&v={VERSION}"))
    assert RecordConsent(VERSION) in agreed.actions and chat.state.step == "location"
    declined = Chat(State())
    declined.photo("p1")
    assert DiscardDraft() in declined.send(Postback(f"consent=no&v={VERSION}")).actions


def test_thanks_begin_no_report():
    chat = Chat()
    chat.send(Text("ありがとうございます"))
    assert chat.state.step == "idle" and "ありがとう" in chat.text()


@pytest.mark.parametrize("step", sorted(PREVIOUS))
def test_every_step_after_the_first_has_a_way_back(step: str):
    assert PREVIOUS[step] != step


def test_back_from_the_kind_keeps_the_place_to_change_it():
    chat = Chat()
    chat.photo("p1")
    chat.send(STATION, Facts(place=KITA))
    chat.send(Postback("nav=back"))
    assert chat.state.step == "location" and "北区" in chat.text()
    assert "次へ" in chat.labels() and chat.state.draft["area_code"] == "33101"


def test_one_part_changed_at_the_confirmation_keeps_the_rest():
    chat = Chat()
    chat.photo("p1")
    chat.send(STATION, Facts(place=KITA))
    chat.send(Postback("kind=road.crack"))
    chat.send(Text("歩道側"))
    chat.send(Postback("edit=photos"))
    outcome = chat.send(Postback("photos=retake"))
    assert DropPhoto("p1") in outcome.actions
    chat.photo("p2")
    assert chat.state.step == "confirm"
    assert "種類: ひび割れ・段差" in chat.text() and "補足: 歩道側" in chat.text()


def test_a_returning_resident_is_asked_and_a_draft_lives_a_day():
    chat = Chat()
    chat.photo("p1")
    chat.send(STATION, Facts(place=KITA), after=timedelta(hours=23))
    assert chat.state.step == "resume" and "続けますか" in chat.text()
    chat.send(Postback("resume=yes"))
    assert chat.state.step == "kind" and chat.state.draft["area_code"] == "33101"
    late = Chat()
    late.photo("p1")
    outcome = late.send(Text("通報"), after=timedelta(hours=25))
    assert DiscardDraft() in outcome.actions and "24時間" in late.text()


def test_starting_anew_drops_the_old_photos_and_keeps_what_was_just_sent():
    chat = Chat()
    chat.photo("p1")
    chat.photo("p2", after=timedelta(hours=2))
    outcome = chat.send(Postback("resume=no"))
    assert DropPhoto("p1") in outcome.actions
    assert [p["message_id"] for p in chat.state.draft["photos"]] == ["p2"]


def test_urgent_while_asked_to_resume_sends_what_was_just_sent_and_drops_the_old_draft():
    chat = Chat()
    chat.photo("p1")
    chat.photo("p2", after=timedelta(hours=3))
    assert chat.state.step == "resume"
    outcome = chat.send(Postback("urgent=yes"))
    assert DropPhoto("p1") in outcome.actions
    assert [p["message_id"] for p in chat.state.draft["photos"]] == ["p2"]
    assert chat.state.draft["urgent"] is True and chat.state.step == "location"


def test_photos_refused_or_over_the_limit_are_named_by_position():
    chat = Chat()
    for index in (2, 1, 3, 5, 4):
        name = f"s{index}"
        fact = PhotoOk(name, f"h{index}")
        if index == 3:
            fact = PhotoRefused(name, "読み取れません", "unreadable")
        chat.send(Image(name, "set", index, 5), Facts(photo=fact))
    said = "\n".join(r.text for r in chat.last.replies)
    assert "4枚受け付けました" in said and "3枚目" not in said
    assert len(chat.state.draft["photos"]) == 4


def test_urgent_offers_a_call_then_the_report_is_flagged():
    chat = Chat()
    chat.send(Postback("action=emergency"))
    call = chat.last.replies[-1].quick_replies[0]
    assert (call.kind, call.uri) == ("uri", "tel:0868031000")
    chat.send(Postback("urgent=yes"))
    chat.photo("p1")
    chat.send(STATION, Facts(place=KITA))
    chat.send(Postback("kind=road.tree"))
    assert "緊急: はい" in chat.text()
    (create,) = chat.send(Postback("confirm=send")).actions
    assert isinstance(create, CreateReport) and create.draft["urgent"] is True


def test_the_same_one_nearby_joins_it_and_nothing_is_duplicated():
    chat = Chat()
    chat.photo("p1")
    chat.send(STATION, Facts(place=KITA, nearby=(POTHOLE,)))
    chat.send(Postback("kind=road.pothole"), Facts(nearby=(POTHOLE,)))
    assert chat.state.step == "same" and "受付 2612-00042・対応中" in chat.text()
    outcome = chat.send(Postback("same=yes"), Facts(nearby=(POTHOLE,)))
    assert outcome.actions == (JoinReport("2612-00042"), DiscardDraft())
    assert chat.state.step == "idle"


def test_a_different_one_goes_on_and_is_not_asked_again():
    chat = Chat()
    chat.photo("p1")
    chat.send(STATION, Facts(place=KITA, nearby=(POTHOLE,)))
    chat.send(Postback("kind=road.pothole"), Facts(nearby=(POTHOLE,)))
    chat.send(Postback("same=no"), Facts(nearby=(POTHOLE,)))
    assert chat.state.step == "confirm"
    chat.send(Text("深いです"), Facts(nearby=(POTHOLE,)))
    assert chat.state.step == "confirm"


def test_a_blocked_resident_is_given_the_general_contact():
    chat = Chat(State(consent_version=VERSION, blocked=True))
    chat.send(Text("通報"))
    assert CITY.contact_phone in chat.text() and "停止" in chat.text()


def test_outside_office_hours_the_receipt_names_the_next_working_day():
    day = CITY.office_hours.next_opening(datetime(2026, 12, 3, 9, 30, tzinfo=UTC))
    assert "12月4日(金)" in receipt_reply("2612-00001", "ja", day).text
    assert "Friday 4 December" in receipt_reply("2612-00001", "en", day).text
    assert "翌開庁日" not in receipt_reply("2612-00001", "ja", None).text


def test_the_voice_is_a_city_accounts():
    for ja, _ in texts.TEXTS.values():
        assert "すみません" not in ja and "おかえり" not in ja


def test_status_is_answered_while_new_terms_are_shown_to_someone_who_agreed_before():
    chat = Chat(State(consent_version="2020-01-01", updated_at=T0))
    chat.photo("p1")
    assert chat.state.step == "consent"
    chat.send(Text("状況"))
    assert "まだ通報はありません" in chat.text() and chat.state.step == "consent"
    assert [p["message_id"] for p in chat.state.draft["photos"]] == ["p1"]
