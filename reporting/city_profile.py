"""City profiles: which areas a city serves and how it talks to residents."""

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporting.office_hours import OfficeHours
from reporting.office_hours import parse_office_hours

PROFILE_DIR = Path(__file__).with_name("city_profiles")


# LINE quick replies hold at most 13 items (one is kept for "back") of at most 20 characters.
MAX_CHOICES = 12
MAX_LABEL = 20
# The residents' list of kinds keeps three buttons for "other", "back" and "danger".
MAX_COMMON_KINDS = 10


class UnknownCity(LookupError):
    """No profile has this name and no such profile file exists."""


class InvalidProfile(ValueError):
    """A profile cannot be shown to residents as written; the message says what to change."""


@dataclass(frozen=True)
class Subcategory:
    code: str
    ja: str
    en: str
    # Offered in the residents' one list of kinds; the rest are under 「その他」.
    common: bool = False
    # Words in a resident's message that suggest this kind (shown, never applied silently).
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    code: str
    ja: str
    en: str
    subcategories: tuple[Subcategory, ...]

    def subcategory(self, code: str) -> Subcategory | None:
        """Return the subcategory with this code, if the category has it."""
        return next((s for s in self.subcategories if s.code == code), None)


@dataclass(frozen=True)
class Kind:
    """A kind of damage as residents choose it: a category and one of its subcategories."""

    category: Category
    subcategory: Subcategory

    @property
    def code(self) -> str:
        return f"{self.category.code}.{self.subcategory.code}"


@dataclass(frozen=True)
class Terms:
    version: str
    ja: str
    en: str


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept (APPI: no longer than its purpose needs)."""

    # Photos of a report closed (resolved, rejected, duplicate, referred) this long ago go.
    closed_report_photos_years: int = 5
    # A resident silent this long has their LINE user ID replaced by a tombstone.
    inactive_resident_years: int = 3
    # Handled webhook events (message text, LINE IDs) are kept this long, for operators.
    handled_line_events_days: int = 90

    def __post_init__(self) -> None:
        if min(self.closed_report_photos_years, self.inactive_resident_years) < 1:
            raise InvalidProfile("retention periods are whole years, at least 1")
        if self.handled_line_events_days < 1:
            raise InvalidProfile("handled_line_events_days must be at least 1")


@dataclass(frozen=True)
class PublicSite:
    """The public site: whether it is served, and the licence of the data it publishes."""

    enabled: bool = True
    licence: str = "CC BY 4.0"
    licence_url: str = "https://creativecommons.org/licenses/by/4.0/deed.ja"
    # Who to credit; empty means "<city name> 道路・公園損傷通報".
    attribution: str = ""


@dataclass(frozen=True)
class CityProfile:
    key: str
    name_ja: str
    name_en: str
    service_area: frozenset[str]
    neighbours: tuple[str, ...]
    emergency_phone: str
    notify_status_changes: bool
    map_center: tuple[float, float]
    terms: Terms
    categories: tuple[Category, ...]
    # Serve anonymised exports (no notes, no hidden reports) to anyone, without a token.
    public_exports: bool = False
    # Open311's name for the city: its website's domain (city.okayama.jp), as the spec suggests.
    jurisdiction_id: str = ""
    # The city's general enquiries number (the emergency line is for dangers only).
    contact_phone: str = ""
    office_hours: OfficeHours = OfficeHours()
    # A report still open this many days after it came in is overdue (the stats count them).
    overdue_days: int = 14
    retention: Retention = Retention()
    public: PublicSite = PublicSite()
    # Open311 GET requests are keyless (the spec's public view) unless this is set.
    open311_requires_key: bool = False
    # EPSG codes of the plane rectangular zones (JGD2011) covering the city, for the OGC API.
    plane_rectangular_zones: tuple[int, ...] = ()

    @property
    def attribution(self) -> str:
        """The credit open data users give: the profile's, or the city's name and the service."""
        return self.public.attribution or f"{self.name_ja} 道路・公園損傷通報"

    @property
    def area_codes(self) -> tuple[str, ...]:
        """Every area to load: the service area first, then the neighbours used for naming."""
        return tuple(sorted(self.service_area)) + self.neighbours

    def category(self, code: str) -> Category | None:
        """Return the category with this code, if the city has it."""
        return next((c for c in self.categories if c.code == code), None)

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """Every kind, the common ones first, each in the profile's order."""
        every = [Kind(c, s) for c in self.categories for s in c.subcategories]
        return tuple(k for k in every if k.subcategory.common) + tuple(
            k for k in every if not k.subcategory.common
        )

    def kind(self, code: str) -> Kind | None:
        """Return the kind coded ``category.subcategory``, if the city has it."""
        return next((k for k in self.kinds if k.code == code), None)


def _categories(raw: list[dict[str, Any]]) -> tuple[Category, ...]:
    categories = tuple(
        Category(
            code=c["code"],
            ja=c["ja"],
            en=c["en"],
            subcategories=tuple(
                Subcategory(**{**s, "words": tuple(s.get("words", ()))})
                for s in c["subcategories"]
            ),
        )
        for c in raw
    )
    if any(not c.subcategories for c in categories):
        raise InvalidProfile("every category needs subcategories (residents choose a kind)")
    common = [s for c in categories for s in c.subcategories if s.common]
    others = [(c, s) for c in categories for s in c.subcategories if not s.common]
    if len(common) > MAX_COMMON_KINDS or len(others) > MAX_CHOICES:
        raise InvalidProfile(
            f"at most {MAX_COMMON_KINDS} common kinds and {MAX_CHOICES} others, "
            f"not {len(common)} and {len(others)}"
        )
    for c, s in others:
        if max(len(f"{c.ja}：{s.ja}"), len(f"{c.en}: {s.en}")) > MAX_LABEL:
            raise InvalidProfile(f"{c.code}.{s.code} is not common: '{c.en}: {s.en}' is too long")
    menus: list[Sequence[Category | Subcategory]] = [categories]
    menus += [c.subcategories for c in categories]
    for choices in menus:
        if len(choices) > MAX_CHOICES:
            raise InvalidProfile(f"at most {MAX_CHOICES} choices per menu, not {len(choices)}")
        for choice in choices:
            if max(len(choice.ja), len(choice.en)) > MAX_LABEL:
                raise InvalidProfile(f"label of {choice.code!r} is over {MAX_LABEL} characters")
    return categories


def load_profile(name: str) -> CityProfile:
    """Load a bundled profile by name (``okayama``) or a profile file by path."""
    path = Path(name) if name.endswith(".toml") else PROFILE_DIR / f"{name}.toml"
    if not path.is_file() or path.name.startswith("_"):
        bundled = sorted(p.stem for p in PROFILE_DIR.glob("[!_]*.toml"))
        raise UnknownCity(f"unknown city profile {name!r}; bundled: {', '.join(bundled)}")
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    if "categories" not in raw:
        raw["categories"] = tomllib.loads(
            (PROFILE_DIR / "_categories.toml").read_text(encoding="utf-8")
        )["categories"]
    lon, lat = raw["map_center"]
    return CityProfile(
        key=path.stem,
        name_ja=raw["name_ja"],
        name_en=raw["name_en"],
        service_area=frozenset(raw["service_area"]),
        neighbours=tuple(raw.get("neighbours", ())),
        emergency_phone=raw["emergency_phone"],
        notify_status_changes=bool(raw.get("notify_status_changes", True)),
        map_center=(float(lon), float(lat)),
        terms=Terms(**raw["terms"]),
        categories=_categories(raw["categories"]),
        public_exports=bool(raw.get("public_exports", False)),
        jurisdiction_id=str(raw.get("jurisdiction_id", path.stem)),
        contact_phone=str(raw.get("contact_phone", raw["emergency_phone"])),
        office_hours=_office_hours(raw.get("office_hours", {})),
        overdue_days=_overdue_days(raw.get("overdue_days", 14)),
        retention=_retention(raw.get("retention", {})),
        public=_public(raw.get("public", {})),
        open311_requires_key=bool(raw.get("open311_requires_key", False)),
        plane_rectangular_zones=_zones(raw.get("plane_rectangular_zones", [])),
    )


def _zones(value: Any) -> tuple[int, ...]:
    """JGD2011's plane rectangular zones are EPSG:6669..6687 (zones I..XIX)."""
    if not isinstance(value, list) or not all(
        type(code) is int and 6669 <= code <= 6687 for code in value
    ):
        raise InvalidProfile(
            f"plane_rectangular_zones lists EPSG codes 6669..6687 (JGD2011 zones), not {value!r}"
        )
    return tuple(value)


def _office_hours(raw: dict[str, Any]) -> OfficeHours:
    try:
        return parse_office_hours(raw)
    except ValueError as exc:
        raise InvalidProfile(str(exc)) from None


def _overdue_days(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise InvalidProfile(f"overdue_days must be a whole number of days, not {value!r}")
    return value


def _retention(raw: dict[str, Any]) -> Retention:
    known = set(Retention.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise InvalidProfile(f"unknown retention settings: {', '.join(sorted(unknown))}")
    if not all(type(value) is int for value in raw.values()):
        raise InvalidProfile("retention settings are whole numbers")
    return Retention(**raw)


def _public(raw: dict[str, Any]) -> PublicSite:
    known = set(PublicSite.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise InvalidProfile(f"unknown [public] settings: {', '.join(sorted(unknown))}")
    if type(raw.get("enabled", True)) is not bool:
        raise InvalidProfile("[public] enabled is true or false")
    if not all(type(raw[k]) is str for k in known - {"enabled"} if k in raw):
        raise InvalidProfile("[public] licence, licence_url and attribution are strings")
    return PublicSite(**raw)
