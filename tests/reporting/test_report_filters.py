"""Query parameters into a report filter; a wrong one is named, with what would be right."""

from datetime import datetime
from datetime import timedelta

import pytest

from gis.bbox import Bbox
from reporting.problems import BadParameter
from reporting.report_filters import JST
from reporting.report_filters import ReportFilter
from reporting.report_filters import check_known
from reporting.report_filters import parse_report_filter

CATEGORIES = ("road", "park")
WARDS = ("33100", "33101", "33102")


def parse(**args: str | list[str]) -> ReportFilter:
    lists = {k: v if isinstance(v, list) else [v] for k, v in args.items()}
    return parse_report_filter(lists, categories=CATEGORIES, wards=WARDS)


def refused(**args: str | list[str]) -> BadParameter:
    with pytest.raises(BadParameter) as caught:
        parse(**args)
    return caught.value


def test_nothing_given_filters_nothing() -> None:
    assert parse() == ReportFilter()


def test_bbox() -> None:
    assert parse(bbox="133.9,34.6,134.0,34.7").bbox == Bbox(133.9, 34.6, 134.0, 34.7)
    assert parse(bbox="133.9,34.6,0,134.0,34.7,100").bbox == Bbox(133.9, 34.6, 134.0, 34.7)
    # Across the antimeridian: west is greater than east.
    assert parse(bbox="170,-20,-170,-10").bbox == Bbox(170, -20, -170, -10)


@pytest.mark.parametrize(
    "text, words",
    [
        ("1,2,3", "four numbers"),
        ("a,b,c,d", "number"),
        ("nan,1,2,3", "finite"),
        ("34.6,133.9,34.7,134.0", "latitudes"),
        ("190,1,191,2", "longitudes"),
        ("133.9,34.7,134.0,34.6", "south is greater than north"),
    ],
)
def test_bad_bbox(text: str, words: str) -> None:
    problem = refused(bbox=text)
    assert problem.parameter == "bbox"
    assert words in problem.detail
    assert problem.document()["parameter"] == "bbox"
    assert problem.document()["status"] == 400


def test_datetime_instant_interval_and_open_ends() -> None:
    moment = datetime(2026, 11, 23, 9, 0, tzinfo=JST)
    assert _span(parse(datetime="2026-11-23T09:00:00+09:00")) == (moment, moment)
    assert _span(parse(datetime="2026-11-23T00:00:00Z")) == (moment, moment)
    assert _span(parse(datetime="2026-11-23T09:00")) == (moment, moment)  # Japan time
    assert _span(parse(datetime="2026-11-23T09:00:00+09:00/..")) == (moment, None)
    assert _span(parse(datetime="../2026-11-23T09:00:00+09:00")) == (None, moment)
    assert _span(parse(datetime="/2026-11-23T09:00:00+09:00")) == (None, moment)
    # RFC 3339 allows lower-case t and z.
    assert _span(parse(datetime="2026-11-23t00:00:00z")) == (moment, moment)


def test_an_interval_needs_one_end() -> None:
    for text in ("../..", "/", "../", "/.."):
        assert "at least one end" in refused(datetime=text).detail


def test_open_is_the_three_open_statuses() -> None:
    assert parse(status="open").statuses == ("new", "acknowledged", "in_progress")
    assert parse(status="open,resolved,new").statuses == (
        "new",
        "acknowledged",
        "in_progress",
        "resolved",
    )


def test_a_date_is_its_whole_day_in_japan() -> None:
    start = datetime(2026, 11, 1, tzinfo=JST)
    end = datetime(2026, 11, 30, tzinfo=JST) + timedelta(days=1, microseconds=-1)
    assert _span(parse(datetime="2026-11-01/2026-11-30")) == (start, end)
    day = parse(datetime="2026-11-01")
    assert _span(day) == (start, start + timedelta(days=1, microseconds=-1))


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-13-01", "2026-11-02/2026-11-01", "2026-11-01/x", "1/2/3"]
)
def test_bad_datetime(text: str) -> None:
    assert refused(datetime=text).parameter == "datetime"


def test_lists_comma_separated_or_repeated() -> None:
    chosen = parse(status=["new,resolved", "rejected", "new"], category="park", ward="33101")
    assert chosen.statuses == ("new", "resolved", "rejected")
    assert chosen.categories == ("park",)
    assert chosen.wards == ("33101",)


@pytest.mark.parametrize(
    "name, value",
    [("status", "opened"), ("status", ""), ("category", "graffiti"), ("ward", "33202")],
)
def test_unknown_values_are_refused_with_the_known_ones(name: str, value: str) -> None:
    problem = refused(**{name: value})
    assert problem.parameter == name
    assert "is not one of" in problem.detail


def test_a_single_valued_parameter_given_twice() -> None:
    assert refused(bbox=["1,2,3,4", "1,2,3,4"]).parameter == "bbox"
    assert refused(datetime=["2026-11-01", "2026-11-02"]).parameter == "datetime"


def test_unknown_parameters() -> None:
    check_known({"bbox": ["x"]}, ("bbox", "status"))
    with pytest.raises(BadParameter) as caught:
        check_known({"bbox": ["x"], "catgory": ["road"]}, ("bbox", "category"))
    assert caught.value.parameter == "catgory"


def _span(f: ReportFilter) -> tuple[datetime | None, datetime | None]:
    return f.created_from, f.created_to
