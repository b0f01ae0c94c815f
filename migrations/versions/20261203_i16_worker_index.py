"""An index for the worker's "earlier unhandled events of this resident".

``line.handler.handle_pending`` asks, for every event it handles, for the resident's events
not yet processed up to that event's time, oldest first. Without an index on the resident it
scanned every pending event; this one holds only pending events, keyed as the query asks.

Revision ID: i16_worker_index
Revises: 0006_token_scopes
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i16_worker_index"
down_revision: str | None = "0006_token_scopes"
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


def downgrade() -> None:
    op.drop_index(
        "ix_line_events_pending_by_user",
        table_name="line_events",
        postgresql_where=sa.text("processed_at IS NULL"),
    )
