"""Staff sign-in over HTTP: redirects, CSRF, cookies, roles, languages, and local assets."""

from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reporting import auth
from reporting.staff.auth import role_required
from tests.conftest import AppFactory
from tests.reporting.staff_browser import PASSWORD
from tests.reporting.staff_browser import add_user
from tests.reporting.staff_browser import csrf_token
from tests.reporting.staff_browser import log_in
from tests.reporting.staff_browser import post_form
from tests.reporting.staff_browser import referenced_urls

WRONG = "ログインIDまたはパスワードが違います。"


@pytest.fixture
def app(fresh_db_url: str, make_app: AppFactory) -> Flask:
    application = make_app(fresh_db_url)
    add_user(application, "admin", "admin")
    add_user(application, "suzuki", "viewer", display_name="鈴木")
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_anonymous_users_are_sent_to_login_with_next(client: FlaskClient) -> None:
    for path in ("/staff/", "/staff/admin/users"):
        response = client.get(path + "?x=1")
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/staff/login"
        assert parse_qs(location.query)["next"] == [path + "?x=1"]
    assert "このページを見るにはログインしてください。" in client.get("/staff/login").text


def test_role_required_guards_a_single_view(fresh_db_url: str, make_app: AppFactory) -> None:
    app = make_app(fresh_db_url)

    @role_required("staff")
    def triage() -> str:
        return "triaged"

    app.add_url_rule("/staff/triage-probe", view_func=triage)
    add_user(app, "tanaka", "staff")
    add_user(app, "suzuki", "viewer")
    anonymous = app.test_client().get("/staff/triage-probe")
    assert anonymous.headers["Location"] == "/staff/login?next=%2Fstaff%2Ftriage-probe"
    viewer = app.test_client()
    log_in(viewer, "suzuki")
    assert viewer.get("/staff/triage-probe").status_code == 403
    staff = app.test_client()
    log_in(staff, "tanaka")
    assert staff.get("/staff/triage-probe").text == "triaged"


def test_login_goes_on_to_next_and_shows_the_dashboard(client: FlaskClient) -> None:
    page = client.get("/staff/login?next=/staff/admin/users")
    response = client.post(
        "/staff/login",
        data={
            "login": "admin",
            "password": PASSWORD,
            "next": "/staff/admin/users",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/admin/users"
    assert "職員アカウント" in client.get("/staff/admin/users").text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_login_never_sends_anyone_off_site(client: FlaskClient, target: str) -> None:
    page = client.get("/staff/login", query_string={"next": target})
    response = client.post(
        "/staff/login",
        data={"login": "admin", "password": PASSWORD, "next": target,
              "csrf_token": csrf_token(page.text)},
    )
    assert response.headers["Location"] == "/staff/"


def test_a_wrong_password_and_an_unknown_login_read_the_same(client: FlaskClient) -> None:
    wrong = log_in(client, "admin", "not the password")
    unknown = log_in(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG in wrong.text and WRONG in unknown.text
    assert client.get("/staff/").status_code == 302


def test_after_five_failures_this_address_waits_even_with_the_right_password(
    client: FlaskClient,
) -> None:
    for _ in range(auth.FREE_TRIES):
        log_in(client, "admin", "not the password")
    response = log_in(client, "admin")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert "試してください" in response.text
    assert client.get("/staff/").status_code == 302


def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient) -> None:
    refused = client.post("/staff/login", data={"login": "admin", "password": PASSWORD})
    assert refused.status_code == 400
    log_in(client, "admin")
    response = client.post(
        "/staff/admin/users",
        data={"login": "sato", "password": PASSWORD, "role": "staff"},
    )
    assert response.status_code == 400
    assert "要求を受け付けられませんでした" in response.text


def test_a_viewer_reads_but_changes_nothing(client: FlaskClient) -> None:
    log_in(client, "suzuki")
    assert client.get("/staff/").status_code == 200
    assert client.get("/staff/admin/users").status_code == 403
    response = post_form(
        client, "/staff/admin/users", {"login": "sato", "password": PASSWORD, "role": "admin"}
    )
    assert response.status_code == 403
    assert "権限がありません" in response.text
    assert post_form(client, "/staff/admin/users/1/disable").status_code == 403


def test_the_admin_link_is_shown_to_admins_only(client: FlaskClient) -> None:
    log_in(client, "suzuki")
    assert "/staff/admin/users" not in client.get("/staff/").text
    post_form(client, "/staff/logout")
    log_in(client, "admin")
    assert "/staff/admin/users" in client.get("/staff/").text


def test_logout_needs_a_post_with_the_token(client: FlaskClient) -> None:
    log_in(client, "admin")
    assert client.get("/staff/logout").status_code == 405
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/").status_code == 200
    response = post_form(client, "/staff/logout")
    assert response.headers["Location"] == "/staff/login"
    assert "ログアウトしました。" in client.get("/staff/login").text
    assert client.get("/staff/").status_code == 302


def test_a_disabled_account_is_signed_out_at_its_next_request(
    app: Flask, client: FlaskClient
) -> None:
    log_in(client, "suzuki")
    assert client.get("/staff/").status_code == 200
    app.test_cli_runner().invoke(args=["users", "disable", "suzuki"])
    assert client.get("/staff/").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite(client: FlaskClient) -> None:
    response = log_in(client, "admin")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_production_cookies_are_secure(
    monkeypatch: pytest.MonkeyPatch, fresh_db_url: str, make_app: AppFactory
) -> None:
    monkeypatch.setenv("TSUHO_ENV", "production")
    app = make_app(fresh_db_url)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_japanese_by_default_english_by_choice(client: FlaskClient) -> None:
    page = client.get("/staff/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="ja">' in page.text
    assert "<h1>ログイン</h1>" in page.text
    assert "岡山市" in page.text
    response = client.post(
        "/staff/language",
        data={"lang": "en", "next": "/staff/login", "csrf_token": csrf_token(page.text)},
    )
    assert response.headers["Location"] == "/staff/login"
    english = client.get("/staff/login").text
    assert '<html lang="en">' in english
    assert "<h1>Log in</h1>" in english
    assert "Okayama City" in english
    # The choice outlives signing in.
    log_in(client, "admin")
    assert ">Staff accounts<" in client.get("/staff/admin/users").text


def test_an_unknown_language_falls_back_to_japanese(client: FlaskClient) -> None:
    page = client.get("/staff/login")
    client.post("/staff/language", data={"lang": "fr", "csrf_token": csrf_token(page.text)})
    assert '<html lang="ja">' in client.get("/staff/login").text


@pytest.mark.parametrize("path", ["/staff/login", "/staff/", "/staff/admin/users"])
def test_every_asset_comes_from_our_own_server(client: FlaskClient, path: str) -> None:
    if path != "/staff/login":
        log_in(client, "admin")
    page = client.get(path)
    assert page.status_code == 200
    urls = referenced_urls(page.text)
    assert urls
    for tag, url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, (tag, url)
        assert url.startswith("/") or url.startswith("#"), (tag, url)
        if tag in {"link", "script", "img"}:
            assert url.startswith("/static/"), (tag, url)
            asset = client.get(url)
            asset.close()
            assert asset.status_code == 200, url


def test_a_strangers_failures_behind_the_proxy_do_not_keep_the_owner_out(
    fresh_db_url: str, make_app: AppFactory
) -> None:
    """Through nginx every request comes from its address; X-Forwarded-For tells them apart."""
    app = make_app(fresh_db_url, TRUSTED_PROXIES="127.0.0.1")
    add_user(app, "admin", "admin")
    stranger, owner = app.test_client(), app.test_client()
    stranger.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.66"
    owner.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
    answers = [log_in(stranger, "admin", f"guess number {n}").status_code for n in range(20)]
    assert answers[: auth.FREE_TRIES] == [200] * auth.FREE_TRIES
    assert 429 in answers
    assert log_in(stranger, "admin").status_code == 429
    assert log_in(owner, "admin").headers["Location"] == "/staff/"


def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    fresh_db_url: str, make_app: AppFactory
) -> None:
    """Without TSUHO_TRUSTED_PROXIES a guesser cannot pick a new address for each try."""
    app = make_app(fresh_db_url)
    add_user(app, "admin", "admin")
    guesser = app.test_client()
    for n in range(auth.FREE_TRIES):
        guesser.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}"
        log_in(guesser, "admin", "wrong")
    guesser.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.200"
    assert log_in(guesser, "admin").status_code == 429
