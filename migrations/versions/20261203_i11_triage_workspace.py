"""Staff triage: the after-repair photo and when a report was first acknowledged.

A report's photos are the resident's unless staff attach the one taken after the repair
(``photos.kind``). ``reports.acknowledged_at`` is when a report first left "new", the city's
first response; reports already past "new" take it from their first status change in the
audit trail.

Revision ID: i11_triage_workspace
Revises: i12_conversation_v2
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i11_triage_workspace"
down_revision: str | None = "i12_conversation_v2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
UPDATE reports r SET acknowledged_at = first.at
FROM (
    SELECT report_id, min(created_at) AS at FROM report_events
    WHERE action = 'status' AND from_status = 'new'
    GROUP BY report_id
) first
WHERE first.report_id = r.id
"""


def upgrade() -> None:
    op.add_column(
        "photos",
        sa.Column("kind", sa.String(length=16), server_default="resident", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_photos_kind"), "photos", "kind IN ('resident', 'after_repair')"
    )
    op.add_column("reports", sa.Column("acknowledged_at", sa.DateTime(timezone=True)))
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_column("reports", "acknowledged_at")
    op.drop_constraint(op.f("ck_photos_kind"), "photos", type_="check")
    op.drop_column("photos", "kind")
