"""Open311's POST requests: another app files a report, checked as a resident's is on LINE.

The app sends its ``api_key`` (an ``open311`` token), a service code and a point. The point
must lie in the service area; a refusal names the municipality it is in, in the words LINE
uses. The report is made by reports.create_report, with source ``open311`` and no resident.

- ``description`` (at most 4,000 characters, the spec's limit) becomes the report's note:
  staff read it; the public never does (open311_queries).
- ``media_url`` is never fetched: a server that fetches whatever URL a client names can be
  made to call addresses inside the city's network. It is kept on the report's audit trail,
  for staff to open if they choose. A photo may be sent instead as ``media``, a file in a
  multipart form: it is cleaned like a LINE photo, or the request is refused.
- The submitter's personal fields (``email``, names, ``phone``, device and account ids) are
  accepted and dropped: the city answers no one individually and keeps no data it does not need.
- ``address_string`` is kept as the report's address; ``address_id`` is accepted and ignored,
  as the city has no address register to look it up in: ``lat`` and ``long`` are required.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from gis import wards
from reporting import access
from reporting.city_profile import CityProfile
from reporting.dialogue.place import outside_words
from reporting.dialogue.texts import EN
from reporting.dialogue.texts import JA
from reporting.dialogue.texts import pick
from reporting.dialogue.texts import say
from reporting.dialogue.values import DEFAULT_SETTINGS
from reporting.models import Report
from reporting.open311.services import Service
from reporting.open311.services import check_jurisdiction
from reporting.open311.services import find_service
from reporting.photos.cleaning import CleanedPhoto
from reporting.photos.cleaning import PhotoRejected
from reporting.photos.cleaning import clean_photo
from reporting.photos.records import save_photo
from reporting.photos.store import PhotoStore
from reporting.problems import BadParameter
from reporting.problems import BadRequest
from reporting.problems import NotFound
from reporting.report_filters import Args
from reporting.report_filters import check_known
from reporting.report_filters import single
from reporting.reports import OutsideServiceArea
from reporting.reports import create_report

SOURCE = "open311"
PERSONAL = ("email", "device_id", "account_id", "first_name", "last_name", "phone")
POST_PARAMETERS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "media_url",
    *PERSONAL,
)
MAX_DESCRIPTION = 4000
MAX_ADDRESS = 300  # reports.address
MAX_URL = 2000

# Text a report may hold: no control characters but tab and line breaks, no lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")

NOTICE = (
    "{city}は通報に個別の回答をしません。対応状況はこの受付番号で確認できます。",
    "{city} does not answer reports individually; follow this one by its request id.",
)


@dataclass(frozen=True)
class NewRequest:
    """A request as the app sent it, checked."""

    service: Service
    lon: float
    lat: float
    description: str | None = None
    address: str | None = None
    media_url: str | None = None


def submit(
    session: Session,
    city: CityProfile,
    fields: Args,
    media: bytes | None,
    *,
    store: PhotoStore,
    now: datetime,
) -> Report:
    """Check the key, the fields and the photo, then file the report; the caller commits."""
    client = access.open311_client(session, single(fields, "api_key"), now)
    check_known(fields, POST_PARAMETERS)
    check_jurisdiction(fields, city)
    new = parse_new_request(fields, city)
    photo = _cleaned(media) if media is not None else None
    return file_request(session, city, new, client=client, photo=photo, store=store, now=now)


def parse_new_request(fields: Args, city: CityProfile) -> NewRequest:
    """Read the fields of POST requests; personal fields are read past, never kept."""
    code = single(fields, "service_code")
    if not code:
        raise BadParameter("service_code", "required: one of the codes of services.json")
    service = find_service(city, code)
    if service is None:
        raise NotFound(f"service_code {code!r} is not offered: see services.json")
    lat, lon = _number(fields, "lat"), _number(fields, "long")
    try:
        wards.check_lon_lat(lon, lat)
    except ValueError as exc:
        raise BadRequest(f"lat/long: {exc}") from None
    return NewRequest(
        service=service,
        lon=lon,
        lat=lat,
        description=_text(fields, "description", MAX_DESCRIPTION),
        address=_text(fields, "address_string", MAX_ADDRESS),
        media_url=_url(fields, "media_url"),
    )


def file_request(
    session: Session,
    city: CityProfile,
    new: NewRequest,
    *,
    client: str,
    photo: CleanedPhoto | None,
    store: PhotoStore,
    now: datetime,
) -> Report:
    """Make the report at its point, or refuse a point outside the city; the caller commits."""
    trail: dict[str, Any] = {"client": client}
    if new.media_url:
        trail["media_url"] = new.media_url
    try:
        report = create_report(
            session,
            category=new.service.category,
            subcategory=new.service.subcategory,
            lon=new.lon,
            lat=new.lat,
            now=now,
            note=new.description,
            address=new.address,
            source=SOURCE,
            event_data=trail,
        )
    except OutsideServiceArea as outside:
        raise BadRequest(outside_message(session, city, outside.area, new.lon, new.lat)) from None
    if photo is not None:
        save_photo(session, store, photo, report_id=report.id)
    return report


def outside_message(
    session: Session, city: CityProfile, area: wards.AreaRef | None, lon: float, lat: float
) -> str:
    """Say, in Japanese then English, what LINE says of a point outside the service area."""
    within = DEFAULT_SETTINGS.border_check_m
    near = wards.distance_to_service_border(session, lon, lat, within_m=within) is not None
    names = (area.name_ja, area.name_en) if area else ("", "")
    return "\n".join(" ".join(outside_words(city, lang, names, near=near)) for lang in (JA, EN))


def service_notice(city: CityProfile) -> str:
    """Return what the app may tell its user once the request is filed, in ja then en."""
    return "\n".join(
        pick(NOTICE, lang).format(city=_city(city, lang))
        + " "
        + say("emergency", lang, city=_city(city, lang), phone=city.emergency_phone)
        for lang in (JA, EN)
    )


def _city(city: CityProfile, lang: str) -> str:
    return pick((city.name_ja, city.name_en), lang)


def _cleaned(media: bytes) -> CleanedPhoto:
    try:
        return clean_photo(media)
    except PhotoRejected as rejected:
        raise BadParameter("media", f"{rejected.message_ja}\n{rejected.message_en}") from None


def _number(fields: Args, name: str) -> float:
    text = (single(fields, name) or "").strip()
    if not text:
        raise BadParameter(
            name,
            "lat and long are required: this city places a request by its point, "
            "not by address_string or address_id",
        )
    if not _NUMBER.fullmatch(text):
        raise BadParameter(name, "must be a decimal number of degrees (WGS 84)")
    return float(text)


def _text(fields: Args, name: str, limit: int) -> str | None:
    text = (single(fields, name) or "").strip()
    if len(text) > limit:
        raise BadParameter(name, f"at most {limit} characters, not {len(text)}")
    if _CONTROL.search(text):
        raise BadParameter(name, "control characters are not allowed (line breaks and tabs are)")
    return text or None


def _url(fields: Args, name: str) -> str | None:
    url = _text(fields, name, MAX_URL)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", url):
        raise BadParameter(name, "must be an http or https URL")
    return url
