"""POST /line/webhook: signed, durable, exactly once; bad input gets a clear answer."""

import json
import math

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from reporting.db import db
from reporting.line.sandbox.fake.events import EventBuilder
from reporting.line.sandbox.fake.events import redelivered
from reporting.line.sandbox.fake.events import signature
from reporting.line.sandbox.fake.events import webhook_body
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from reporting.settings import libpq_url
from tests.conftest import AppFactory

SECRET = "test-channel-secret"
BOT = "Ubot0000000000000000000000000000"
USER = "U" + "1" * 32
OTHER = "U" + "2" * 32


@pytest.fixture
def app(fresh_db_url: str, make_app: AppFactory) -> Flask:
    return make_app(fresh_db_url, LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN="t")


@pytest.fixture
def events() -> EventBuilder:
    return EventBuilder(FakeLinePlatform())


def post(client: FlaskClient, body: bytes, sign: str | None = None):  # noqa: ANN201
    headers = {"Content-Type": "application/json"}
    headers["X-Line-Signature"] = signature(body, SECRET) if sign is None else sign
    return client.post("/line/webhook", data=body, headers=headers)


def rows(app: Flask, query: str) -> list[tuple]:
    with psycopg.connect(libpq_url(app.config["SQLALCHEMY_DATABASE_URI"])) as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else []


def stored(app: Flask) -> int:
    return rows(app, "SELECT count(*) FROM line_events")[0][0]


def jobs(app: Flask) -> list[tuple]:
    return rows(app, "SELECT task_name, lock, args FROM procrastinate_jobs ORDER BY id")


def test_connectivity_check_with_no_events(app: Flask) -> None:
    response = post(app.test_client(), webhook_body(BOT, []))
    assert response.status_code == 200
    assert stored(app) == 0


def test_an_event_is_recorded_with_its_job(app: Flask, events: EventBuilder) -> None:
    event = events.text(USER, "通報")
    response = post(app.test_client(), webhook_body(BOT, [event]))
    assert response.status_code == 200
    assert response.json == {"received": 1, "new": 1}
    ((event_id, kind, user, payload),) = rows(
        app, "SELECT webhook_event_id, event_type, line_user_id, payload FROM line_events"
    )
    assert (event_id, kind, user) == (event["webhookEventId"], "message", USER)
    assert payload == event
    ((task, lock, args),) = jobs(app)
    assert task == "handle_line_event"
    assert lock == f"resident:{USER}"
    assert set(args) == {"event_id"}


def test_the_same_event_five_times_is_recorded_once(app: Flask, events: EventBuilder) -> None:
    event = events.text(USER, "通報")
    client = app.test_client()
    answers = [post(client, webhook_body(BOT, [event])) for _ in range(3)]
    answers += [post(client, webhook_body(BOT, [redelivered(event)])) for _ in range(2)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json["new"] for a in answers] == [1, 0, 0, 0, 0]
    assert stored(app) == 1
    assert len(jobs(app)) == 1


def test_a_job_made_with_the_event_equals_one_deferred_by_procrastinate(
    app: Flask, events: EventBuilder
) -> None:
    # intake records events and their jobs in one statement through procrastinate's SQL
    # entry point: the job must be the one the library's own defer would make.
    body = webhook_body(BOT, [events.text(USER, "通報")])
    assert post(app.test_client(), body).status_code == 200
    ((event_id,),) = rows(app, "SELECT id FROM line_events")
    columns = "queue_name, task_name, priority, lock, queueing_lock, args, scheduled_at, status"
    with app.app_context():
        with db.engine.begin() as connection:
            app.extensions["tsuho.defer"].configure_task(
                "handle_line_event",
                lock=f"resident:{USER}",
                connection=connection.connection.driver_connection,
            ).defer(event_id=event_id)
    ours, library = rows(app, f"SELECT {columns} FROM procrastinate_jobs ORDER BY id")
    assert ours == library


def test_events_of_one_body_are_stored_in_order_with_one_job_per_resident(
    app: Flask, events: EventBuilder
) -> None:
    sent = [events.text(USER, str(n)) for n in range(6)] + [events.text(OTHER, "x")]
    assert post(app.test_client(), webhook_body(BOT, sent)).status_code == 200
    texts = rows(app, "SELECT payload->'message'->>'text' FROM line_events ORDER BY id")
    assert [text for (text,) in texts] == [e["message"]["text"] for e in sent]
    # A job handles every pending event of its resident: one each, made for the first.
    recorded = rows(
        app,
        "SELECT e.payload->'message'->>'text', j.lock FROM procrastinate_jobs j"
        " JOIN line_events e ON e.id = (j.args->>'event_id')::bigint ORDER BY j.id",
    )
    assert recorded == [("0", f"resident:{USER}"), ("x", f"resident:{OTHER}")]


def test_a_resident_with_a_job_waiting_gets_no_second_one_until_it_starts(
    app: Flask, events: EventBuilder
) -> None:
    client = app.test_client()
    assert post(client, webhook_body(BOT, [events.text(USER, "1")])).status_code == 200
    assert post(client, webhook_body(BOT, [events.text(USER, "2")])).status_code == 200
    assert post(client, webhook_body(BOT, [events.text(OTHER, "3")])).status_code == 200
    assert stored(app) == 3
    assert [lock for _, lock, _ in jobs(app)] == [f"resident:{USER}", f"resident:{OTHER}"]
    # Once a worker has started the job, it may have read the events already: a new one.
    rows(app, "UPDATE procrastinate_jobs SET status = 'doing' WHERE lock LIKE '%1111'")
    assert post(client, webhook_body(BOT, [events.text(USER, "4")])).status_code == 200
    assert [lock for _, lock, _ in jobs(app)] == [
        f"resident:{USER}", f"resident:{OTHER}", f"resident:{USER}"
    ]


def test_one_event_twice_in_one_body_is_recorded_once(app: Flask, events: EventBuilder) -> None:
    event = events.text(USER, "通報")
    response = post(app.test_client(), webhook_body(BOT, [event, redelivered(event)]))
    assert response.json == {"received": 2, "new": 1}
    assert stored(app) == 1
    assert len(jobs(app)) == 1


def test_a_value_the_sdk_does_not_know_yet_is_recorded_not_refused(
    app: Flask, events: EventBuilder
) -> None:
    # LINE extends the format over time (the `standby` mode came later); a value the SDK's
    # models refuse must not cost the resident the events of the whole body.
    event = {**events.text(USER, "通報"), "mode": "someFutureMode"}
    response = post(app.test_client(), webhook_body(BOT, [event, events.text(USER, "x")]))
    assert response.status_code == 200
    assert response.json == {"received": 2, "new": 2}
    assert stored(app) == 2 and len(jobs(app)) == 1  # one job for the resident's two


@pytest.mark.parametrize("sign", ["", "bm90IHRoZSBzaWduYXR1cmU=", "not base64 at all!", "ééé"])
def test_a_bad_signature_is_refused_and_nothing_is_stored(
    app: Flask, events: EventBuilder, sign: str
) -> None:
    response = post(app.test_client(), webhook_body(BOT, [events.text(USER, "x")]), sign)
    assert response.status_code == 400
    assert response.json["title"] == "invalid signature"
    assert stored(app) == 0


def test_a_signature_for_another_body_is_refused(app: Flask, events: EventBuilder) -> None:
    body = webhook_body(BOT, [events.text(USER, "x")])
    other = webhook_body(BOT, [events.text(USER, "y")])
    assert post(app.test_client(), body, signature(other, SECRET)).status_code == 400
    assert stored(app) == 0


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"destination": "U"}', b'{"events": "nope"}', b'{"events": [1]}',
     b"\xff\xfe", b"", b"null", b'"events"'],
    ids=["broken", "array", "no-events", "events-not-list", "event-not-object", "not-utf8",
         "empty", "null", "string"],
)
def test_a_signed_but_malformed_body_is_refused(app: Flask, body: bytes) -> None:
    response = post(app.test_client(), body)
    assert response.status_code == 400
    assert response.json["status"] == 400
    assert stored(app) == 0


def test_a_2_mb_body_is_refused(app: Flask, events: EventBuilder) -> None:
    event = events.text(USER, "x")
    event["message"]["text"] = "あ" * 700_000
    body = webhook_body(BOT, [event])
    assert len(body) > 2_000_000
    response = post(app.test_client(), body)
    assert response.status_code == 413
    assert stored(app) == 0


def test_every_event_type_is_recorded_and_only_resident_and_chat_events_get_jobs(
    app: Flask, events: EventBuilder
) -> None:
    every = [
        events.text(USER, "こんにちは"),
        events.image(USER, b"\xff\xd8 not really a jpeg"),
        events.video(USER, b"v"),
        events.audio(USER, b"a"),
        events.file(USER, "a.pdf", b"%PDF"),
        events.location(USER, 34.6551, 133.9195, address="岡山市北区"),
        events.sticker(USER),
        events.follow(USER),
        events.unfollow(USER),
        events.postback(USER, "action=report"),
        events.unsend(USER, "123"),
        events.beacon(USER),
        events.join("C" + "2" * 32),
        events.leave("C" + "2" * 32),
        events.member_joined("C" + "2" * 32, [USER]),
        events.unknown(USER, "somethingNew", extra={"a": 1}),
    ]
    response = post(app.test_client(), webhook_body(BOT, every))
    assert response.status_code == 200
    assert response.json == {"received": 16, "new": 16}
    recorded = rows(app, "SELECT event_type, processed_at IS NULL FROM line_events ORDER BY id")
    assert [kind for kind, _ in recorded] == [e["type"] for e in every]
    waiting = [kind for kind, pending in recorded if pending]
    # A group's join is answered once (the account works in 1:1 chats); leave, memberJoined,
    # beacons and unknown events only are recorded.
    assert set(waiting) == {"message", "follow", "unfollow", "postback", "unsend", "join"}
    assert len(waiting) == 12
    # One job handles the resident's eleven events, one the group's join.
    assert len(jobs(app)) == 2


def test_hostile_text_is_stored_as_data(app: Flask, events: EventBuilder) -> None:
    hostile = "'); DROP TABLE reports; -- <script>alert(1)</script> \u202e\x00"
    event = events.text(USER, hostile)
    assert post(app.test_client(), webhook_body(BOT, [event])).status_code == 200
    ((payload,),) = rows(app, "SELECT payload FROM line_events")
    # PostgreSQL cannot store NUL: it becomes U+FFFD rather than failing the delivery forever.
    assert payload["message"]["text"] == hostile.replace("\x00", "\ufffd")


def test_an_unreachable_database_gets_503_so_line_redelivers(
    make_app: AppFactory, events: EventBuilder
) -> None:
    app = make_app(
        "postgresql+psycopg://postgres@127.0.0.1:9/none",
        LINE_CHANNEL_SECRET=SECRET,
        LINE_CHANNEL_ACCESS_TOKEN="t",
    )
    response = post(app.test_client(), webhook_body(BOT, [events.text(USER, "x")]))
    assert response.status_code == 503
    assert "redeliver" in response.json["title"]


def test_after_the_server_drops_its_connections_one_delivery_fails_then_all_succeed(
    app: Flask, events: EventBuilder
) -> None:
    # No ping before checkout: a connection the server dropped (a restart) fails one request
    # with 503, which LINE redelivers, and the whole pool is refreshed, not one connection.
    with app.app_context():
        held = [db.engine.raw_connection() for _ in range(3)]
        for connection in held:
            connection.close()  # back to the pool, three idle connections
    rows(app, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
              " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    client = app.test_client()
    sent = [webhook_body(BOT, [events.text(USER, str(n))]) for n in range(3)]
    assert [post(client, body).status_code for body in sent] == [503, 200, 200]
    assert post(client, sent[0]).status_code == 200  # the redelivery
    assert stored(app) == 3
    assert len(jobs(app)) == 1  # the resident's job, waiting, covers all three


def test_without_a_channel_secret_the_webhook_is_unavailable(
    fresh_db_url: str, make_app: AppFactory
) -> None:
    app = make_app(fresh_db_url, LINE_CHANNEL_SECRET=None)
    body = json.dumps({"events": []}).encode()
    assert post(app.test_client(), body).status_code == 503


@pytest.mark.parametrize(
    ("value", "stored"),
    [("NaN", None), ("1e400", None), ("-Infinity", None), ('"a\\ud800b"', "a\ufffdb"),
     ('"\\u0000"', "\ufffd")],
)
def test_a_value_jsonb_cannot_hold_becomes_null_with_the_raw_event_kept(
    app: Flask, value: str, stored: object
) -> None:
    event = (
        '{"type": "message", "mode": "active", "timestamp": 1764720000000,'
        ' "webhookEventId": "01ODD", "source": {"type": "user", "userId": "U1"},'
        ' "message": {"id": "1", "type": "text", "text": "x"}, "odd": ' + value + "}"
    )
    body = ('{"destination": "' + BOT + '", "events": [' + event + "]}").encode()
    assert post(app.test_client(), body).status_code == 200
    ((payload, raw, when),) = rows(app, "SELECT payload, raw, event_time FROM line_events")
    assert payload["odd"] == stored and when is not None
    kept = json.loads(raw)["odd"]  # as sent (1e400 reads back as Infinity)
    assert kept != stored and (isinstance(kept, str) or not math.isfinite(kept))
    assert len(jobs(app)) == 1


@pytest.mark.parametrize("stamp", ["1e20", "-1", "true", '"2026-12-03"', "1.5e12"])
def test_a_timestamp_line_could_not_send_is_null(app: Flask, stamp: str) -> None:
    event = (
        '{"type": "follow", "timestamp": ' + stamp + ', "webhookEventId": "01T",'
        ' "source": {"type": "user", "userId": "U1"}}'
    )
    body = ('{"destination": "' + BOT + '", "events": [' + event + "]}").encode()
    assert post(app.test_client(), body).status_code == 200
    ((when, raw),) = rows(app, "SELECT event_time, raw FROM line_events")
    assert stamp == "1.5e12" or (when, raw) == (None, None)


def test_json_nested_past_the_recursion_limit_is_refused_and_nothing_stored(app: Flask) -> None:
    fine = '{"type": "follow", "webhookEventId": "01F", "source": {"type": "user", "userId": "U1"}}'
    deep = '{"type": "x", "deep": ' + "[" * 990 + "]" * 990 + "}"
    for events in (fine + ", " + "[" * 5000 + "]" * 5000, fine + ", " + deep):
        body = ('{"destination": "' + BOT + '", "events": [' + events + "]}").encode()
        assert 400 <= post(app.test_client(), body).status_code < 500
    assert rows(app, "SELECT count(*) FROM line_events") == [(0,)]
    assert jobs(app) == []


def test_group_and_standby_events_are_recorded_as_such(app: Flask, events: EventBuilder) -> None:
    standby = events.text(USER, "通報")
    standby["mode"] = "standby"
    in_group = events.text(USER, "通報")
    in_group["source"] = {"type": "group", "groupId": "C1", "userId": USER}
    in_room = events.text(USER, "通報")
    in_room["source"] = {"type": "room", "roomId": "R1", "userId": USER}
    body = webhook_body(BOT, [standby, in_group, in_room])
    assert post(app.test_client(), body).status_code == 200
    recorded = rows(
        app, "SELECT line_user_id, chat_id, processed_at IS NULL FROM line_events ORDER BY id"
    )
    assert recorded == [(USER, None, False), (None, "C1", True), (None, "R1", True)]
    assert sorted(lock for _, lock, _ in jobs(app)) == ["chat:C1", "chat:R1"]
