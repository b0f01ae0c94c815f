"""The worker's query for a resident's earlier unhandled events, and the webhook's look-up of
a waiting job, are served by their indexes."""

import json

import psycopg
from sqlalchemy import create_engine
from sqlalchemy import pool
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from reporting.line import intake
from reporting.line.handler import pending_of
from reporting.settings import libpq_url


def test_explain_shows_the_pending_events_index_serving_the_workers_query(
    fresh_db_url: str,
) -> None:
    engine = create_engine(fresh_db_url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        # 60,000 events of 3,000 residents, one in twenty still pending, as after a surge.
        connection.execute(
            text(
                "INSERT INTO line_events (webhook_event_id, event_type, line_user_id,"
                " event_time, payload, processed_at)"
                " SELECT 'e' || n, 'message', 'U' || (n % 3000),"
                " timestamptz '2026-12-01' + n * interval '1 second', '{}',"
                " CASE WHEN n % 20 = 0 THEN NULL ELSE now() END"
                " FROM generate_series(1, 60000) AS n"
            )
        )
        connection.execute(text("ANALYZE line_events"))
        query = pending_of("U40")
        compiled = query.compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        plan = connection.execute(text(f"EXPLAIN {compiled}")).scalars().all()
        found = connection.execute(query).scalars().all()
    engine.dispose()
    assert any("ix_line_events_pending_by_user" in line for line in plan), "\n".join(plan)
    assert not any("Seq Scan" in line for line in plan), "\n".join(plan)
    assert len(found) == 20  # n = 40, 3040, ... 57040 are pending for U40: every one found
    assert found == sorted(found)  # oldest first


def test_the_intake_statement_finds_a_waiting_job_by_its_index_however_long_the_queue(
    fresh_db_url: str,
) -> None:
    """After a surge thousands of residents have a job waiting; the webhook's statement must
    look up the sender's alone, not scan them all (a cost per request growing with the queue)."""
    with psycopg.connect(libpq_url(fresh_db_url), autocommit=True) as connection:
        connection.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, status)"
            " SELECT 'default', %s, 'resident:U' || n, '{}', 'todo'"
            " FROM generate_series(1, 5000) AS n",
            (intake.HANDLE_EVENT_TASK,),
        )
        connection.execute("ANALYZE procrastinate_jobs")
        row = {
            "webhook_event_id": "e-explain", "event_type": "message", "line_user_id": "U40",
            "chat_id": None, "event_time": None, "redelivery": False, "payload": {},
            "raw": None, "handled": True,
        }
        params = {"events": json.dumps([row]), "queue": intake.QUEUE,
                  "task": intake.HANDLE_EVENT_TASK}
        plan = [r[0] for r in connection.execute("EXPLAIN " + intake.RECORD_SQL, params)]
        new, _jobs = connection.execute(intake.RECORD_SQL, params).fetchone()
        waiting = connection.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE lock = 'resident:U40'"
        ).fetchone()
    text_plan = "\n".join(plan)
    assert "ix_procrastinate_jobs_waiting_lock" in text_plan, text_plan
    assert "Seq Scan on procrastinate_jobs" not in text_plan, text_plan
    assert new == 1 and waiting == (1,)  # stored, and covered by the job already waiting
