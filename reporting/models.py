"""The domain's tables: residents, conversations, reports, photos, audit, staff, LINE events."""

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from geoalchemy2 import WKBElement
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import Sequence
from sqlalchemy import SmallInteger
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import func
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from gis.schema import SRID
from gis.schema import Area
from gis.schema import Base

__all__ = [
    "ApiToken",
    "Area",
    "Base",
    "Conversation",
    "LineEvent",
    "Photo",
    "Report",
    "ReportEvent",
    "Resident",
    "StaffAudit",
    "StaffUser",
    "JobFailure",
    "RetentionRun",
    "REPORT_SOURCES",
    "REPORT_STATUSES",
    "STAFF_ROLES",
    "TOKEN_SCOPES",
    "PHOTO_KINDS",
]

# new → acknowledged → in_progress → resolved; or rejected, duplicate, referred.
REPORT_STATUSES = (
    "new",
    "acknowledged",
    "in_progress",
    "resolved",
    "rejected",
    "duplicate",
    "referred",
)
STAFF_ROLES = ("viewer", "staff", "admin")
# What an API token may do: ``read`` reports (analysts' exports, OGC API) or file them through
# Open311 (``open311``, a partner app's api_key). Neither can do the other's job.
TOKEN_SCOPES = ("read", "open311")
# Where a report came from: the LINE conversation, a partner app through Open311, or the
# public site's web form (residents without LINE).
REPORT_SOURCES = ("line", "open311", "web")
# Whose photo: the resident's, or the one staff took after the repair (sent to the resident).
PHOTO_KINDS = ("resident", "after_repair")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def _updated() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


class Resident(Base):
    """A LINE user who talks to the city's account; the LINE ID never leaves the staff side."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consented_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    language: Mapped[str] = mapped_column(String(8), default="ja", server_default="ja")
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    blocked_reason: Mapped[str | None] = mapped_column(String(200))
    # A blocked resident is told once; later messages get no answer.
    blocked_notified: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    followed: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # When the resident last wrote to the city; retention forgets the LINE ID of the long quiet.
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Conversation(Base):
    """Where a resident is in the reporting dialogue, and the report drafted so far."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), unique=True
    )
    step: Mapped[str] = mapped_column(String(32), default="idle", server_default="idle")
    draft: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    updated_at: Mapped[datetime] = _updated()


# Receipt numbers come from this sequence: short, never reused, safe under concurrency.
RECEIPT_SEQUENCE = Sequence("report_receipt_seq", metadata=Base.metadata)


class Report(Base):
    """One damage report: what, where, its state in triage, and who sent it."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(_in("status", REPORT_STATUSES), name="status"),
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority"),
        CheckConstraint(_in("source", REPORT_SOURCES), name="source"),
        CheckConstraint(
            "(status = 'duplicate') = (duplicate_of_id IS NOT NULL)", name="duplicate_of"
        ),
        Index("ix_reports_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_number: Mapped[str] = mapped_column(String(20), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    subcategory: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=True, nullable=False)
    )
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="line", server_default="line")
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    hidden_reason: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    # The resident called it a danger (危険・緊急) and sent it anyway: staff see it first.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    updated_at: Mapped[datetime] = _updated()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the report first left "new": the city's first response, for the stats.
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the city says about the report on the public site: written by staff, separate from
    # internal notes; each change is a "public_answer" event, which is its history.
    public_answer: Mapped[str | None] = mapped_column(Text)
    # A web report's private status link: only the SHA-256 of its token is kept.
    status_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class ReportSupporter(Base):
    """A resident who said an open report is the same damage they saw: told of its changes."""

    __tablename__ = "report_supporters"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = _created()


class Photo(Base):
    """A cleaned photo, attached to a report or, while the resident is still reporting, a draft."""

    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint(
            "report_id IS NOT NULL OR conversation_id IS NOT NULL", name="attached"
        ),
        CheckConstraint(_in("kind", PHOTO_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200), index=True)
    thumbnail_key: Mapped[str] = mapped_column(String(200), index=True)
    line_message_id: Mapped[str | None] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="resident", server_default="resident")
    # A resident's photo staff checked (faces, plates, houses) and ticked 「公開可」: the public
    # site shows it. After-repair photos are the city's own and always shown with the report.
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = _created()


class ReportEvent(Base):
    """The audit trail: who did what to a report, and when."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    actor_kind: Mapped[str] = mapped_column(String(16))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class StaffUser(Base):
    """A city employee who logs in to the dashboard."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(_in("role", STAFF_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="viewer", server_default="viewer")
    department: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # Failed logins in a row, from any address; shown to admins (throttling is per address).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The latest moment until which some address is kept waiting before trying this account.
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Every session cookie carries the value it was signed in with; raising it (logout,
    # password, role, disable, enable) ends every session of the account at its next request.
    session_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = _created()


class LoginThrottle(Base):
    """Failed logins from one client address, for one login or (login "") for any.

    Throttling by address and account, not by account alone, so a stranger's guesses slow the
    stranger down and never keep the account's owner out.
    """

    __tablename__ = "login_throttles"

    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class LineEvent(Base):
    """A webhook event from LINE, recorded once before it is handled."""

    __tablename__ = "line_events"
    __table_args__ = (
        Index(
            "ix_line_events_unprocessed",
            "received_at",
            postgresql_where=text("processed_at IS NULL"),
        ),
        Index("ix_line_events_chat_id", "chat_id", postgresql_where=text("chat_id IS NOT NULL")),
        # The worker's "earlier unhandled events of this resident" (line.handler.handle_pending).
        Index(
            "ix_line_events_pending_by_user",
            "line_user_id",
            "event_time",
            postgresql_where=text("processed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    line_user_id: Mapped[str | None] = mapped_column(String(64))
    # A group or room chat the event came from (then line_user_id is None: no resident).
    chat_id: Mapped[str | None] = mapped_column(String(64))
    event_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    redelivery: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = _created()
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    # The event as LINE sent it (ASCII-escaped JSON) when the payload column could not hold a
    # value of it (NaN, a lone surrogate, NUL), which the payload then holds as null or U+FFFD.
    raw: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """An API token: only its SHA-256 hash is kept, found by its visible prefix."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(_in("scope", TOKEN_SCOPES), name="scope"),
        # A name labels one live token; a revoked token keeps its name for the record.
        Index(
            "ix_api_tokens_live_name",
            "name",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16), default="read", server_default="read")
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffAudit(Base):
    """The staff-account audit trail: who created, changed, locked or unlocked which account."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None when the system acted (a lock after failed logins) or a command-line operator did.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class JobFailure(Base):
    """A background job's failed attempt, with its error, for the operations page."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # procrastinate's job id; no foreign key, so pruning old jobs keeps their history.
    job_id: Mapped[int] = mapped_column(BigInteger, index=True)
    task_name: Mapped[str] = mapped_column(String(128))
    attempt: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class RetentionRun(Base):
    """The audit line of one retention run: the policy applied and what it removed."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # "command" (an operator's flask retention run) or "schedule" (the periodic job).
    trigger: Mapped[str] = mapped_column(String(16))
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB)
    removed: Mapped[dict[str, Any]] = mapped_column(JSONB)
