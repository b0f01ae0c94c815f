"""Indexes for the worker's "unhandled events of this resident" and the webhook's "has this
resident a job waiting?".

``line.handler.handle_pending`` asks, for every job, for the resident's events not yet
processed, oldest first. Without an index on the resident it scanned every pending event;
this one holds only pending events, keyed as the query asks. ``line.intake`` looks up a
resident's waiting job by its lock on every webhook request; procrastinate's own indexes key
the lock only for running jobs.

Revision ID: i16_worker_index
Revises: i11_triage_workspace
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i16_worker_index"
down_revision: str | None = "i11_triage_workspace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_line_events_pending_by_user",
        "line_events",
        ["line_user_id", "event_time"],
        unique=False,
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.create_index(
        "ix_procrastinate_jobs_waiting_lock",
        "procrastinate_jobs",
        ["lock"],
        unique=False,
        postgresql_where=sa.text("status = 'todo'"),
    )


def downgrade() -> None:
    op.drop_index("ix_procrastinate_jobs_waiting_lock", table_name="procrastinate_jobs")
    op.drop_index(
        "ix_line_events_pending_by_user",
        table_name="line_events",
        postgresql_where=sa.text("processed_at IS NULL"),
    )
