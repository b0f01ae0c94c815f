"""The two floors bench/webhook.py measures Tsuho's LINE webhook against.

Both are bare Flask apps served by gunicorn with the same worker settings as Tsuho:

- `signature_floor()`: verify X-Line-Signature (line-bot-sdk's SignatureValidator, the check
  Tsuho's WebhookParser makes) and answer 200; nothing is parsed or stored.
- `durable_floor()`: the same check, then one INSERT of the body into `bench_bodies` (jsonb)
  and a commit, on a psycopg 3 connection kept per worker thread (per process with sync
  workers) across requests. This is the price of durability that Tsuho cannot go below.

Configuration comes from the environment: LINE_CHANNEL_SECRET, and DATABASE_URL (libpq form)
for the durable floor. Answers are small JSON documents, like Tsuho's.
"""

import os
import threading

import psycopg
from flask import Flask
from flask import jsonify
from flask import request
from flask.typing import ResponseReturnValue
from linebot.v3 import SignatureValidator

PATH = "/line/webhook"
INSERT = "INSERT INTO bench_bodies (body) VALUES (%s)"


def _validator() -> SignatureValidator:
    return SignatureValidator(os.environ["LINE_CHANNEL_SECRET"])


def _verified(validator: SignatureValidator) -> bytes | None:
    """Return the body when its signature is the channel's, else None."""
    body = request.get_data()
    signature = request.headers.get("X-Line-Signature", "")
    try:
        valid = validator.validate(body.decode("utf-8"), signature)
    except UnicodeDecodeError:
        return None
    return body if valid else None


def _refused() -> ResponseReturnValue:
    return jsonify(title="invalid signature", status=400), 400


def signature_floor() -> Flask:
    """Return an app whose webhook only verifies the signature."""
    app = Flask("signature_floor")
    validator = _validator()

    @app.post(PATH)
    def webhook() -> ResponseReturnValue:
        if _verified(validator) is None:
            return _refused()
        return jsonify(received=1)

    return app


class _Connections(threading.local):
    """One connection per worker thread, opened on first use and kept while it works."""

    connection: psycopg.Connection | None = None

    def get(self) -> psycopg.Connection:
        if self.connection is None or self.connection.closed:
            self.connection = psycopg.connect(os.environ["DATABASE_URL"])
        return self.connection

    def discard(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None


def durable_floor() -> Flask:
    """Return an app whose webhook verifies, then commits one INSERT of the body."""
    app = Flask("durable_floor")
    validator = _validator()
    connections = _Connections()

    @app.post(PATH)
    def webhook() -> ResponseReturnValue:
        body = _verified(validator)
        if body is None:
            return _refused()
        try:
            connection = connections.get()
            connection.execute(INSERT, (body.decode("utf-8"),))
            connection.commit()
        except psycopg.Error:
            connections.discard()
            return jsonify(title="could not record the body", status=503), 503
        return jsonify(received=1)

    return app
