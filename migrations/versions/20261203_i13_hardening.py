"""Hardening: a session version per staff account, and login throttling per client address.

Revision ID: i13_hardening
Revises: i16_operations
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i13_hardening"
down_revision: str | None = "i16_operations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "staff_users",
        sa.Column("session_version", sa.BigInteger(), server_default="0", nullable=False),
    )
    # The old account-wide lock goes: anyone could renew it forever.
    op.execute("UPDATE staff_users SET locked_until = NULL, failed_logins = 0")
    op.create_table(
        "login_throttles",
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("login", "client", name=op.f("pk_login_throttles")),
    )
    op.create_index(
        op.f("ix_login_throttles_updated_at"), "login_throttles", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_throttles_updated_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
    op.drop_column("staff_users", "session_version")
