"""API tokens: made once and shown once, stored hashed, refused once revoked; the CLI."""

import hashlib
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from reporting import access
from reporting.db import db
from reporting.models import ApiToken
from reporting.problems import Unauthorized
from tests.conftest import AppFactory

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def app(fresh_db_url: str, make_app: AppFactory) -> Flask:
    return make_app(fresh_db_url)


def test_only_the_hash_and_prefix_are_stored(app: Flask) -> None:
    with app.app_context():
        token = access.create_token(db.session(), "qgis-team")
        db.session.commit()
        (record,) = db.session.scalars(select(ApiToken)).all()
        assert token.startswith("tsuho_") and len(token) > 40
        assert record.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert record.prefix == token[: access.PREFIX_LENGTH]
        assert token not in (record.token_hash, record.prefix, record.name)


def test_verify_identify_and_revoke(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        token = access.create_token(session, "qgis-team")
        session.commit()
        found = access.identify(session, f"Bearer {token}", public_exports=False, now=NOW)
        assert found == access.Viewer("token", "qgis-team")
        assert found.visibility.notes and not found.visibility.hidden
        assert access.verify_token(session, token + "x", NOW) is None
        assert access.verify_token(session, "tsuho_short", NOW) is None
        access.revoke_token(session, "qgis-team", NOW)
        session.commit()
        assert access.verify_token(session, token, NOW) is None
        with pytest.raises(Unauthorized):
            access.identify(session, f"Bearer {token}", public_exports=True, now=NOW)


def test_a_token_revoked_by_another_process_is_refused_within_the_verified_time(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        session = db.session()
        token = access.create_token(session, "script")
        session.commit()
        bearer = f"Bearer {token}"
        assert access.identify(session, bearer, public_exports=False, now=NOW).name == "script"
        # The CLI revokes it in another process: this one's memory is not told.
        db.session.execute(
            ApiToken.__table__.update().values(revoked_at=NOW).where(ApiToken.name == "script")
        )
        session.commit()
        assert access.identify(session, bearer, public_exports=False, now=NOW).name == "script"
        later = access.time.monotonic() + access.VERIFIED_FOR + 0.1
        monkeypatch.setattr(access.time, "monotonic", lambda: later)
        with pytest.raises(Unauthorized):
            access.identify(session, bearer, public_exports=False, now=NOW)


def test_use_is_recorded_now_and_then(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        token = access.create_token(session, "script")
        record = access.verify_token(session, token, NOW)
        assert record is not None and record.last_used_at == NOW
        access.verify_token(session, token, NOW + timedelta(minutes=1))
        assert record.last_used_at == NOW
        access.verify_token(session, token, NOW + timedelta(hours=1))
        assert record.last_used_at == NOW + timedelta(hours=1)


def test_without_credentials(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        assert access.identify(session, None, public_exports=True, now=NOW) == access.PUBLIC
        assert not access.PUBLIC.visibility.notes
        with pytest.raises(Unauthorized):
            access.identify(session, None, public_exports=False, now=NOW)
        with pytest.raises(Unauthorized):
            access.identify(session, "Basic dXNlcjpwdw==", public_exports=True, now=NOW)


def test_names(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        access.create_token(session, "gis.team@city")
        with pytest.raises(access.TokenError, match="exists"):
            access.create_token(session, "gis.team@city")
        for bad in ("", "has space", "x" * 65):
            with pytest.raises(access.TokenError):
                access.create_token(session, bad)
        with pytest.raises(access.TokenError, match="no live token"):
            access.revoke_token(session, "nobody", NOW)


def test_the_tokens_command(app: Flask) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["tokens", "create", "qgis-team"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert token.startswith("tsuho_")
    assert "shown once" in made.stderr
    assert runner.invoke(args=["tokens", "create", "qgis-team"]).exit_code == 1
    listed = runner.invoke(args=["tokens", "list"])
    assert "qgis-team" in listed.output and token[: access.PREFIX_LENGTH] in listed.output
    assert token not in listed.output
    assert "live" in listed.output
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/reports.geojson", headers=headers).status_code == 200
    revoked = runner.invoke(args=["tokens", "revoke", "qgis-team"])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/reports.geojson", headers=headers).status_code == 401
    assert "revoked" in runner.invoke(args=["tokens", "list"]).output
    assert runner.invoke(args=["tokens", "revoke", "qgis-team"]).exit_code == 1
    # The name is free again once its token is revoked.
    assert runner.invoke(args=["tokens", "create", "qgis-team"]).exit_code == 0
