"""Receipt-number sequence, and remembering that a blocked resident was told.

Revision ID: 0003_receipts
Revises: 0002_job_queue
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_receipts"
down_revision: str | None = "0002_job_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("report_receipt_seq")))
    op.add_column(
        "residents",
        sa.Column("blocked_notified", sa.Boolean(), server_default="false", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("residents", "blocked_notified")
    op.execute(sa.schema.DropSequence(sa.Sequence("report_receipt_seq")))
