"""The staff list's filters, sort and page as URL parameters: read into a query, written back.

Parameters: ``status`` (repeated or comma-separated; ``open`` stands for received,
acknowledged and in progress), ``category``, ``ward``, ``from`` and ``to`` (dates of
receipt), ``receipt``, ``urgent=1``, ``hidden=1`` (the hidden reports instead of the shown
ones), ``sort``, ``dir`` and ``page``. Every link from the list (a report, previous and next,
back to the list, the forms on a report's page) carries them, so a filter is never lost.
"""

from collections.abc import Collection
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from werkzeug.datastructures import MultiDict

from reporting import glossary
from reporting.models import REPORT_STATUSES
from reporting.report_filters import ReportFilter
from reporting.report_filters import choices
from reporting.report_filters import parse_report_filter
from reporting.web import inputs

OPEN = "open"
SORTS = ("created", "updated", "status", "ward", "category", "priority")


@dataclass(frozen=True)
class ListQuery:
    """One page of the staff list: the filter, a receipt number, the order and the page."""

    report_filter: ReportFilter = ReportFilter()
    # The status parameter as given (``open`` kept as it is), to write back into links.
    status_args: tuple[str, ...] = ()
    receipt: str | None = None
    hidden: bool = False
    sort: str = "created"
    descending: bool = True
    page: int = 1
    dates: tuple[str, str] = ("", "")
    urgent_only: bool = False

    def args(self, *, page: bool = True) -> dict[str, Any]:
        """Return the URL parameters that ask for this query again (defaults left out)."""
        f = self.report_filter
        found: dict[str, Any] = {}
        if self.status_args:
            found["status"] = list(self.status_args)
        for name, values in (("category", f.categories), ("ward", f.wards)):
            if values:
                found[name] = ",".join(values)
        for name, value in zip(("from", "to"), self.dates, strict=True):
            if value:
                found[name] = value
        if self.receipt:
            found["receipt"] = self.receipt
        if self.urgent_only:
            found["urgent"] = "1"
        if self.hidden:
            found["hidden"] = "1"
        if self.sort != "created":
            found["sort"] = self.sort
        if not self.descending:
            found["dir"] = "asc"
        if page and self.page > 1:
            found["page"] = str(self.page)
        return found

    def with_statuses(self, *statuses: str) -> dict[str, Any]:
        """Return this query's parameters with other statuses, on its first page."""
        return replace(self, status_args=statuses, hidden=False, page=1).args()

    def shown_statuses(self) -> frozenset[str]:
        """The statuses the filter lets through (all when it names none)."""
        return frozenset(self.report_filter.statuses or REPORT_STATUSES)


def statuses(values: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the statuses asked for, with ``open`` expanded, and the values as given."""
    given = choices({"status": list(values)}, "status", (OPEN, *REPORT_STATUSES))
    expanded: list[str] = []
    for value in given:
        for status in glossary.OPEN_STATUSES if value == OPEN else (value,):
            if status not in expanded:
                expanded.append(status)
    return tuple(expanded), given


def parse_list_query(
    args: MultiDict[str, str], *, categories: Collection[str], wards: Collection[str]
) -> ListQuery:
    """Read the list's parameters; a value that names nothing raises BadParameter."""
    expanded, given = statuses([v for v in args.getlist("status") if v])
    start, end = args.get("from", "").strip(), args.get("to", "").strip()
    raw: dict[str, list[str]] = {
        name: [args[name]] for name in ("category", "ward") if args.get(name)
    }
    if start or end:
        raw["datetime"] = [f"{start or '..'}/{end or '..'}"]
    report_filter = parse_report_filter(raw, categories=categories, wards=wards)
    sort = args.get("sort", "created")
    page = args.get("page", "1")
    return ListQuery(
        replace(report_filter, statuses=expanded),
        status_args=given,
        receipt=args.get("receipt", "").strip() or None,
        hidden=args.get("hidden") == "1",
        sort=sort if sort in SORTS else "created",
        descending=args.get("dir", "desc") != "asc",
        page=_page(page),
        dates=(start, end),
        urgent_only=args.get("urgent") == "1",
    )



def _page(text: str) -> int:
    """A page number; anything else (a word, ``²``, a number past any list) is the first page."""
    try:
        return inputs.whole_number(text, minimum=1, maximum=99_999)
    except inputs.InvalidInput:
        return 1
