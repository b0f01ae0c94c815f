"""The admins' accounts page and the users commands: every change checked and audited."""

from datetime import UTC
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy import update

from reporting import auth
from reporting.db import db
from reporting.models import StaffAudit
from reporting.models import StaffUser
from tests.conftest import AppFactory
from tests.reporting.staff_browser import PASSWORD
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import post_form

PAGE = "/staff/admin/users"


@pytest.fixture
def app(fresh_db_url: str, make_app: AppFactory) -> Flask:
    application = make_app(fresh_db_url)
    add_user(application, "admin", "admin")
    return application


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, "admin")
    return client


def audit(app: Flask) -> list[tuple]:
    with app.app_context():
        actor = select(StaffUser.login).where(StaffUser.id == StaffAudit.actor_id)
        target = select(StaffUser.login).where(StaffUser.id == StaffAudit.target_id)
        return [
            tuple(row)
            for row in db.session.execute(
                select(
                    actor.scalar_subquery(),
                    StaffAudit.action,
                    target.scalar_subquery(),
                    StaffAudit.detail,
                ).order_by(StaffAudit.id)
            )
        ]


def account(app: Flask, login: str) -> StaffUser:
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.login == login))
        assert user is not None
        db.session.expunge(user)
        return user


def test_an_admin_creates_an_account_that_can_sign_in(app: Flask, admin: FlaskClient) -> None:
    response = post_form(
        admin,
        PAGE,
        {
            "login": "sato",
            "display_name": "佐藤 <b>花子</b>",
            "department": "道路管理課",
            "role": "staff",
            "password": PASSWORD,
        },
        page=PAGE,
    )
    assert response.headers["Location"] == PAGE
    page = admin.get(PAGE).text
    assert "アカウント sato を作成しました。" in page
    # User text is escaped, never trusted as markup.
    assert "佐藤 &lt;b&gt;花子&lt;/b&gt;" in page
    assert audit(app)[-1] == (
        "admin", "created", "sato", {"role": "staff", "department": "道路管理課"}
    )
    assert PASSWORD not in str(audit(app))
    other = app.test_client()
    assert log_in(other, "sato").headers["Location"] == "/staff/"


def test_a_bad_form_is_shown_again_with_what_is_wrong(admin: FlaskClient) -> None:
    response = post_form(
        admin, PAGE, {"login": "a b", "role": "staff", "password": "short"}, page=PAGE
    )
    assert response.status_code == 422
    assert "半角英数字と . _ @ - で3〜64文字" in response.text
    # What to do, in plain words, rather than the form library's wording.
    assert "12〜1024 文字で入力してください。" in response.text
    long_name = post_form(admin, PAGE, {"login": "sato", "role": "staff", "password": PASSWORD,
                                        "display_name": "佐" * 101}, page=PAGE)  # fmt: skip
    assert "100 文字以内で入力してください。" in long_name.text
    empty = post_form(admin, PAGE, {"role": "staff"}, page=PAGE)
    assert empty.text.count("入力してください。") == 2
    assert "フィールド" not in response.text + long_name.text + empty.text
    taken = post_form(admin, PAGE, {"login": "admin", "role": "staff", "password": PASSWORD},
                      page=PAGE)
    assert taken.status_code == 422
    assert "このログインIDは使われています。" in taken.text


def test_an_admin_changes_a_role_disables_and_enables(app: Flask, admin: FlaskClient) -> None:
    sato = add_user(app, "sato", "viewer")
    post_form(admin, f"{PAGE}/{sato}/role", {"role": "staff"}, page=PAGE)
    assert account(app, "sato").role == "staff"
    post_form(admin, f"{PAGE}/{sato}/disable", page=PAGE)
    assert account(app, "sato").active is False
    assert log_in(app.test_client(), "sato").status_code == 200
    post_form(admin, f"{PAGE}/{sato}/enable", page=PAGE)
    assert account(app, "sato").active is True
    assert [row[:3] for row in audit(app)[-3:]] == [
        ("admin", "role_changed", "sato"),
        ("admin", "disabled", "sato"),
        ("admin", "enabled", "sato"),
    ]
    assert audit(app)[-3][3] == {"from": "viewer", "to": "staff"}
    # The audit table says it in words.
    page = admin.get(PAGE).text
    assert "閲覧者 → 職員" in page and "所属: なし" in page
    assert "from:" not in page and "role:" not in page


def test_an_admin_unlocks_a_locked_account(app: Flask, admin: FlaskClient) -> None:
    sato = add_user(app, "sato", "staff")
    guesser = app.test_client()
    for _ in range(auth.FREE_TRIES + 2):
        log_in(guesser, "sato", "not the password")
    assert log_in(guesser, "sato").status_code == 429
    assert "までロック中" in admin.get(PAGE).text
    post_form(admin, f"{PAGE}/{sato}/unlock", page=PAGE)
    assert account(app, "sato").locked_until is None
    assert log_in(guesser, "sato").headers["Location"] == "/staff/"


def test_admins_cannot_lock_themselves_out(app: Flask, admin: FlaskClient) -> None:
    me = account(app, "admin").id
    post_form(admin, f"{PAGE}/{me}/disable", page=PAGE)
    post_form(admin, f"{PAGE}/{me}/role", {"role": "viewer"}, page=PAGE)
    refusal = "自分のアカウントを無効にしたり権限を下げたりすることはできません。"
    assert refusal in admin.get(PAGE).text
    assert account(app, "admin").role == "admin" and account(app, "admin").active


def test_times_are_shown_in_tokyo(app: Flask, admin: FlaskClient) -> None:
    with app.app_context():
        db.session.execute(
            update(StaffUser)
            .where(StaffUser.login == "admin")
            .values(last_login_at=datetime(2026, 11, 23, 15, 30, tzinfo=UTC))
        )
        db.session.commit()
    # 15:30 UTC is half past midnight the next day in Tokyo.
    assert "2026/11/24 00:30" in admin.get(PAGE).text


def test_the_users_commands_disable_and_enable(app: Flask) -> None:
    add_user(app, "sato", "staff")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "disable", "sato"])
    assert result.exit_code == 0, result.output
    assert account(app, "sato").active is False
    assert runner.invoke(args=["users", "enable", "sato"]).exit_code == 0
    assert account(app, "sato").active is True
    assert [row[:3] for row in audit(app)[-2:]] == [
        (None, "disabled", "sato"),
        (None, "enabled", "sato"),
    ]
    unknown = runner.invoke(args=["users", "disable", "nobody"])
    assert unknown.exit_code == 1 and "no staff account 'nobody'" in unknown.output
    last = runner.invoke(args=["users", "disable", "admin"])
    assert last.exit_code == 1 and "last active admin" in last.output


def test_users_unlock_and_enable_let_a_waiting_address_in(app: Flask) -> None:
    add_user(app, "sato", "staff")
    guesser = app.test_client()
    for _ in range(auth.FREE_TRIES + 3):
        log_in(guesser, "sato", "not the password")
    assert log_in(guesser, "sato").status_code == 429
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "unlock", "sato"])
    assert result.exit_code == 0, result.output
    assert log_in(guesser, "sato").status_code == 302
    for _ in range(auth.FREE_TRIES + 3):
        log_in(app.test_client(), "sato", "not the password")
    runner.invoke(args=["users", "disable", "sato"])
    runner.invoke(args=["users", "enable", "sato"])
    assert log_in(app.test_client(), "sato").status_code == 302
    assert (None, "unlocked", "sato") in [row[:3] for row in audit(app)]


def test_the_command_line_keeps_the_forms_rules(app: Flask) -> None:
    runner = app.test_cli_runner()
    for login in ("a b", "x", "名前", "nul\x00name", "a" * 65):
        result = runner.invoke(
            args=["users", "create", login, "--password", "long enough password"]
        )
        assert result.exit_code == 1 and "3–64 letters" in result.output, login
    short = runner.invoke(args=["users", "create", "sato", "--password", "short"])
    assert short.exit_code == 1 and "12 characters" in short.output
    assert runner.invoke(
        args=["users", "create", "sato", "--password", "long enough password"]
    ).exit_code == 0


def test_set_password_ends_sessions_and_takes_the_new_password(app: Flask) -> None:
    add_user(app, "sato", "staff")
    browser = app.test_client()
    log_in(browser, "sato")
    assert browser.get("/staff/").status_code == 200
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "sato", "--password", "a brand new password"]
    )
    assert result.exit_code == 0, result.output
    assert browser.get("/staff/").status_code == 302
    assert log_in(app.test_client(), "sato", "a brand new password").status_code == 302
