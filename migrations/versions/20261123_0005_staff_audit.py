"""Staff-account audit trail: who created, changed, disabled, locked or unlocked an account.

Revision ID: 0005_staff_audit
Revises: 0004_api_tokens
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_staff_audit"
down_revision: str | None = "0004_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        # NULL actor: the system (a lock after failed logins) or an operator on the command line.
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["staff_users.id"], name=op.f("fk_staff_audit_actor_id_staff_users")),
        sa.ForeignKeyConstraint(["target_id"], ["staff_users.id"], name=op.f("fk_staff_audit_target_id_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_audit")),
    )
    op.create_index(op.f("ix_staff_audit_actor_id"), "staff_audit", ["actor_id"])
    op.create_index(op.f("ix_staff_audit_target_id"), "staff_audit", ["target_id"])
    op.create_index(op.f("ix_staff_audit_created_at"), "staff_audit", ["created_at"])


def downgrade() -> None:
    # Dropping the table drops its indexes and foreign keys with it.
    op.drop_table("staff_audit")
