"""Carry out one recorded LINE event: load the resident, ask the conversation, apply its answer.

The steps, FixMyStreet-style: load state → translate the event → look up the facts it needs
(download and clean a photo, place a location, list recent reports) → ``conversation.handle``
→ apply the actions (consent, photos, report) → save state → queue the replies → mark the
event handled. All of it commits together, replies included (as a job), so a crash anywhere
leaves the event to be handled again from the start, and nothing is done twice.
"""

import logging
import math
import uuid
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from typing import Any

import procrastinate
from sqlalchemy import Select
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis import wards
from reporting import reports
from reporting.city_profile import CityProfile
from reporting.dialogue import conversation as talk
from reporting.dialogue import texts as talk_texts
from reporting.line import intake
from reporting.line.api import ContentGone
from reporting.line.api import LineClient
from reporting.line.api import LineRefused
from reporting.line.api import LineUnavailable
from reporting.line.translate import translate
from reporting.models import Conversation
from reporting.models import LineEvent
from reporting.models import Photo
from reporting.models import Resident
from reporting.operations import metrics
from reporting.outbox import queue_messages
from reporting.photos.cleaning import CleanedPhoto
from reporting.photos.cleaning import PhotoLimits
from reporting.photos.cleaning import PhotoRejected
from reporting.photos.cleaning import clean_photo
from reporting.photos.records import save_photo
from reporting.photos.store import PhotoStore

log = logging.getLogger(__name__)

# Retry keys are derived from what they answer, so a retried send can never deliver twice.
RETRY_NAMESPACE = uuid.UUID("5d0c8f2e-7c3b-4f53-9a55-1f0a4d1f6b10")


@dataclass(frozen=True)
class Channel:
    """What handling an event needs besides the database."""

    line: LineClient
    photos: PhotoStore
    city: CityProfile
    queue: procrastinate.App
    settings: talk.Settings = talk.DEFAULT_SETTINGS
    photo_limits: PhotoLimits = PhotoLimits()


def handle_pending(session: Session, channel: Channel, event_id: int, now: datetime) -> int:
    """Handle every unhandled event of this event's resident (or group chat), oldest first;
    return how many.

    A job is deferred for a resident's event unless the resident already has a job waiting
    (line.intake), so a job handles all its resident's pending events, the one it was made for
    included (an earlier job may have handled that one already). LINE may deliver a
    resident's events out of order; they are handled in the order they happened (an event
    whose time was unreadable last). Each is committed on its own.
    """
    found = session.execute(
        select(LineEvent.line_user_id, LineEvent.chat_id).where(LineEvent.id == event_id)
    ).one_or_none()
    if found is None:
        return 0
    line_user_id, chat_id = found
    if line_user_id is None:
        if chat_id is None:
            return 0
        chat_events = session.scalars(
            select(LineEvent.id)
            .where(LineEvent.chat_id == chat_id, LineEvent.processed_at.is_(None))
            .order_by(LineEvent.id)
        ).all()
        for pending_id in chat_events:
            handle_chat_event(session, channel, pending_id, now)
            session.commit()
        return len(chat_events)
    pending = session.scalars(pending_of(line_user_id)).all()
    for pending_id in pending:
        handle_event(session, channel, pending_id, now)
        session.commit()
    return len(pending)


def pending_of(line_user_id: str) -> Select[int]:
    """Select the ids of the resident's unhandled events, oldest first.

    Served by the partial index ix_line_events_pending_by_user.
    """
    return (
        select(LineEvent.id)
        .where(LineEvent.line_user_id == line_user_id, LineEvent.processed_at.is_(None))
        .order_by(LineEvent.event_time, LineEvent.id)
    )


def handle_event(session: Session, channel: Channel, event_id: int, now: datetime) -> None:
    """Handle one event in the session's transaction; the caller commits."""
    # The row lock makes a second worker wait, then see the event handled.
    row = session.get(LineEvent, event_id, with_for_update=True)
    if row is None or row.processed_at is not None or row.line_user_id is None:
        return
    resident = _resident(session, channel, row.line_user_id)
    resident.last_seen_at = row.event_time or now
    chat = _conversation(session, resident)
    state = talk.State(
        step=chat.step,
        draft=chat.draft,
        consent_version=resident.consent_version,
        language=resident.language,
        blocked=resident.blocked,
        blocked_notified=resident.blocked_notified,
        updated_at=chat.updated_at,
    )
    event = translate(row.payload)
    facts, cleaned = _facts(session, channel, state, resident, event)
    outcome = talk.handle(state, event, facts, channel.city, now, channel.settings)
    replies = list(outcome.replies)
    received = row.event_time or now
    replies += _apply(session, channel, outcome, resident, chat, cleaned, now, received)
    chat.step = outcome.state.step
    chat.draft = dict(outcome.state.draft)
    chat.updated_at = outcome.state.updated_at or now
    resident.language = outcome.state.language
    row.processed_at = now
    row.attempts += 1
    row.error = None
    if replies:
        queue_messages(
            session,
            channel.queue,
            line_user_id=row.line_user_id,
            messages=replies,
            retry_key=uuid.uuid5(RETRY_NAMESPACE, row.webhook_event_id),
            reply_token=_reply_token(row.payload),
            event_time=row.event_time,
        )


def handle_chat_event(session: Session, channel: Channel, event_id: int, now: datetime) -> None:
    """A group or room: say once that the account works in one-to-one chats, then nothing.

    No resident is made and nothing of anyone's is shown there. Events of one chat are
    handled one at a time (the job's lock), so "once" holds.
    """
    row = session.get(LineEvent, event_id, with_for_update=True)
    if row is None or row.processed_at is not None or row.chat_id is None:
        return
    told = session.scalar(
        select(LineEvent.id)
        .where(
            LineEvent.chat_id == row.chat_id,
            LineEvent.id != row.id,
            LineEvent.event_type.in_(intake.CHAT_TYPES),
            LineEvent.processed_at.is_not(None),
        )
        .limit(1)
    )
    row.processed_at = now
    row.attempts += 1
    row.error = None
    token = _reply_token(row.payload)
    if told is not None or token is None:
        return
    city = channel.city
    text = "\n\n".join(
        talk_texts.say("group", lang, city=talk_texts.pick((city.name_ja, city.name_en), lang))
        for lang in (talk_texts.JA, talk_texts.EN)
    )
    queue_messages(
        session,
        channel.queue,
        line_user_id=row.chat_id,
        messages=[talk.Reply(text)],
        retry_key=uuid.uuid5(RETRY_NAMESPACE, row.webhook_event_id),
        reply_token=token,
        event_time=row.event_time,
    )


def _reply_token(payload: dict[str, Any]) -> str | None:
    token = payload.get("replyToken")
    return token if isinstance(token, str) and 0 < len(token) <= 256 else None


def _resident(session: Session, channel: Channel, line_user_id: str) -> Resident:
    resident = session.scalar(select(Resident).where(Resident.line_user_id == line_user_id))
    if resident is not None:
        return resident
    resident = Resident(line_user_id=line_user_id, language=_language(channel, line_user_id))
    session.add(resident)
    session.flush()
    return resident


def _language(channel: Channel, line_user_id: str) -> str:
    """English when the LINE profile says so; Japanese otherwise, or when LINE cannot say."""
    try:
        language = channel.line.profile(line_user_id).language or "ja"
    except (LineRefused, LineUnavailable):
        return "ja"
    return "en" if language.lower().startswith("en") else "ja"


def _conversation(session: Session, resident: Resident) -> Conversation:
    chat = session.scalar(select(Conversation).where(Conversation.resident_id == resident.id))
    if chat is None:
        chat = Conversation(resident_id=resident.id, step="idle", draft={})
        session.add(chat)
        session.flush()
    return chat


def _facts(
    session: Session,
    channel: Channel,
    state: talk.State,
    resident: Resident,
    event: talk.Event,
) -> tuple[talk.Facts, CleanedPhoto | None]:
    if state.blocked:
        return talk.Facts(), None
    point = _draft_point(state.draft)
    if isinstance(event, talk.Location):
        point = (event.lon, event.lat)
    nearby = _nearby(session, channel, point) if point else ()
    if isinstance(event, talk.Image):
        facts, cleaned = _photo_fact(channel, event.message_id)
        return replace(facts, nearby=nearby), cleaned
    if isinstance(event, talk.Location):
        place = _place(session, event.lon, event.lat, channel)
        return talk.Facts(place=place, nearby=nearby), None
    if isinstance(event, talk.Text | talk.Postback):
        recent = _recent(session, channel.city, resident.id)
        return talk.Facts(recent_reports=recent, nearby=nearby), None
    return talk.Facts(nearby=nearby), None


def _draft_point(draft: Any) -> tuple[float, float] | None:
    """The draft's point (or the one held near the border), if it has one."""
    if not isinstance(draft, dict):
        return None
    for holder in (draft, draft.get("border_point")):
        if isinstance(holder, dict):
            lon, lat = holder.get("lon"), holder.get("lat")
            if isinstance(lon, int | float) and isinstance(lat, int | float):
                if _finite(lon) and _finite(lat):
                    return float(lon), float(lat)
    return None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _nearby(
    session: Session, channel: Channel, point: tuple[float, float]
) -> tuple[talk.NearbyReport, ...]:
    lon, lat = point
    if abs(lon) > 180 or abs(lat) > 90:
        return ()
    found = reports.open_reports_near(session, lon, lat, channel.settings.same_radius_m)
    return tuple(
        talk.NearbyReport(r.receipt_number, r.category, r.subcategory, r.status) for r in found
    )


def _photo_fact(
    channel: Channel, message_id: str
) -> tuple[talk.Facts, CleanedPhoto | None]:
    try:
        data = channel.line.content(message_id)
        with metrics.PHOTO_CLEAN_SECONDS.time():
            cleaned = clean_photo(data, channel.photo_limits)
    except ContentGone:
        refused = talk.PhotoRefused(
            message_id,
            "写真を受け取れませんでした。もう一度送ってください。",
            "We could not receive the photo. Please send it again.",
        )
        return talk.Facts(photo=refused), None
    except PhotoRejected as exc:
        log.info("photo %s refused: %s", message_id, exc.detail)
        refused = talk.PhotoRefused(message_id, exc.message_ja, exc.message_en)
        return talk.Facts(photo=refused), None
    return talk.Facts(photo=talk.PhotoOk(message_id, cleaned.content_hash)), cleaned


def _place(session: Session, lon: float, lat: float, channel: Channel) -> talk.Place | None:
    try:
        area = wards.locate(session, lon, lat)
    except ValueError:
        return None
    distance = wards.distance_to_service_border(
        session, lon, lat, within_m=channel.settings.border_check_m
    )
    return talk.Place(
        area=area,
        in_service_area=bool(area and area.in_service_area),
        border_distance_m=distance,
        municipality_ja=area.name_ja if area else None,
        municipality_en=area.name_en if area else None,
    )


def _recent(
    session: Session, city: CityProfile, resident_id: int
) -> tuple[talk.ReportSummary, ...]:
    summaries = []
    for report in reports.recent_for_resident(session, resident_id):
        category = city.category(report.category)
        sub = category.subcategory(report.subcategory or "") if category else None
        summaries.append(
            talk.ReportSummary(
                receipt_number=report.receipt_number,
                category_ja=category.ja if category else report.category,
                category_en=category.en if category else report.category,
                status=report.status,
                created_at=report.created_at,
                subcategory_ja=sub.ja if sub else None,
                subcategory_en=sub.en if sub else None,
            )
        )
    return tuple(summaries)


def _apply(
    session: Session,
    channel: Channel,
    outcome: talk.Outcome,
    resident: Resident,
    chat: Conversation,
    cleaned: CleanedPhoto | None,
    now: datetime,
    received: datetime,
) -> list[talk.Reply]:
    """Carry out the conversation's actions; return any replies they add."""
    extra: list[talk.Reply] = []
    for action in outcome.actions:
        match action:
            case talk.RecordConsent(version):
                resident.consent_version = version
                resident.consented_at = now
            case talk.AttachPhoto(message_id, _):
                if cleaned is not None:
                    position = len(outcome.state.draft.get("photos", ()))
                    save_photo(
                        session,
                        channel.photos,
                        cleaned,
                        conversation_id=chat.id,
                        line_message_id=message_id,
                        position=position,
                    )
            case talk.DropPhoto(message_id):
                session.execute(
                    delete(Photo).where(
                        Photo.conversation_id == chat.id, Photo.line_message_id == message_id
                    )
                )
            case talk.DiscardDraft():
                session.execute(delete(Photo).where(Photo.conversation_id == chat.id))
            case talk.CreateReport(draft):
                extra.append(_create_report(session, channel, resident, chat, draft, now, received))
            case talk.JoinReport(receipt):
                reports.add_supporter(session, receipt, resident.id, now)
            case talk.SetFollowed(followed):
                resident.followed = followed
            case talk.NotifyBlocked():
                resident.blocked_notified = True
    return extra


def _create_report(
    session: Session,
    channel: Channel,
    resident: Resident,
    chat: Conversation,
    draft: Any,
    now: datetime,
    received: datetime,
) -> talk.Reply:
    """Create the report; its receipt names the next working day when the office is closed."""
    try:
        report = reports.create_report(
            session,
            category=draft["category"],
            subcategory=draft.get("subcategory"),
            lon=float(draft["lon"]),
            lat=float(draft["lat"]),
            note=draft.get("note"),
            address=draft.get("address"),
            resident_id=resident.id,
            conversation_id=chat.id,
            now=now,
            urgent=draft.get("urgent") is True,
        )
    except reports.OutsideServiceArea:
        session.execute(delete(Photo).where(Photo.conversation_id == chat.id))
        return talk.report_failed_reply(resident.language)
    next_open = channel.city.office_hours.next_opening(received)
    return talk.receipt_reply(report.receipt_number, resident.language, next_open)
