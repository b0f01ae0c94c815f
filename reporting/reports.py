"""Creating reports, residents joining open ones, and reading a resident's recent ones."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from geoalchemy2 import Geography
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from gis import wards
from gis.schema import SRID
from reporting.models import RECEIPT_SEQUENCE
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from reporting.models import ReportSupporter
from reporting.triage import CLOSED


class OutsideServiceArea(ValueError):
    """The point is not in the city's service area (any more): no report is made."""

    def __init__(self, area: wards.AreaRef | None) -> None:
        super().__init__(f"outside the service area ({area.code if area else 'no area'})")
        self.area = area


def receipt_number(session: Session, now: datetime) -> str:
    """Return a fresh receipt number such as ``2611-00042``: month, then a counter."""
    serial = session.execute(RECEIPT_SEQUENCE.next_value()).scalar_one()
    return f"{now:%y%m}-{serial:05d}"


def create_report(
    session: Session,
    *,
    category: str,
    subcategory: str | None,
    lon: float,
    lat: float,
    now: datetime,
    note: str | None = None,
    address: str | None = None,
    resident_id: int | None = None,
    conversation_id: int | None = None,
    source: str = "line",
    event_data: Mapping[str, Any] | None = None,
    urgent: bool = False,
) -> Report:
    """Add a report at a point inside the service area; the caller commits.

    The area is checked again here, whatever the conversation saw, so a report never lands
    outside the city. Photos of the resident's draft move to the report. ``event_data`` is
    kept on the report's "created" audit event (which Open311 app sent it, for example).
    """
    area = wards.locate(session, lon, lat)
    if area is None or not area.in_service_area:
        raise OutsideServiceArea(area)
    report = Report(
        receipt_number=receipt_number(session, now),
        category=category,
        subcategory=subcategory,
        location=from_shape(Point(lon, lat), srid=SRID),
        area_code=area.code,
        address=address,
        note=note or None,
        resident_id=resident_id,
        source=source,
        urgent=urgent,
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    session.flush()
    if conversation_id is not None:
        session.execute(
            update(Photo)
            .where(Photo.conversation_id == conversation_id)
            .values(report_id=report.id, conversation_id=None)
        )
    session.add(
        ReportEvent(
            report_id=report.id,
            actor_kind="resident" if resident_id else source,
            action="created",
            to_status="new",
            data=dict(event_data or {}),
            created_at=now,
        )
    )
    return report


def open_reports_near(
    session: Session, lon: float, lat: float, radius_m: float, limit: int = 5
) -> list[Report]:
    """Return open, visible reports within ``radius_m`` of the point, nearest first."""
    here = cast(func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID), Geography)
    there = cast(Report.location, Geography)
    return list(
        session.scalars(
            select(Report)
            .where(
                Report.status.not_in(CLOSED),
                Report.hidden.is_(False),
                func.ST_DWithin(there, here, radius_m),
            )
            .order_by(func.ST_Distance(there, here), Report.id)
            .limit(limit)
        )
    )


def add_supporter(session: Session, receipt: str, resident_id: int, now: datetime) -> bool:
    """Add a resident to an open report as someone who saw the same damage; return whether
    they were added (not already there, not its own reporter). The caller commits."""
    report = session.scalar(select(Report).where(Report.receipt_number == receipt))
    if report is None or report.resident_id == resident_id:
        return False
    added = session.execute(
        insert(ReportSupporter)
        .values(report_id=report.id, resident_id=resident_id, created_at=now)
        .on_conflict_do_nothing()
        .returning(ReportSupporter.report_id)
    ).first()
    if added is None:
        return False
    session.add(
        ReportEvent(report_id=report.id, actor_kind="resident", action="supported", created_at=now)
    )
    return True


def supporter_count(session: Session, report_id: int) -> int:
    """How many residents said they saw the same damage as this report."""
    count = session.scalar(
        select(func.count()).select_from(ReportSupporter).where(
            ReportSupporter.report_id == report_id
        )
    )
    return int(count or 0)


def recent_for_resident(session: Session, resident_id: int, limit: int = 5) -> list[Report]:
    """Return the resident's latest reports, newest first."""
    return list(
        session.scalars(
            select(Report)
            .where(Report.resident_id == resident_id)
            .order_by(Report.created_at.desc())
            .limit(limit)
        )
    )


def draft_point(draft: Mapping[str, Any]) -> tuple[float, float]:
    """Return the (lon, lat) a conversation's draft holds."""
    return float(draft["lon"]), float(draft["lat"])
