"""Operations: failed job attempts with their errors, retention runs, residents' last contact,
and indexes for the photo collector's "does any row still refer to this key?".

Revision ID: i16_operations
Revises: i16_worker_index
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "i16_operations"
down_revision: str | None = "i16_worker_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_failures",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("task_name", sa.String(length=128), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column(
            "failed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_failures")),
    )
    op.create_index(op.f("ix_job_failures_job_id"), "job_failures", ["job_id"])
    op.create_index(op.f("ix_job_failures_failed_at"), "job_failures", ["failed_at"])
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "ran_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("policy", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("removed", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    op.add_column(
        "residents", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(op.f("ix_photos_storage_key"), "photos", ["storage_key"])
    op.create_index(op.f("ix_photos_thumbnail_key"), "photos", ["thumbnail_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_photos_thumbnail_key"), table_name="photos")
    op.drop_index(op.f("ix_photos_storage_key"), table_name="photos")
    op.drop_column("residents", "last_seen_at")
    op.drop_table("retention_runs")
    op.drop_index(op.f("ix_job_failures_failed_at"), table_name="job_failures")
    op.drop_index(op.f("ix_job_failures_job_id"), table_name="job_failures")
    op.drop_table("job_failures")
