"""The worker's query for a resident's earlier unhandled events is served by its index."""

from sqlalchemy import create_engine
from sqlalchemy import pool
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from reporting.line.handler import pending_of


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
