"""Logs are JSON lines, and every line logged while handling a request carries its id."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from reporting.operations import logs


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    out = io.StringIO()
    logs.configure("INFO", out)
    yield out
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_gets_an_id_that_its_log_lines_and_answer_carry(
    app: Flask, stream: io.StringIO
) -> None:
    with app.test_request_context("/healthz"):
        app.preprocess_request()
        logging.getLogger("reporting.test").info("photo %s cleaned", "42", extra={"ms": 130})
    (line,) = lines(stream)
    assert line["message"] == "photo 42 cleaned"
    assert line["level"] == "INFO" and line["logger"] == "reporting.test" and line["ms"] == 130
    assert len(line["request_id"]) == 32 and "time" in line

    response = app.test_client().get("/healthz")
    assert len(response.headers["X-Request-ID"]) == 32
    given = app.test_client().get("/healthz", headers={"X-Request-ID": "proxy-1234abcd"})
    assert given.headers["X-Request-ID"] == "proxy-1234abcd"
    odd = app.test_client().get("/healthz", headers={"X-Request-ID": 'x" {evil}'})
    assert odd.headers["X-Request-ID"] != 'x" {evil}' and len(odd.headers["X-Request-ID"]) == 32


def test_lines_outside_requests_have_no_request_id(stream: io.StringIO) -> None:
    logging.getLogger("reporting.worker").warning("日本語も読める")
    (line,) = lines(stream)
    assert line["message"] == "日本語も読める" and "request_id" not in line


def test_gunicorns_access_lines_carry_their_fields_escaped(stream: io.StringIO) -> None:
    access = logging.getLogger("gunicorn.access.test")
    access.addFilter(logs.AccessFields())
    atoms = {"h": "127.0.0.1", "r": 'GET /x?a="b" HTTP/1.1', "m": "GET", "U": "/x",
             "q": 'a="b"', "s": "200", "B": "12", "D": "950", "{x-request-id}o": "abc12345",
             "a": "-"}
    access.info('%(h)s "%(r)s" %(s)s', atoms)
    (line,) = lines(stream)
    assert line["message"] == '127.0.0.1 "GET /x?a="b" HTTP/1.1" 200'
    assert line["query"] == 'a="b"' and line["status"] == "200"
    assert line["request_id"] == "abc12345" and "agent" not in line
