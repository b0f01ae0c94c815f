"""Serve the fake LINE Platform over HTTP, at the paths and in the shapes LINE answers."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import responses
from typing import Any

from flask import Flask
from flask import Response
from flask import g
from flask import jsonify
from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from reporting.line.sandbox.fake.platform import ENDPOINTS
from reporting.line.sandbox.fake.platform import PUSH
from reporting.line.sandbox.fake.platform import REPLY
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.line.sandbox.fake.rules import ApiError
from reporting.line.sandbox.fake.rules import check_token

log = logging.getLogger(__name__)


def _error(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def create_fake_app(platform: FakeLinePlatform) -> Flask:
    """Serve LINE's Messaging API paths (api.line.me and api-data.line.me) over platform."""
    app = Flask(__name__)
    app.json = json = DefaultJSONProvider(app)
    json.ensure_ascii = False  # LINE answers UTF-8 JSON, with its keys in its own order
    json.sort_keys = False

    @app.before_request
    def gate() -> Response | None:
        g.request_id = str(uuid.uuid4())
        # Rich menu routes ("richmenu_list", ...) share the "richmenu" faults.
        family = (request.endpoint or "").split("_")[0]
        if family not in ENDPOINTS:
            return None
        fault = platform.take_fault(family)
        if fault is not None and fault.status is not None:
            return _error(fault.status, {"message": responses.get(fault.status, "Error")})
        if platform.over_rate(request.endpoint or ""):
            return _error(429, {"message": "The API rate limit has been exceeded."})
        g.delay = fault.delay if fault is not None else 0.0
        check_token(request.headers.get("Authorization"), platform.channel_access_token)
        # LINE refuses a retry key on APIs that do not support one.
        if request.endpoint != PUSH and "X-Line-Retry-Key" in request.headers:
            raise ApiError(400, "The retry key is not supported on this API")
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["x-line-request-id"] = g.get("request_id", "")
        if g.get("delay"):
            platform.hold(g.delay)
        return response

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return _error(error.status, error.body, error.headers)

    # LINE answers JSON even for paths and methods it does not serve.
    @app.errorhandler(404)
    @app.errorhandler(405)
    def http_error(error: HTTPException) -> Response:
        return _error(error.code or 500, {"message": error.name})

    def json_body() -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body could not be parsed as JSON")
        return body

    @app.post("/v2/bot/message/reply", endpoint=REPLY)
    def reply() -> Response:
        return jsonify(platform.reply(json_body()))

    @app.post("/v2/bot/message/push", endpoint=PUSH)
    def push() -> Response:
        key = request.headers.get("X-Line-Retry-Key")
        return jsonify(platform.push(json_body(), key, g.request_id))

    @app.get("/v2/bot/message/<message_id>/content", endpoint="content")
    def content(message_id: str) -> Response:
        found = platform.content(message_id)
        return Response(found.data, content_type=found.content_type)

    @app.get("/v2/bot/profile/<user_id>", endpoint="profile")
    def profile(user_id: str) -> Response:
        return jsonify(platform.profile(user_id))

    # Rich menus: api.line.me, but the image goes to api-data.line.me (the same host here).
    @app.post("/v2/bot/richmenu", endpoint="richmenu")
    def create_rich_menu() -> Response:
        return jsonify(platform.create_rich_menu(json_body()))

    @app.get("/v2/bot/richmenu/list", endpoint="richmenu_list")
    def rich_menu_list() -> Response:
        return jsonify(platform.rich_menu_list())

    @app.post("/v2/bot/richmenu/<menu_id>/content", endpoint="richmenu_content")
    def rich_menu_content(menu_id: str) -> Response:
        platform.upload_rich_menu_image(menu_id, request.get_data(), request.content_type)
        return jsonify({})

    @app.delete("/v2/bot/richmenu/<menu_id>", endpoint="richmenu_delete")
    def delete_rich_menu(menu_id: str) -> Response:
        platform.delete_rich_menu(menu_id)
        return jsonify({})

    @app.post("/v2/bot/user/all/richmenu/<menu_id>", endpoint="richmenu_default_set")
    def set_default_rich_menu(menu_id: str) -> Response:
        platform.set_default_rich_menu(menu_id)
        return jsonify({})

    @app.get("/v2/bot/user/all/richmenu", endpoint="richmenu_default")
    def default_rich_menu() -> Response:
        return jsonify(platform.get_default_rich_menu())

    @app.post("/v2/bot/chat/loading/start", endpoint="loading")
    def loading() -> tuple[Response, int]:
        platform.show_loading(json_body())
        return jsonify({}), 202

    return app


class _QuietHandler(WSGIRequestHandler):
    """Keep each test's output free of one access-log line per API call."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serve(platform: FakeLinePlatform, host: str = "127.0.0.1",
          port: int = 0) -> Iterator[FakeLinePlatform]:
    """Serve platform over HTTP in a daemon thread; port 0 picks a free port."""
    server = make_server(host, port, create_fake_app(platform), threaded=True,
                         request_handler=_QuietHandler)
    # A short poll keeps shutdown quick at the end of every test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="fake-line", daemon=True)
    thread.start()
    platform.url = f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host}:{server.port}"
    try:
        yield platform
    finally:
        platform.url = None
        platform.release_held()
        server.shutdown()  # serve_forever then closes the socket itself
        thread.join()


def run(host: str, port: int, channel_access_token: str) -> None:
    """Serve a fresh fake platform until interrupted, for the CLI and manual testing."""
    server = make_server(host, port, create_fake_app(FakeLinePlatform(channel_access_token)),
                         threaded=True)
    log.info("fake LINE platform on http://%s:%d", host, server.port)
    server.serve_forever()  # werkzeug's returns quietly on Ctrl-C
