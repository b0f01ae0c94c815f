"""A staff member's browser in tests: accounts, the CSRF token a page carries, signing in."""

import re
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from reporting import accounts
from reporting.db import db

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'type="hidden" name="csrf_token" value="([^"]+)"')


def add_user(app: Flask, login: str, role: str, **fields: str) -> int:
    """Create an account with the test password and return its id."""
    with app.app_context():
        user = accounts.create_account(
            db.session(), None, login=login, password=PASSWORD, role=role, **fields
        )
        db.session.commit()
        return user.id


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on the page."""
    match = TOKEN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def log_in(client: FlaskClient, login: str, password: str = PASSWORD) -> TestResponse:
    """Fill in and send the login form, as a person would."""
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"login": login, "password": password, "csrf_token": csrf_token(page.text)},
    )


def post_form(
    client: FlaskClient, path: str, data: dict[str, str] | None = None, page: str = "/staff/"
) -> TestResponse:
    """POST as a form on ``page`` would, with that page's CSRF token."""
    token = csrf_token(client.get(page).text)
    return client.post(path, data={**(data or {}), "csrf_token": token})


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "action", "srcset", "poster", "data"} and value:
                self.urls.append((tag, value))


def referenced_urls(html: str) -> list[tuple[str, str]]:
    """Every (tag, URL) the page's markup points at: scripts, styles, images, links, forms."""
    parser = _Links()
    parser.feed(html)
    return parser.urls
