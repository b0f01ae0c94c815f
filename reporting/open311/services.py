"""What Open311 calls services and statuses, in Tsuho's terms: the city's categories, open/closed.

Each subcategory of the city profile is one service, coded ``category.subcategory``
(``road.pothole``), grouped under its category; a category without subcategories is a
service of its own. Names are Japanese, as residents see them on LINE; the description
gives the English names. Tsuho's seven states map to Open311's two, and the finer state
is told in ``status_notes`` in fixed words, never in staff's free text.
"""

from dataclasses import dataclass
from functools import cache

from reporting.city_profile import CityProfile
from reporting.dialogue.texts import JA
from reporting.dialogue.texts import status_word
from reporting.models import REPORT_STATUSES
from reporting.problems import NotFound
from reporting.report_filters import Args
from reporting.report_filters import single
from reporting.triage import CLOSED

# Open311's two states, and Tsuho's states each stands for.
OPEN311_STATUSES = {
    "open": tuple(s for s in REPORT_STATUSES if s not in CLOSED),
    "closed": tuple(s for s in REPORT_STATUSES if s in CLOSED),
}

# The finer state behind open/closed, after its Japanese word as residents see it on LINE.
STATUS_NOTES = {
    "new": "Received, not yet reviewed.",
    "acknowledged": "Checked by the department in charge.",
    "in_progress": "Work has started.",
    "resolved": "Dealt with.",
    "rejected": "Something the city cannot act on.",
    "duplicate": "Handled together with another request about the same place.",
    "referred": "Passed to the road's manager (national or prefectural).",
}


@dataclass(frozen=True)
class Service:
    """One kind of request a client may file and filter by."""

    code: str
    category: str
    subcategory: str | None
    name: str
    description: str
    keywords: str
    group: str
    name_en: str = ""
    group_en: str = ""

    def named(self, lang: str) -> tuple[str, str]:
        """Return the name and group in ``lang`` (``en``; Japanese otherwise)."""
        if lang == "en":
            return self.name_en or self.name, self.group_en or self.group
        return self.name, self.group


@cache
def services(city: CityProfile) -> tuple[Service, ...]:
    """Return the city's services, in the order of its profile (made once per profile)."""
    found: list[Service] = []
    for c in city.categories:
        if not c.subcategories:
            found.append(
                Service(c.code, c.code, None, c.ja, c.en, f"{c.ja}, {c.en}", c.ja, c.en, c.en)
            )
        for s in c.subcategories:
            found.append(
                Service(
                    code=service_code(c.code, s.code),
                    category=c.code,
                    subcategory=s.code,
                    name=s.ja,
                    description=f"{c.en}: {s.en}",
                    keywords=f"{c.ja}, {c.en}, {s.en}",
                    group=c.ja,
                    name_en=s.en,
                    group_en=c.en,
                )
            )
    return tuple(found)


def check_jurisdiction(args: Args, city: CityProfile) -> None:
    """Accept no ``jurisdiction_id``, or the city's own; the endpoint serves one city."""
    given = single(args, "jurisdiction_id")
    if given and given != city.jurisdiction_id:
        raise NotFound(
            f"jurisdiction_id {given!r} is not served here; this endpoint serves "
            f"{city.jurisdiction_id!r} only"
        )


def service_code(category: str, subcategory: str | None) -> str:
    """Return the service code of a report's category and subcategory."""
    return f"{category}.{subcategory}" if subcategory else category


def find_service(city: CityProfile, code: str) -> Service | None:
    """Return the service with this code, if the city offers it."""
    return next((s for s in services(city) if s.code == code), None)


def service_name(
    city: CityProfile, category: str, subcategory: str | None, lang: str = "ja"
) -> str:
    """Return a report's service name; a code the profile no longer has is shown as it is."""
    found = find_service(city, service_code(category, subcategory))
    return found.named(lang)[0] if found else service_code(category, subcategory)


def language(requested: str | None) -> str:
    """Read the common extension ``lang`` (``en``, ``en-US``...): English or Japanese."""
    return "en" if requested and requested.lower().startswith("en") else "ja"


def open311_status(status: str) -> str:
    """Return ``open`` or ``closed`` for one of Tsuho's states."""
    return "closed" if status in CLOSED else "open"


def status_notes(status: str) -> str:
    """Return the finer state in fixed words: ``対応中 / Work has started.``"""
    return f"{status_word(status, JA)} / {STATUS_NOTES.get(status, status)}"
