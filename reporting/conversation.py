"""The resident's reporting dialogue on LINE, as one pure function of values.

    outcome = handle(state, event, facts, city, now, settings)

No Flask, database, LINE client, clock or I/O here: the caller (the webhook job) loads
``State``, translates the webhook event into one of the event values below, looks up the
``Facts`` the event needs, calls ``handle``, then in one transaction persists
``outcome.state``, performs ``outcome.actions`` in order, and afterwards sends
``outcome.replies`` with the event's reply token. The function never mutates its arguments
and never raises on anything a resident can send (text, postback data, images, places).

Events (coordinates in lon, lat order)
    Follow(), Unfollow(), Text(text), Postback(data),
    Image(message_id, image_set_id, image_set_index, image_set_total),
    Location(lon, lat, address, title), Unsend(message_id), Unsupported(kind).
    ``Unsupported.kind`` in MESSAGE_KINDS (sticker, video, audio, file) is a message from the
    resident and gets a gentle reply; any other kind (join, leave, beacon, unknown...) is
    ignored: no replies, no actions, the same state.

Facts the caller looks up (only what the event needs)
    Image:          facts.photo, the photo already downloaded and cleaned (PhotoOk) or not
                    (PhotoRefused, with reasons fit for the resident). None is read as a failed
                    download.
    Location:       facts.place, where the point is (None: it could not be placed).
    Text, Postback: facts.recent_reports, the resident's latest reports (up to 5, newest
                    first), as any text may be a status request.

State (the caller persists step and draft on the conversation, the rest on the resident)
    ``State()`` is a new resident. ``draft`` is a JSON-serialisable dict: category,
    subcategory, photos ([{message_id, content_hash}]), image_sets (image sets still
    arriving: {set id: {total, seen, added, over}}), lon, lat, address, area_code,
    area_name_ja, area_name_en, note (None when skipped); in step "consent" it holds only
    terms (the version shown) and then ("report" when the resident asked to report).
    ``updated_at`` becomes ``now`` on every event that changes anything; a draft untouched for
    ``settings.draft_idle_timeout`` is discarded on the next event the resident can be
    answered on. ``now`` and ``updated_at`` must both be timezone-aware.

Actions, in the order given
    RecordConsent(version)  the resident agreed to these terms (store version and time);
                            ``outcome.state.consent_version`` already holds it.
    AttachPhoto(message_id, content_hash)
                            keep this event's cleaned photo on the draft. The photo of an Image
                            event without AttachPhoto is not wanted: delete it.
    DropPhoto(message_id)   delete this draft photo (the resident unsent it).
    DiscardDraft()          delete every photo of the draft; the draft JSON is already replaced.
    CreateReport(draft)     create the report from these values (category, subcategory,
                            photos, lon, lat, address, area_code, area_name_ja, area_name_en,
                            note, language), re-checking the area, and move the listed draft
                            photos onto it. Never paired with DiscardDraft: the report owns the
                            photos. ``handle`` returns no replies with it: the caller owns
                            receipt numbers and replies ``receipt_reply(number, language)``, or
                            ``report_failed_reply(language)`` (deleting the photos) if the
                            report cannot be created.
    SetFollowed(followed)   the resident followed (True) or blocked the account (False).
    NotifyBlocked()         a blocked resident was told once; ``state.blocked_notified`` is True.

Rules the caller may rely on
    Blocked residents: one notice and NotifyBlocked on the first event that can be answered,
    then nothing at all; no other action, the state otherwise untouched.
    Consent: until a resident has agreed to any terms, only the consent answer, the language
    switch, help and emergency information are answered; anything else shows the terms.
    Agreement to older terms still allows status and a draft already begun; a new report
    asks for the current terms first. A consent postback names its version and records only
    that version, if it is still the current one.
    Unfollow also discards the draft (SetFollowed(False), DiscardDraft()).

Replies respect LINE's limits, checked when values are built (ValueError, so a bad catalogue
fails loudly in tests): at most 5 per outcome, texts of at most 5,000 characters, at most 13
quick replies of at most 20 characters, and quick replies only on the last reply (LINE shows
them only there).

Postback data are ``key=value`` pairs joined by ``&``: action=report|status|help|cancel|
emergency (rich menu and anywhere), lang=ja|en, consent=yes|no&v=<terms version>, cat=<code>,
sub=<code>, nav=back, photos=next, border=yes|no, note=skip, confirm=send|restart. Typed words
(reporting.conversation_text.WORDS and the category labels) do the same; commands work in every
step, the note step included, only when they are the whole message.
"""

import math
import unicodedata
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from typing import Any
from typing import Literal
from typing import TypeAlias

from gis.wards import AreaRef
from reporting import conversation_text as catalogue
from reporting.city_profile import MAX_LABEL
from reporting.city_profile import Category
from reporting.city_profile import CityProfile

MAX_REPLIES = 5
MAX_QUICK_REPLIES = 13
MAX_TEXT = 5000
MAX_DATA = 300  # postback data, display text and message-action text
MESSAGE_KINDS = frozenset({"sticker", "video", "audio", "file"})
JST = timezone(timedelta(hours=9), "JST")  # Japan keeps no daylight saving time

Draft: TypeAlias = dict[str, Any]

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


@dataclass(frozen=True)
class Facts:
    photo: PhotoOk | PhotoRefused | None = None
    place: Place | None = None
    recent_reports: tuple[ReportSummary, ...] = ()


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
    draft_idle_timeout: timedelta = timedelta(hours=2)
    max_photos: int = 4
    max_note: int = 500
    border_check_m: float = 30.0

    def __post_init__(self) -> None:
        """Refuse settings the dialogue cannot honour, at start-up rather than mid-report."""
        if self.draft_idle_timeout <= timedelta(0) or self.max_photos < 1 or self.max_note < 1:
            raise ValueError(f"settings out of range: {self}")


DEFAULT_SETTINGS = Settings()

# --- replies -----------------------------------------------------------------------------

QuickReplyKind: TypeAlias = Literal["message", "postback", "camera", "camera_roll", "location"]
# Per kind, whether text and data are required (True), forbidden (False) or optional (None).
_QUICK_REPLY_FIELDS: Mapping[str, tuple[bool | None, bool]] = {
    "message": (True, False),
    "postback": (None, True),
    "camera": (False, False),
    "camera_roll": (False, False),
    "location": (False, False),
}


@dataclass(frozen=True)
class QuickReply:
    label: str
    kind: QuickReplyKind
    text: str | None = None  # message text; for a postback, the text shown as sent
    data: str | None = None  # postback data

    def __post_init__(self) -> None:
        """Fail loudly on a button LINE would refuse."""
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
    | SetFollowed
    | NotifyBlocked
)


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


def receipt_reply(receipt_number: str, language: str) -> Reply:
    """The caller's reply once CreateReport gave the report its receipt number."""
    return Reply(catalogue.say("receipt", language, receipt=receipt_number))


def report_failed_reply(language: str) -> Reply:
    """The caller's reply when CreateReport could not create the report."""
    return Reply(catalogue.say("report_failed", language))


# --- the dialogue ------------------------------------------------------------------------

DRAFT_STEPS = frozenset(
    {"category", "subcategory", "photos", "location", "confirm_location", "note", "confirm"}
)
# Where a step sits in the report; entering a step whose earlier data is missing goes there.
_RANK = {
    "category": 0,
    "subcategory": 1,
    "photos": 2,
    "location": 3,
    "confirm_location": 3,
    "note": 4,
    "confirm": 5,
}
_POINT_KEYS = ("lon", "lat", "address", "area_code", "area_name_ja", "area_name_en")
_CONTROL = frozenset({"Cc", "Cs"})
_MAX_SET = 100  # LINE sends far fewer photos per set; more is not a real set
_MAX_ADDRESS = 300  # reports.address
_COMMAND_LENGTH = 40  # longer text is never a command, so it is not normalised


@dataclass(frozen=True)
class _Intent:
    key: str
    value: str
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Ctx:
    state: State
    event: Event
    facts: Facts
    city: CityProfile
    now: datetime
    settings: Settings

    @property
    def lang(self) -> str:
        return catalogue.EN if self.state.language == catalogue.EN else catalogue.JA

    @property
    def draft(self) -> Draft:
        """A fresh copy of the draft, so handlers may change it; a corrupt draft reads empty."""
        draft = self.state.draft
        return dict(draft) if isinstance(draft, Mapping) else {}

    @property
    def city_name(self) -> str:
        return catalogue.pick((self.city.name_ja, self.city.name_en), self.lang)

    def say(self, key: str, **fields: object) -> str:
        return catalogue.say(key, self.lang, **fields)

    def label(self, key: str) -> str:
        return catalogue.label(key, self.lang)

    def needs_consent(self) -> bool:
        return self.state.consent_version != self.city.terms.version


def handle(
    state: State,
    event: Event,
    facts: Facts,
    city: CityProfile,
    now: datetime,
    settings: Settings = DEFAULT_SETTINGS,
) -> Outcome:
    """Answer one event from one resident: the new state, the replies, the actions."""
    ctx = _Ctx(state, event, facts, city, now, settings)
    if state.blocked:
        return _blocked(ctx)
    if isinstance(event, Unfollow):
        return _unfollow(ctx)
    if isinstance(event, Unsend):
        return _unsend(ctx, event)
    if not _replyable(event):
        return Outcome(state)
    if _expired(ctx):
        notice = Reply(ctx.say("expired"))
        ctx = replace(ctx, state=replace(state, step="idle", draft={}))
        return _before(_dispatch(ctx), (notice,), (DiscardDraft(),))
    return _dispatch(ctx)


def _replyable(event: Event) -> bool:
    """LINE gives a reply token with these events only (of those the dialogue answers)."""
    if isinstance(event, Unsupported):
        return event.kind in MESSAGE_KINDS
    return not isinstance(event, Unfollow | Unsend)


def _expired(ctx: _Ctx) -> bool:
    """A draft left alone too long (or in a step this version does not know) is dropped."""
    state = ctx.state
    if state.step in ("idle", "consent"):
        return False
    if state.step not in DRAFT_STEPS:
        return True
    return state.updated_at is not None and (
        ctx.now - state.updated_at > ctx.settings.draft_idle_timeout
    )


def _blocked(ctx: _Ctx) -> Outcome:
    """A blocked resident hears it once, and nothing they send is kept."""
    if ctx.state.blocked_notified or not _replyable(ctx.event):
        return Outcome(ctx.state)
    notice = Reply(ctx.say("blocked", city=ctx.city_name, phone=ctx.city.emergency_phone))
    return Outcome(replace(ctx.state, blocked_notified=True), (notice,), (NotifyBlocked(),))


def _unfollow(ctx: _Ctx) -> Outcome:
    """The resident blocked the account: no reply is possible, and their draft goes."""
    actions: tuple[Action, ...] = (SetFollowed(False),)
    if ctx.state.step not in ("idle", "consent"):
        actions += (DiscardDraft(),)
    return Outcome(_state(ctx, "idle", {}), (), actions)


def _unsend(ctx: _Ctx, unsend: Unsend) -> Outcome:
    """An unsent draft photo leaves the draft; a later step then asks for photos again."""
    draft = ctx.draft
    photos = _photos(draft)
    kept = [p for p in photos if p["message_id"] != unsend.message_id]
    if len(kept) == len(photos):
        return Outcome(ctx.state)
    draft["photos"] = kept
    return Outcome(_state(ctx, ctx.state.step, draft), (), (DropPhoto(unsend.message_id),))


def _dispatch(ctx: _Ctx) -> Outcome:
    """Route an answerable event: consent first, then commands, then the step's own table."""
    event = ctx.event
    if isinstance(event, Follow):
        return _follow(ctx)
    intent = _intent(ctx)
    if intent is not None and intent.key == "consent":
        return _consent_answer(ctx, intent)
    if intent is not None and intent.key == "lang":
        return _language(ctx, intent.value)
    if intent is not None and intent.key == "action" and intent.value in _UNGATED:
        return _COMMANDS[intent.value](ctx)
    if ctx.state.consent_version is None:
        wants_report = intent is not None and (intent.key, intent.value) == ("action", "report")
        return _ask_consent(ctx, then_report=wants_report)
    if intent is not None and intent.key == "action":
        command = _COMMANDS.get(intent.value)
        return command(ctx) if command else _reprompt(ctx)
    spec = _STEPS[ctx.state.step]
    if intent is not None:
        choose = spec.choices.get(intent.key)
        return choose(ctx, intent.value) if choose else _reprompt(ctx)
    if isinstance(event, Text) and spec.text is not None:
        return spec.text(ctx, event.text)
    if isinstance(event, Image):
        return (spec.image or _stray_image)(ctx, event)
    if isinstance(event, Location) and spec.location is not None:
        return spec.location(ctx, event)
    if isinstance(event, Unsupported):
        return _enter(ctx, ctx.state.step, ctx.draft, lead=(ctx.say("unsupported"),))
    return _reprompt(ctx)


# --- reading what the resident sent ------------------------------------------------------


def _norm(text: str) -> str:
    """Fold width, case and spacing so 「ＲＥＰＯＲＴ 」 matches report."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())


_WORDS = {key: frozenset(_norm(w) for w in words) for key, words in catalogue.WORDS.items()}
_GLOBAL_WORDS = (
    ("report", _Intent("action", "report")),
    ("cancel", _Intent("action", "cancel")),
    ("status", _Intent("action", "status")),
    ("help", _Intent("action", "help")),
    ("emergency", _Intent("action", "emergency")),
    ("lang_en", _Intent("lang", "en")),
    ("lang_ja", _Intent("lang", "ja")),
)


def _intent(ctx: _Ctx) -> _Intent | None:
    """What a tap or a typed command means; None for anything else (data, photos, places)."""
    event = ctx.event
    if isinstance(event, Postback):
        return _parse_postback(event.data)
    if not isinstance(event, Text) or len(event.text) > _COMMAND_LENGTH:
        return None
    typed = _norm(event.text)
    for key, intent in _GLOBAL_WORDS:
        if typed in _WORDS[key]:
            return intent
    return _STEPS[ctx.state.step].words(ctx, typed)


def _parse_postback(data: str) -> _Intent | None:
    """Read ``key=value&key=value``; anything else is no intent, never an error."""
    if not isinstance(data, str) or not 0 < len(data) <= MAX_DATA:
        return None
    pairs = [part.partition("=") for part in data.split("&")]
    if any(not key or not sep for key, sep, _ in pairs):
        return None
    (key, _, value), rest = pairs[0], pairs[1:]
    return _Intent(key, value, {k: v for k, _, v in rest})


def _word(typed: str, table: Mapping[str, _Intent]) -> _Intent | None:
    """Return the intent of the first word list (by catalogue key) holding the typed text."""
    return next((i for key, i in table.items() if typed in _WORDS[key]), None)


def _clean(text: str) -> str:
    """Keep a resident's text as data: drop control characters and stray surrogates only."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) not in _CONTROL)
    return "".join(kept).strip()


def _excerpt(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# --- building replies --------------------------------------------------------------------


def _state(ctx: _Ctx, step: str, draft: Draft, **changes: Any) -> State:
    return replace(ctx.state, step=step, draft=draft, updated_at=ctx.now, **changes)


def _reply(text: str, quick_replies: tuple[QuickReply, ...] = ()) -> Reply:
    return Reply(_excerpt(text, MAX_TEXT), quick_replies)


def _postback(label: str, data: str) -> QuickReply:
    return QuickReply(label, "postback", text=label, data=data)


def _tap(ctx: _Ctx, key: str, data: str) -> QuickReply:
    return _postback(ctx.label(key), data)


def _start_menu(ctx: _Ctx) -> tuple[QuickReply, ...]:
    other = "en" if ctx.lang == catalogue.JA else "ja"
    return (
        _tap(ctx, "report", "action=report"),
        _tap(ctx, "status", "action=status"),
        _tap(ctx, "help", "action=help"),
        _tap(ctx, "other_language", f"lang={other}"),
    )


def _before(
    outcome: Outcome, replies: tuple[Reply, ...], actions: tuple[Action, ...] = ()
) -> Outcome:
    """Put replies and actions ahead of an outcome's own."""
    return replace(outcome, replies=replies + outcome.replies, actions=actions + outcome.actions)


def _enter(
    ctx: _Ctx,
    step: str,
    draft: Draft,
    *,
    lead: tuple[str, ...] = (),
    before: tuple[Reply, ...] = (),
    actions: tuple[Action, ...] = (),
    **changes: Any,
) -> Outcome:
    """Go to a step (or the earliest one whose data is missing) and prompt for it."""
    if step in _RANK:
        missing = _first_missing(ctx.city, draft)
        if _RANK[step] > _RANK[missing]:
            step = missing
    state = _state(ctx, step, draft, **changes)
    ctx = replace(ctx, state=state)
    text, quick = _STEPS[step].prompt(ctx, draft)
    prompt = _reply("\n\n".join((*lead, text)), quick)
    return Outcome(state, before + (prompt,), actions)


def _advance(ctx: _Ctx, draft: Draft, **kwargs: Any) -> Outcome:
    """Go on to the first part of the report still missing."""
    return _enter(ctx, _first_missing(ctx.city, draft), draft, **kwargs)


def _reprompt(ctx: _Ctx) -> Outcome:
    """Anything unexpected is not an error: ask again for what the step needs."""
    return _enter(ctx, ctx.state.step, ctx.draft)


def _stay(
    ctx: _Ctx, draft: Draft, replies: tuple[Reply, ...], actions: tuple[Action, ...]
) -> Outcome:
    """Stay in the step without prompting (an image set is still arriving)."""
    return Outcome(_state(ctx, ctx.state.step, draft), replies, actions)


# --- the draft's contents ----------------------------------------------------------------


def _category(city: CityProfile, draft: Mapping[str, Any]) -> Category | None:
    code = draft.get("category")
    return city.category(code) if isinstance(code, str) else None


def _photos(draft: Mapping[str, Any]) -> list[dict[str, str]]:
    photos = draft.get("photos")
    if not isinstance(photos, list):
        return []
    return [
        {"message_id": p["message_id"], "content_hash": p["content_hash"]}
        for p in photos
        if isinstance(p, dict)
        and isinstance(p.get("message_id"), str)
        and isinstance(p.get("content_hash"), str)
    ]


def _sets(draft: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Image sets still arriving; malformed entries are forgotten."""
    raw = draft.get("image_sets")
    if not isinstance(raw, dict):
        return {}
    return {
        k: {"total": v["total"], "seen": list(v["seen"]), "added": v["added"], "over": v["over"]}
        for k, v in raw.items()
        if isinstance(v, dict)
        and isinstance(v.get("total"), int)
        and isinstance(v.get("seen"), list)
        and isinstance(v.get("added"), int)
        and isinstance(v.get("over"), int)
    }


def _has_point(draft: Mapping[str, Any]) -> bool:
    return all(_finite(draft.get(k)) for k in ("lon", "lat")) and isinstance(
        draft.get("area_code"), str
    )


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _first_missing(city: CityProfile, draft: Mapping[str, Any]) -> str:
    """The earliest step whose answer the draft lacks; "confirm" when it is complete."""
    category = _category(city, draft)
    if category is None:
        return "category"
    sub = draft.get("subcategory")
    if category.subcategories and not (isinstance(sub, str) and category.subcategory(sub)):
        return "subcategory"
    if not _photos(draft):
        return "photos"
    if not _has_point(draft):
        return "location"
    note = draft.get("note", False)
    if not (note is None or isinstance(note, str)):
        return "note"
    return "confirm"


def _area_name(ctx: _Ctx, draft: Mapping[str, Any]) -> str:
    name = draft.get("area_name_en" if ctx.lang == catalogue.EN else "area_name_ja")
    return name if isinstance(name, str) and name else ctx.city_name


# --- commands that work in any step ------------------------------------------------------


def _command_reply(ctx: _Ctx, text: str) -> Outcome:
    """Answer a command, then prompt for the step the resident was in."""
    if ctx.state.step == "idle":
        return Outcome(_state(ctx, "idle", {}), (_reply(text, _start_menu(ctx)),))
    return _enter(ctx, ctx.state.step, ctx.draft, before=(_reply(text),))


def _start(ctx: _Ctx) -> Outcome:
    """Start a report: the current terms first, then the categories."""
    if ctx.state.step in DRAFT_STEPS:
        return _enter(ctx, ctx.state.step, ctx.draft, lead=(ctx.say("in_progress"),))
    if ctx.needs_consent():
        return _ask_consent(ctx, then_report=True)
    return _enter(ctx, "category", {})


def _cancel(ctx: _Ctx) -> Outcome:
    if ctx.state.step in DRAFT_STEPS:
        reply = _reply(ctx.say("cancelled"), _start_menu(ctx))
        return Outcome(_state(ctx, "idle", {}), (reply,), (DiscardDraft(),))
    key = "declined" if ctx.state.step == "consent" else "nothing_to_cancel"
    return Outcome(_state(ctx, "idle", {}), (_reply(ctx.say(key), _start_menu(ctx)),))


def _status(ctx: _Ctx) -> Outcome:
    reports = ctx.facts.recent_reports[:5]
    if not reports:
        return _command_reply(ctx, ctx.say("status_none"))
    lines = [ctx.say("status_header")]
    for report in reports:
        created = report.created_at
        if created.tzinfo is not None:
            created = created.astimezone(JST)
        lines.append(
            ctx.say(
                "status_line",
                receipt=report.receipt_number,
                category=catalogue.pick((report.category_ja, report.category_en), ctx.lang),
                status=catalogue.status_word(report.status, ctx.lang),
                date=created.strftime("%Y-%m-%d" if ctx.lang == catalogue.EN else "%Y/%m/%d"),
            )
        )
    return _command_reply(ctx, "\n".join(lines))


def _help(ctx: _Ctx) -> Outcome:
    text = ctx.say(
        "help", max=ctx.settings.max_photos, city=ctx.city_name, phone=ctx.city.emergency_phone
    )
    return _command_reply(ctx, text)


def _emergency(ctx: _Ctx) -> Outcome:
    """Point to the phone; a report not yet begun ends here, a begun one is kept."""
    text = ctx.say("emergency", city=ctx.city_name, phone=ctx.city.emergency_phone)
    if ctx.state.step == "category":
        discard: tuple[Action, ...] = (DiscardDraft(),) if _photos(ctx.draft) else ()
        return Outcome(_state(ctx, "idle", {}), (_reply(text, _start_menu(ctx)),), discard)
    return _command_reply(ctx, text)


def _language(ctx: _Ctx, value: str) -> Outcome:
    if value not in (catalogue.JA, catalogue.EN):
        return _reprompt(ctx) if ctx.state.consent_version else _ask_consent(ctx, False)
    ctx = replace(ctx, state=replace(ctx.state, language=value))
    notice = ctx.say("language_set")
    if ctx.state.consent_version is None or ctx.state.step == "consent":
        then = ctx.draft.get("then") == "report"
        return _ask_consent(ctx, then_report=then, lead=(notice,))
    return _command_reply(ctx, notice)


# Safety and how-to information is given even before the terms are agreed to.
_UNGATED = frozenset({"emergency", "help"})
_COMMANDS: Mapping[str, Callable[[_Ctx], Outcome]] = {
    "report": _start,
    "cancel": _cancel,
    "status": _status,
    "help": _help,
    "emergency": _emergency,
}

# --- consent -----------------------------------------------------------------------------


def _ask_consent(ctx: _Ctx, then_report: bool, lead: tuple[str, ...] = ()) -> Outcome:
    """Show the current terms; agreeing records this version and no other."""
    version = ctx.city.terms.version
    draft: Draft = {"terms": version, **({"then": "report"} if then_report else {})}
    actions: tuple[Action, ...] = (DiscardDraft(),) if ctx.state.step in DRAFT_STEPS else ()
    return _enter(ctx, "consent", draft, lead=lead, actions=actions)


def _consent_prompt(ctx: _Ctx, draft: Draft) -> tuple[str, tuple[QuickReply, ...]]:
    version = ctx.city.terms.version
    terms = catalogue.pick((ctx.city.terms.ja, ctx.city.terms.en), ctx.lang)
    other = "en" if ctx.lang == catalogue.JA else "ja"
    quick = (
        _tap(ctx, "agree", f"consent=yes&v={version}"),
        _tap(ctx, "disagree", f"consent=no&v={version}"),
        _tap(ctx, "other_language", f"lang={other}"),
    )
    return ctx.say("terms", terms=_excerpt(terms, 1500)), quick


def _consent_answer(ctx: _Ctx, intent: _Intent) -> Outcome:
    """Agree or decline the terms shown; an answer to older terms shows the new ones."""
    if not ctx.needs_consent():
        return _reprompt(ctx)
    if intent.value not in ("yes", "no"):
        return _ask_consent(ctx, ctx.draft.get("then") == "report")
    shown = intent.extra.get("v", ctx.draft.get("terms"))
    then_report = ctx.draft.get("then") == "report"
    if shown != ctx.city.terms.version:
        return _ask_consent(ctx, then_report)
    drafting = ctx.state.step in DRAFT_STEPS  # the terms changed after the draft began
    if intent.value == "no":
        reply = _reply(ctx.say("declined"), _start_menu(ctx))
        return Outcome(_state(ctx, "idle", {}), (reply,), (DiscardDraft(),) if drafting else ())
    version = ctx.city.terms.version
    actions: tuple[Action, ...] = (RecordConsent(version),)
    thanks = ctx.say("consent_thanks")
    if drafting:
        step, draft = ctx.state.step, ctx.draft
        return _enter(ctx, step, draft, lead=(thanks,), actions=actions, consent_version=version)
    if then_report:
        return _enter(ctx, "category", {}, lead=(thanks,), actions=actions, consent_version=version)
    state = _state(ctx, "idle", {}, consent_version=version)
    text = "\n".join((thanks, ctx.say("welcome", city=ctx.city_name), ctx.say("idle")))
    return Outcome(state, (_reply(text, _start_menu(ctx)),), actions)


def _follow(ctx: _Ctx) -> Outcome:
    """A new or returning friend: terms if they need them, else a welcome back."""
    followed: tuple[Action, ...] = (SetFollowed(True),)
    if ctx.needs_consent():
        welcome = ctx.say("welcome", city=ctx.city_name)
        return _before(_ask_consent(ctx, False, lead=(welcome,)), (), followed)
    back = ctx.say("welcome_back")
    if ctx.state.step in DRAFT_STEPS:
        return _enter(ctx, ctx.state.step, ctx.draft, lead=(back,), actions=followed)
    text = "\n".join((back, ctx.say("idle")))
    return Outcome(_state(ctx, "idle", {}), (_reply(text, _start_menu(ctx)),), followed)


# --- steps -------------------------------------------------------------------------------

Prompt: TypeAlias = tuple[str, tuple[QuickReply, ...]]


def _idle_prompt(ctx: _Ctx, draft: Draft) -> Prompt:
    return ctx.say("idle"), _start_menu(ctx)


def _stray_image(ctx: _Ctx, image: Image) -> Outcome:
    """A photo outside the photo step is not kept; a set is answered once, on its first."""
    if _set_info(image) is not None and image.image_set_index != 1:
        return Outcome(ctx.state)
    if ctx.state.step == "idle":
        return Outcome(_state(ctx, "idle", {}), (_reply(ctx.say("idle_photo"), _start_menu(ctx)),))
    return _reprompt(ctx)


def _category_prompt(ctx: _Ctx, draft: Draft) -> Prompt:
    quick = tuple(
        _postback(catalogue.pick((c.ja, c.en), ctx.lang), f"cat={c.code}")
        for c in ctx.city.categories
    )
    return ctx.say("category"), quick + (_tap(ctx, "emergency", "action=emergency"),)


def _category_words(ctx: _Ctx, typed: str) -> _Intent | None:
    for c in ctx.city.categories:
        if typed in (_norm(c.ja), _norm(c.en)):
            return _Intent("cat", c.code)
    return None


def _choose_category(ctx: _Ctx, code: str) -> Outcome:
    if ctx.city.category(code) is None:
        return _reprompt(ctx)
    draft = {k: v for k, v in ctx.draft.items() if k != "subcategory"}
    return _advance(ctx, {**draft, "category": code})


def _subcategory_prompt(ctx: _Ctx, draft: Draft) -> Prompt:
    category = _category(ctx.city, draft)
    assert category is not None  # _enter goes to "category" first when it is missing
    quick = tuple(
        _postback(catalogue.pick((s.ja, s.en), ctx.lang), f"sub={s.code}")
        for s in category.subcategories
    )
    name = catalogue.pick((category.ja, category.en), ctx.lang)
    return ctx.say("subcategory", category=name), quick + (_tap(ctx, "back", "nav=back"),)


def _subcategory_words(ctx: _Ctx, typed: str) -> _Intent | None:
    if typed in _WORDS["back"]:
        return _Intent("nav", "back")
    category = _category(ctx.city, ctx.draft)
    for s in category.subcategories if category else ():
        if typed in (_norm(s.ja), _norm(s.en)):
            return _Intent("sub", s.code)
    return None


def _choose_subcategory(ctx: _Ctx, code: str) -> Outcome:
    draft = ctx.draft
    category = _category(ctx.city, draft)
    if category is None or category.subcategory(code) is None:
        return _reprompt(ctx)
    return _advance(ctx, {**draft, "subcategory": code})


def _back(ctx: _Ctx, value: str) -> Outcome:
    if value != "back":
        return _reprompt(ctx)
    draft = {k: v for k, v in ctx.draft.items() if k not in ("category", "subcategory")}
    return _enter(ctx, "category", draft)


def _photos_prompt(ctx: _Ctx, draft: Draft) -> Prompt:
    count, most = len(_photos(draft)), ctx.settings.max_photos
    quick = (
        QuickReply(ctx.label("camera"), "camera"),
        QuickReply(ctx.label("camera_roll"), "camera_roll"),
    )
    if count == 0:
        return ctx.say("photos_first", max=most), quick + (_tap(ctx, "cancel", "action=cancel"),)
    more = (_tap(ctx, "next", "photos=next"), _tap(ctx, "cancel", "action=cancel"))
    return ctx.say("photos_more", left=max(most - count, 0)), quick + more


def _photos_next(ctx: _Ctx, value: str) -> Outcome:
    """Go on with the photos so far; sets still arriving are no longer waited for."""
    draft = ctx.draft
    if value != "next" or not _photos(draft):
        return _reprompt(ctx)
    draft.pop("image_sets", None)
    return _advance(ctx, draft)


def _photos_then_location(ctx: _Ctx, location: Location) -> Outcome:
    """A place sent instead of tapping "next" is taken as both, once there is a photo."""
    draft = ctx.draft
    if not _photos(draft):
        return _reprompt(ctx)
    draft.pop("image_sets", None)
    return _locate(replace(ctx, state=replace(ctx.state, draft=draft)), location)


def _set_info(image: Image) -> tuple[str, int, int] | None:
    """The image's set as (id, index, total), if LINE's set fields make sense."""
    set_id, index, total = image.image_set_id, image.image_set_index, image.image_set_total
    if not (isinstance(set_id, str) and set_id and isinstance(index, int)):
        return None
    if not (isinstance(total, int) and 1 <= index <= total <= _MAX_SET):
        return None
    return set_id, index, total


def _photo(ctx: _Ctx, image: Image) -> Outcome:
    """Keep a photo, or say why not; a set is acknowledged once, when all of it arrived."""
    draft = ctx.draft
    photos, sets = _photos(draft), _sets(draft)
    info = _set_info(image)
    seen = sets[info[0]]["seen"] if info and info[0] in sets else []
    if image.message_id in seen or any(p["message_id"] == image.message_id for p in photos):
        return Outcome(ctx.state)  # the same event again
    refusal, actions, over = _verdict(ctx, image, photos)
    if not refusal and not over:
        photos.append({"message_id": image.message_id, "content_hash": _hash(ctx)})
    draft["photos"] = photos
    lead: tuple[str, ...] = (refusal,) if refusal else ()
    if info is None:
        if over:
            lead += (ctx.say("photo_over", max=ctx.settings.max_photos, over=1),)
        elif not refusal:
            lead += (_count(ctx, "photo_ack", photos),)
        return _after_photos(ctx, draft, sets, lead, actions)
    set_id, _, total = info
    entry = sets.setdefault(set_id, {"total": total, "seen": [], "added": 0, "over": 0})
    entry["seen"].append(image.message_id)
    entry["added"] += 0 if refusal or over else 1
    entry["over"] += 1 if over else 0
    if len(entry["seen"]) < entry["total"]:
        draft["image_sets"] = sets
        replies = (_reply(refusal),) if refusal else ()
        return _stay(ctx, draft, replies, actions)
    del sets[set_id]
    if entry["added"]:
        lead += (_count(ctx, "photo_set_ack", photos, added=entry["added"]),)
    if entry["over"]:
        lead += (ctx.say("photo_over", max=ctx.settings.max_photos, over=entry["over"]),)
    return _after_photos(ctx, draft, sets, lead, actions)


def _verdict(
    ctx: _Ctx, image: Image, photos: list[dict[str, str]]
) -> tuple[str | None, tuple[Action, ...], bool]:
    """(refusal text, actions, over the limit) for one photo."""
    photo = ctx.facts.photo
    if photo is None or photo.message_id != image.message_id:
        return ctx.say("photo_refused", reason=ctx.say("photo_missing")), (), False
    if isinstance(photo, PhotoRefused):
        reason = catalogue.pick((photo.reason_ja, photo.reason_en), ctx.lang)
        return ctx.say("photo_refused", reason=_excerpt(reason, 500)), (), False
    if any(p["content_hash"] == photo.content_hash for p in photos):
        return ctx.say("photo_duplicate"), (), False
    if len(photos) >= ctx.settings.max_photos:
        return None, (), True
    return None, (AttachPhoto(image.message_id, photo.content_hash),), False


def _hash(ctx: _Ctx) -> str:
    photo = ctx.facts.photo
    return photo.content_hash if isinstance(photo, PhotoOk) else ""


def _count(ctx: _Ctx, key: str, photos: list[dict[str, str]], **fields: object) -> str:
    return ctx.say(key, count=len(photos), max=ctx.settings.max_photos, **fields)


def _after_photos(
    ctx: _Ctx,
    draft: Draft,
    sets: dict[str, dict[str, Any]],
    lead: tuple[str, ...],
    actions: tuple[Action, ...],
) -> Outcome:
    """Move on by itself once the limit is reached and no set is still arriving."""
    if sets:
        draft["image_sets"] = sets
    else:
        draft.pop("image_sets", None)
    if len(_photos(draft)) >= ctx.settings.max_photos and not sets:
        return _advance(ctx, draft, lead=lead, actions=actions)
    return _enter(ctx, "photos", draft, lead=lead, actions=actions)


def _location_prompt(ctx: _Ctx, draft: Draft) -> Prompt:
    quick = (
        QuickReply(ctx.label("location"), "location"),
        _tap(ctx, "cancel", "action=cancel"),
    )
    return ctx.say("location"), quick


def _locate(ctx: _Ctx, location: Location) -> Outcome:
    """Keep a point inside the service area; near its border, ask first; outside, say where."""
    draft = {k: v for k, v in ctx.draft.items() if k not in _POINT_KEYS}
    place = ctx.facts.place
    placed = _finite(location.lon) and _finite(location.lat)
    placed = placed and abs(location.lon) <= 180 and abs(location.lat) <= 90
    if place is None or not placed:
        unknown = ctx.say("location_unknown", city=ctx.city_name)
        return _enter(ctx, "location", draft, lead=(unknown,))
    if not place.in_service_area:
        return _enter(ctx, "location", draft, lead=_outside(ctx, place))
    area = place.area
    draft.update(
        lon=float(location.lon),
        lat=float(location.lat),
        address=_excerpt(_clean(location.address or location.title or ""), _MAX_ADDRESS) or None,
        area_code=area.code if area else next(iter(sorted(ctx.city.service_area)), ""),
        area_name_ja=area.name_ja if area else ctx.city.name_ja,
        area_name_en=area.name_en if area else ctx.city.name_en,
    )
    distance = place.border_distance_m
    if distance is not None and distance < ctx.settings.border_check_m:
        return _enter(ctx, "confirm_location", draft)
    return _advance(ctx, draft, lead=(ctx.say("location_ok", area=_area_name(ctx, draft)),))


def _outside(ctx: _Ctx, place: Place) -> tuple[str, ...]:
    """Name the municipality the point is in, when it is known."""
    ja, en = place.municipality_ja, place.municipality_en
    if not (ja or en) and place.area is not None:
        ja, en = place.area.name_ja, place.area.name_en
    name = (en if ctx.lang == catalogue.EN else ja) or ja or en
    if not name:
        return (ctx.say("location_unknown", city=ctx.city_name),)
    lead: tuple[str, ...] = (ctx.say("location_outside", place=name, city=ctx.city_name),)
    distance = place.border_distance_m
    if distance is not None and distance < ctx.settings.border_check_m:
        lead += (ctx.say("location_outside_near", city=ctx.city_name),)
    return lead


def _border_prompt(ctx: _Ctx, draft: Draft) -> Prompt:
    quick = (
        _tap(ctx, "yes", "border=yes"),
        _tap(ctx, "no", "border=no"),
        QuickReply(ctx.label("location"), "location"),
    )
    return ctx.say("border", area=_area_name(ctx, draft)), quick


def _border_answer(ctx: _Ctx, value: str) -> Outcome:
    draft = ctx.draft
    if value == "yes" and _has_point(draft):
        return _advance(ctx, draft, lead=(ctx.say("location_ok", area=_area_name(ctx, draft)),))
    if value not in ("yes", "no"):
        return _reprompt(ctx)
    return _enter(ctx, "location", {k: v for k, v in draft.items() if k not in _POINT_KEYS})


def _note_prompt(ctx: _Ctx, draft: Draft) -> Prompt:
    quick = (_tap(ctx, "skip", "note=skip"), _tap(ctx, "cancel", "action=cancel"))
    return ctx.say("note", max=ctx.settings.max_note), quick


def _note(ctx: _Ctx, text: str) -> Outcome:
    """Keep the note as data, whatever it says; only its length is judged."""
    note = _clean(text)
    if not note:
        return _reprompt(ctx)
    if len(note) > ctx.settings.max_note:
        too_long = ctx.say("note_too_long", max=ctx.settings.max_note, length=len(note))
        return _enter(ctx, "note", ctx.draft, lead=(too_long,))
    return _advance(ctx, {**ctx.draft, "note": note})


def _skip_note(ctx: _Ctx, value: str) -> Outcome:
    if value != "skip":
        return _reprompt(ctx)
    return _advance(ctx, {**ctx.draft, "note": None})


def _confirm_prompt(ctx: _Ctx, draft: Draft) -> Prompt:
    category = _category(ctx.city, draft)
    assert category is not None  # _enter goes to "category" first when it is missing
    sub = category.subcategory(str(draft.get("subcategory")))
    place = _area_name(ctx, draft)
    address = draft.get("address")
    if isinstance(address, str) and address:
        place += f" ({_excerpt(address, 60)})"
    note = draft.get("note")
    text = ctx.say(
        "confirm",
        category=catalogue.pick((category.ja, category.en), ctx.lang),
        subcategory=catalogue.pick((sub.ja, sub.en), ctx.lang) if sub else "-",
        photos=len(_photos(draft)),
        place=place,
        note=_excerpt(note, 40) if isinstance(note, str) else ctx.say("none"),
    )
    quick = (
        _tap(ctx, "send", "confirm=send"),
        _tap(ctx, "restart", "confirm=restart"),
        _tap(ctx, "cancel", "action=cancel"),
    )
    return text, quick


def _confirm_answer(ctx: _Ctx, value: str) -> Outcome:
    """Send creates the report (the caller replies with its receipt); restart keeps nothing."""
    draft = ctx.draft
    if value == "restart":
        return _enter(ctx, "category", {}, actions=(DiscardDraft(),))
    if value != "send":
        return _reprompt(ctx)
    if _first_missing(ctx.city, draft) != "confirm":
        return _advance(ctx, draft)
    report = {key: draft.get(key) for key in ("category", "subcategory", *_POINT_KEYS, "note")}
    report["photos"] = _photos(draft)
    report["language"] = ctx.lang
    return Outcome(_state(ctx, "idle", {}), (), (CreateReport(report),))


@dataclass(frozen=True)
class _Step:
    """What one step asks for and how it takes each kind of answer."""

    prompt: Callable[[_Ctx, Draft], Prompt]
    choices: Mapping[str, Callable[[_Ctx, str], Outcome]] = field(default_factory=dict)
    words: Callable[[_Ctx, str], _Intent | None] = lambda ctx, typed: None
    text: Callable[[_Ctx, str], Outcome] | None = None
    image: Callable[[_Ctx, Image], Outcome] | None = None
    location: Callable[[_Ctx, Location], Outcome] | None = None


def _words(table: Mapping[str, _Intent]) -> Callable[[_Ctx, str], _Intent | None]:
    return lambda ctx, typed: _word(typed, table)


_STEPS: Mapping[str, _Step] = {
    "idle": _Step(_idle_prompt),
    "consent": _Step(
        _consent_prompt,
        words=_words({"agree": _Intent("consent", "yes"), "disagree": _Intent("consent", "no")}),
    ),
    "category": _Step(_category_prompt, {"cat": _choose_category}, _category_words),
    "subcategory": _Step(
        _subcategory_prompt, {"sub": _choose_subcategory, "nav": _back}, _subcategory_words
    ),
    "photos": _Step(
        _photos_prompt,
        {"photos": _photos_next},
        _words({"next": _Intent("photos", "next")}),
        image=_photo,
        location=_photos_then_location,
    ),
    "location": _Step(_location_prompt, location=_locate),
    "confirm_location": _Step(
        _border_prompt,
        {"border": _border_answer},
        _words({"yes": _Intent("border", "yes"), "no": _Intent("border", "no")}),
        location=_locate,
    ),
    "note": _Step(
        _note_prompt, {"note": _skip_note}, _words({"skip": _Intent("note", "skip")}), text=_note
    ),
    "confirm": _Step(
        _confirm_prompt,
        {"confirm": _confirm_answer},
        _words({"send": _Intent("confirm", "send"), "restart": _Intent("confirm", "restart")}),
    ),
}
