"""The dialogue's values: events in, facts looked up, state, settings, replies, actions, outcome.

What each means to the caller is documented in ``conversation``, which re-exports them.
Replies and outcomes check LINE's limits when they are built (ValueError), so a bad catalogue
fails loudly in tests rather than at LINE.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import Literal
from typing import TypeAlias

from gis.wards import AreaRef
from reporting.city_profile import MAX_LABEL
from reporting.dialogue import texts as catalogue

MAX_REPLIES = 5
MAX_QUICK_REPLIES = 13
MAX_TEXT = 5000
MAX_DATA = 300  # postback data, display text and message-action text
MESSAGE_KINDS = frozenset({"sticker", "video", "audio", "file"})

# --- incoming events ---------------------------------------------------------------------


@dataclass(frozen=True)
class Follow:
    pass


@dataclass(frozen=True)
class Unfollow:
    pass


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Postback:
    data: str


@dataclass(frozen=True)
class Image:
    message_id: str
    image_set_id: str | None = None
    image_set_index: int | None = None
    image_set_total: int | None = None


@dataclass(frozen=True)
class Location:
    lon: float
    lat: float
    address: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Unsend:
    message_id: str


@dataclass(frozen=True)
class Unsupported:
    kind: str


Event: TypeAlias = Follow | Unfollow | Text | Postback | Image | Location | Unsend | Unsupported

# --- facts the caller looked up ----------------------------------------------------------


@dataclass(frozen=True)
class PhotoOk:
    message_id: str
    content_hash: str


@dataclass(frozen=True)
class PhotoRefused:
    message_id: str
    reason_ja: str
    reason_en: str


@dataclass(frozen=True)
class Place:
    area: AreaRef | None
    in_service_area: bool
    border_distance_m: float | None = None
    municipality_ja: str | None = None
    municipality_en: str | None = None


@dataclass(frozen=True)
class ReportSummary:
    receipt_number: str
    category_ja: str
    category_en: str
    status: str
    created_at: datetime
    subcategory_ja: str | None = None  # shown after the category when given
    subcategory_en: str | None = None


@dataclass(frozen=True)
class NearbyReport:
    """An open report near the draft's place (within ``Settings.same_radius_m``)."""

    receipt_number: str
    category: str
    subcategory: str | None
    status: str


@dataclass(frozen=True)
class Facts:
    photo: PhotoOk | PhotoRefused | None = None
    place: Place | None = None
    recent_reports: tuple[ReportSummary, ...] = ()
    nearby: tuple[NearbyReport, ...] = ()


# --- state and settings ------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    step: str = "idle"
    draft: Mapping[str, Any] = field(default_factory=dict)
    consent_version: str | None = None
    language: str = "ja"
    blocked: bool = False
    blocked_notified: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Settings:
    draft_idle_timeout: timedelta = timedelta(hours=24)
    # A resident back after this long is asked whether to continue their draft.
    resume_after: timedelta = timedelta(minutes=30)
    max_photos: int = 4
    max_note: int = 500
    border_check_m: float = 30.0
    same_radius_m: float = 30.0

    def __post_init__(self) -> None:
        """Refuse settings the dialogue cannot honour, at start-up rather than mid-report."""
        if (
            self.draft_idle_timeout <= timedelta(0)
            or not timedelta(0) < self.resume_after <= self.draft_idle_timeout
            or self.max_photos < 1
            or self.max_note < 1
        ):
            raise ValueError(f"settings out of range: {self}")


DEFAULT_SETTINGS = Settings()

# --- replies -----------------------------------------------------------------------------

QuickReplyKind: TypeAlias = Literal[
    "message", "postback", "camera", "camera_roll", "location", "uri"
]
# Per kind, whether text and data are required (True), forbidden (False) or optional (None).
_QUICK_REPLY_FIELDS: Mapping[str, tuple[bool | None, bool]] = {
    "message": (True, False),
    "postback": (None, True),
    "camera": (False, False),
    "camera_roll": (False, False),
    "location": (False, False),
    "uri": (False, False),
}
_URI_SCHEMES = ("tel:", "https:", "http:", "line:")  # what LINE's URI action opens


@dataclass(frozen=True)
class QuickReply:
    label: str
    kind: QuickReplyKind
    text: str | None = None  # message text; for a postback, the text shown as sent
    data: str | None = None  # postback data
    uri: str | None = None  # what a "uri" button opens: tel:0868031000 calls

    def __post_init__(self) -> None:
        """Fail loudly on a button LINE would refuse."""
        if (self.kind == "uri") != (self.uri is not None):
            raise ValueError(f"quick reply {self.label!r}: a uri, and only a uri button, has one")
        if self.uri is not None and not (
            self.uri.startswith(_URI_SCHEMES) and 1 <= len(self.uri) <= 1000
        ):
            raise ValueError(f"quick reply {self.label!r}: LINE does not open {self.uri!r}")
        if not 1 <= len(self.label) <= MAX_LABEL:
            raise ValueError(f"quick reply label {self.label!r} is not 1-{MAX_LABEL} characters")
        needs = _QUICK_REPLY_FIELDS.get(self.kind)
        if needs is None:
            raise ValueError(f"quick reply {self.label!r}: unknown kind {self.kind!r}")
        for value, needed in zip((self.text, self.data), needs, strict=True):
            if needed is not None and (value is not None) != needed:
                raise ValueError(f"quick reply {self.label!r} ({self.kind}): wrong text/data")
            if value is not None and not 1 <= len(value) <= MAX_DATA:
                raise ValueError(f"quick reply {self.label!r}: text/data over {MAX_DATA}")


@dataclass(frozen=True)
class Reply:
    text: str
    quick_replies: tuple[QuickReply, ...] = ()

    def __post_init__(self) -> None:
        """Fail loudly on a message LINE would refuse."""
        if not 1 <= len(self.text) <= MAX_TEXT:
            raise ValueError(f"reply text must be 1-{MAX_TEXT} characters")
        if len(self.quick_replies) > MAX_QUICK_REPLIES:
            raise ValueError(f"{len(self.quick_replies)} quick replies; {MAX_QUICK_REPLIES} max")


Message: TypeAlias = Reply  # the only message kind the dialogue sends

# --- actions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordConsent:
    version: str


@dataclass(frozen=True)
class AttachPhoto:
    message_id: str
    content_hash: str


@dataclass(frozen=True)
class DropPhoto:
    message_id: str


@dataclass(frozen=True)
class DiscardDraft:
    pass


@dataclass(frozen=True)
class CreateReport:
    draft: Mapping[str, Any]


@dataclass(frozen=True)
class JoinReport:
    receipt_number: str


@dataclass(frozen=True)
class SetFollowed:
    followed: bool


@dataclass(frozen=True)
class NotifyBlocked:
    pass


Action: TypeAlias = (
    RecordConsent
    | AttachPhoto
    | DropPhoto
    | DiscardDraft
    | CreateReport
    | JoinReport
    | SetFollowed
    | NotifyBlocked
)

# --- the outcome -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    state: State
    replies: tuple[Message, ...] = ()
    actions: tuple[Action, ...] = ()

    def __post_init__(self) -> None:
        """Fail loudly on replies LINE would refuse or not show."""
        if len(self.replies) > MAX_REPLIES:
            raise ValueError(f"{len(self.replies)} replies; LINE takes {MAX_REPLIES} per call")
        if any(r.quick_replies for r in self.replies[:-1]):
            raise ValueError("quick replies are only shown on the last reply")


def receipt_reply(receipt_number: str, language: str, next_open: date | None = None) -> Reply:
    """The caller's reply once CreateReport gave the report its receipt number.

    ``next_open`` is the office's next working day when the report came outside its hours.
    Its buttons check the status or start another report (the same postbacks as the menu).
    """
    buttons = (("status", "action=status"), ("report_another", "action=report"))
    quick = tuple(
        QuickReply(label, "postback", text=label, data=data)
        for label, data in ((catalogue.label(key, language), data) for key, data in buttons)
    )
    text = catalogue.say("receipt", language, receipt=receipt_number)
    if next_open is not None:
        day = catalogue.day(next_open, language)
        text += "\n" + catalogue.say("after_hours", language, date=day)
    return Reply(text, quick)


def report_failed_reply(language: str) -> Reply:
    """The caller's reply when CreateReport could not create the report."""
    return Reply(catalogue.say("report_failed", language))
