"""Staff write the city's public answer and tick 「公開可」 on photos; each change is audited."""

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reporting.db import db
from reporting.models import Photo
from reporting.models import Report
from reporting.models import ReportEvent
from tests.conftest import AppFactory
from tests.reporting.public.world import ANSWER
from tests.reporting.public.world import World
from tests.reporting.public.world import build
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import post_form


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory) -> Flask:
    application = make_app(fresh_areas_db_url)
    add_user(application, "tanaka", "staff")
    add_user(application, "sato", "viewer")
    return application


@pytest.fixture
def world(app: Flask) -> World:
    return build(app)


def signed_in(app: Flask, login: str) -> FlaskClient:
    client = app.test_client()
    log_in(client, login)
    return client


def actions(app: Flask, report_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = db.session.execute(
            select(ReportEvent.action, ReportEvent.data)
            .where(ReportEvent.report_id == report_id).order_by(ReportEvent.id)
        ).all()
        return [(a, d) for a, d in rows]


def test_the_public_answer_is_saved_audited_and_shown_with_its_history(
    app: Flask, world: World
) -> None:
    staff = signed_in(app, "tanaka")
    page = staff.get(f"/staff/reports/{world.shown_id}")
    assert "公開可" in page.text and ANSWER in page.text
    post_form(staff, f"/staff/reports/{world.shown_id}/public_answer",
              {"public_answer": "補修は完了しました。"})  # fmt: skip
    trail = [d for a, d in actions(app, world.shown_id) if a == "public_answer"]
    assert trail[-1] == {"before": ANSWER, "after": "補修は完了しました。"}
    public = app.test_client().get(f"/r/{world.shown}")
    assert "補修は完了しました。" in public.text
    assert public.text.count("市の回答：") == 2  # both answers in the history
    post_form(staff, f"/staff/reports/{world.shown_id}/public_answer", {"public_answer": ""})
    public = app.test_client().get(f"/r/{world.shown}")
    assert "まだ回答はありません。" in public.text and "市の回答を取り下げました。" in public.text


def test_a_too_long_answer_is_refused_and_nothing_changes(app: Flask, world: World) -> None:
    staff = signed_in(app, "tanaka")
    response = post_form(staff, f"/staff/reports/{world.shown_id}/public_answer",
                         {"public_answer": "あ" * 2001})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Report, world.shown_id).public_answer == ANSWER  # type: ignore[union-attr]


def test_ticking_public_ok_publishes_a_photo_and_unticking_takes_it_back(
    app: Flask, world: World
) -> None:
    staff = signed_in(app, "tanaka")
    with app.app_context():
        unpublished = db.session.scalar(
            select(Photo).where(Photo.storage_key == world.unpublished_key)
        )
        assert unpublished is not None
        photo_id = unpublished.id
    public = app.test_client()
    url = f"/r/{world.shown}/photos/{world.unpublished_key}"
    with public.get(url) as before:
        assert before.status_code == 404
    post_form(staff, f"/staff/reports/{world.shown_id}/publish_photo",
              {"photo": str(photo_id), "published": "1"})  # fmt: skip
    with public.get(url) as after:
        assert after.status_code == 200
    post_form(staff, f"/staff/reports/{world.shown_id}/publish_photo", {"photo": str(photo_id)})
    with public.get(url) as again:
        assert again.status_code == 404
    done = [a for a, _ in actions(app, world.shown_id) if a.startswith("photo_")]
    assert done == ["photo_published", "photo_published", "photo_unpublished"]


@pytest.mark.parametrize("photo", ["", "abc", "99999999", "-1", "9" * 40])
def test_a_photo_that_is_not_the_reports_changes_nothing(
    app: Flask, world: World, photo: str
) -> None:
    staff = signed_in(app, "tanaka")
    before = actions(app, world.shown_id)
    response = post_form(staff, f"/staff/reports/{world.shown_id}/publish_photo",
                         {"photo": photo, "published": "1"})  # fmt: skip
    assert response.status_code == 302
    assert actions(app, world.shown_id) == before


def test_viewers_may_not_publish(app: Flask, world: World) -> None:
    viewer = signed_in(app, "sato")
    response = post_form(viewer, f"/staff/reports/{world.shown_id}/public_answer",
                         {"public_answer": "x"})  # fmt: skip
    assert response.status_code == 403
