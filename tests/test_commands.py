"""The ``flask --app app`` commands against a real database."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from gis.schema import Area
from reporting.accounts import password_matches
from reporting.db import db
from reporting.models import StaffUser
from tests.conftest import AppFactory

LINESTRING = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "99999", "name": "線"},
            "geometry": {"type": "LineString", "coordinates": [[133.9, 34.6], [134.0, 34.7]]},
        }
    ],
}


@pytest.fixture
def empty_app(fresh_db_url: str, make_app: AppFactory) -> Flask:
    return make_app(fresh_db_url, TSUHO_CITY="meguro")


def table(app: Flask) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(Area.code, Area.name_ja, Area.in_service_area, Area.updated_at).order_by(
                Area.code
            )
        ).all()


def test_load_then_load_again_changes_nothing(empty_app: Flask) -> None:
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["areas", "load"])
    assert first.exit_code == 0, first.output
    assert "6 inserted, 0 updated, 0 unchanged" in first.output
    before = table(empty_app)
    second = runner.invoke(args=["areas", "load"])
    assert "0 inserted, 0 updated, 6 unchanged" in second.output
    assert table(empty_app) == before
    assert [(code, served) for code, _, served, _ in before if served] == [("13110", True)]


def test_import_named_files(empty_app: Flask) -> None:
    files = [str(p) for p in sorted(Path("gis/data/boundaries").glob("331*.geojson"))]
    result = empty_app.test_cli_runner().invoke(args=["areas", "import", *files])
    assert result.exit_code == 0, result.output
    assert "5 inserted" in result.output
    assert [row[0] for row in table(empty_app)] == ["33100", "33101", "33102", "33103", "33104"]


@pytest.mark.parametrize(
    "content",
    [
        "this is not json",
        json.dumps(LINESTRING),
        json.dumps(LINESTRING).replace('"LineString"', '"Polygon"').replace(
            "[[133.9, 34.6], [134.0, 34.7]]",
            "[[[133.9, 34.6], [134.0, 200.0], [134.1, 34.6], [133.9, 34.6]]]",
        ),
        json.dumps(LINESTRING).replace('"LineString"', '"Polygon"').replace(
            "[[133.9, 34.6], [134.0, 34.7]]",
            "[[[133.9, 34.6], [133.92, 34.62], [133.92, 34.6], [133.9, 34.62], [133.9, 34.6]]]",
        ),
    ],
    ids=["not-json", "linestring", "latitude-200", "self-intersecting"],
)
def test_a_malformed_file_leaves_the_table_unchanged(
    empty_app: Flask, tmp_path: Path, content: str
) -> None:
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["areas", "load"])
    before = table(empty_app)
    bad = tmp_path / "bad.geojson"
    bad.write_text(content, encoding="utf-8")
    good = "gis/data/boundaries/33101_okayama-kita.geojson"
    result = runner.invoke(args=["areas", "import", good, str(bad)])
    assert result.exit_code == 1
    assert "nothing imported" in result.output
    assert "bad.geojson" in result.output
    assert table(empty_app) == before


def test_locate_prints_the_area(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["areas", "locate", "133.9195", "34.6551"])
    assert result.exit_code == 0
    assert "33101 岡山市北区" in result.output
    assert "in the service area" in result.output


def test_locate_outside_names_the_municipality(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["areas", "locate", "133.772", "34.585"])
    assert "33202 倉敷市" in result.output
    assert "outside the service area" in result.output


def test_locate_at_sea_says_none_contains_it(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["areas", "locate", "134.1", "34.45"])
    assert result.exit_code == 1
    assert "no area contains" in result.output


def test_locate_refuses_impossible_coordinates(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["areas", "locate", "133.9", "200"])
    assert result.exit_code == 2
    assert "lat in ±90" in result.output


def test_ensure_admin_creates_one_admin_once(
    empty_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUHO_ADMIN_PASSWORD", "correct horse battery staple")
    runner = empty_app.test_cli_runner()
    assert "created admin account" in runner.invoke(args=["users", "ensure-admin"]).output
    assert "an admin account exists" in runner.invoke(args=["users", "ensure-admin"]).output
    with empty_app.app_context():
        (admin,) = db.session.scalars(select(StaffUser)).all()
    assert admin.role == "admin"
    assert password_matches(admin.password_hash, "correct horse battery staple")
    assert "correct horse" not in admin.password_hash


def test_ensure_admin_prints_a_generated_password_once(empty_app: Flask) -> None:
    output = empty_app.test_cli_runner().invoke(args=["users", "ensure-admin"]).output
    password = output.split("password: ")[1].split()[0]
    with empty_app.app_context():
        admin = db.session.scalars(select(StaffUser)).one()
    assert len(password) >= 16
    assert password_matches(admin.password_hash, password)


ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))


@pytest.mark.parametrize(
    ("command", "environment", "named"),
    [
        (["users", "create", "--help"], {}, "DATABASE_URL"),
        (["areas", "load"], {}, "DATABASE_URL"),
        (["routes"], {"DATABASE_URL": "postgresql://x/y", "TSUHO_CITY": "atlantis"}, "atlantis"),
        (["users", "list"], {"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
    ],
)
def test_a_configuration_error_is_one_line_and_a_failure(
    tmp_path: Path, command: list[str], environment: dict[str, str], named: str
) -> None:
    # A checkout with no local cluster: the application file alone, the package installed.
    shutil.copy(ROOT / "app.py", tmp_path / "app.py")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TSUHO_CITY"}}
    done = subprocess.run(
        [FLASK, "--app", "app", *command],
        cwd=tmp_path,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: configuration:") and named in lines[0]
    assert "Traceback" not in done.stdout + done.stderr


def test_the_first_admins_login_is_configurable(
    fresh_db_url: str, make_app: AppFactory
) -> None:
    app = make_app(fresh_db_url, ADMIN_LOGIN="okayama-it")
    output = app.test_cli_runner().invoke(args=["users", "ensure-admin"]).output
    assert "created admin account 'okayama-it'" in output
    with app.app_context():
        assert db.session.scalars(select(StaffUser.login)).all() == ["okayama-it"]
