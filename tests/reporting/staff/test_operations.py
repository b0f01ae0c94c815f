"""The admins' operations page: queue depth, failed jobs with their error and a retry, LINE's
refusals, photo storage; for admins only."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from reporting.db import db
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from tests.conftest import AppFactory
from tests.reporting.line_world import Resident
from tests.reporting.line_world import drain
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import post_form

PAGE = "/staff/admin/operations/"


@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    with line_platform() as served:
        yield served


@pytest.fixture
def app(fresh_areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform) -> Flask:
    application = make_app(fresh_areas_db_url, **line_config(platform))
    add_user(application, "sato", "admin")
    add_user(application, "tanaka", "staff")
    return application


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, "sato")
    return client


def job_status(app: Flask, job_id: int) -> str:
    with app.app_context():
        return db.session.execute(
            text("SELECT status::text FROM procrastinate_jobs WHERE id = :id"), {"id": job_id}
        ).scalar_one()


def failed_send(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(
            text("SELECT id FROM procrastinate_jobs WHERE task_name = 'send_line_messages'")
        ).scalar_one()


def test_only_admins_see_the_page(app: Flask) -> None:
    anonymous = app.test_client().get(PAGE)
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    staff = app.test_client()
    log_in(staff, "tanaka")
    assert staff.get(PAGE).status_code == 403
    assert 'href="/staff/admin/operations/"' not in staff.get("/staff/").text


def test_the_page_shows_the_queue_a_failed_job_and_lines_refusal_and_retries_it(
    app: Flask, admin: FlaskClient, platform: FakeLinePlatform
) -> None:
    resident = Resident("U" + "8" * 32, platform, app.test_client())
    resident.says("こんにちは")
    waiting = admin.get(PAGE).text
    assert '<strong data-count="1">' in waiting
    assert 'href="/staff/admin/operations/"' in admin.get("/staff/").text

    platform.fail_next(1, 401, endpoint="reply")  # refused: not worth retrying by itself
    drain(app)
    job_id = failed_send(app)
    assert job_status(app, job_id) == "failed"
    page = admin.get(PAGE).text
    assert f'id="job-{job_id}"' in page
    assert "LineRefused: LINE answered 401" in page
    assert f'action="/staff/admin/operations/jobs/{job_id}/retry"' in page
    assert resident.received() == []

    retried = post_form(admin, f"/staff/admin/operations/jobs/{job_id}/retry", page=PAGE)
    assert retried.status_code == 302
    assert job_status(app, job_id) == "todo"
    drain(app)
    assert job_status(app, job_id) == "succeeded"
    assert len(resident.received()) == 1
    assert f'id="job-{job_id}"' not in admin.get(PAGE).text

    # A job that is not failed cannot be retried: a message, no change, never a 5xx.
    again = post_form(admin, f"/staff/admin/operations/jobs/{job_id}/retry", page=PAGE)
    assert again.status_code == 302
    assert job_status(app, job_id) == "succeeded"
    unknown = post_form(admin, "/staff/admin/operations/jobs/999999/retry", page=PAGE)
    assert unknown.status_code == 302
    assert admin.get("/staff/admin/operations/jobs/1/retry").status_code == 405
    no_token = admin.post(f"/staff/admin/operations/jobs/{job_id}/retry")
    assert no_token.status_code == 400


def test_photo_usage_is_shown(app: Flask, admin: FlaskClient) -> None:
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert 'id="photo-usage"' in page.text
