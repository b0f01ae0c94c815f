"""The public side: the city's public answer on a report, resident photos staff published,
web reports' private status links and the source ``web``.

Revision ID: i15_public_side
Revises: i13_hardening
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i15_public_side"
down_revision: str | None = "i13_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("reports", sa.Column("public_answer", sa.Text(), nullable=True))
    op.add_column("reports", sa.Column("status_token_hash", sa.String(length=64), nullable=True))
    op.create_unique_constraint(
        op.f("uq_reports_status_token_hash"), "reports", ["status_token_hash"]
    )
    op.add_column(
        "photos",
        sa.Column("published", sa.Boolean(), server_default="false", nullable=False),
    )
    op.drop_constraint(op.f("ck_reports_source"), "reports", type_="check")
    op.create_check_constraint(
        op.f("ck_reports_source"), "reports", "source IN ('line', 'open311', 'web')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM reports WHERE source = 'web'")
    op.drop_constraint(op.f("ck_reports_source"), "reports", type_="check")
    op.create_check_constraint(
        op.f("ck_reports_source"), "reports", "source IN ('line', 'open311')"
    )
    op.drop_column("photos", "published")
    op.drop_constraint(op.f("uq_reports_status_token_hash"), "reports", type_="unique")
    op.drop_column("reports", "status_token_hash")
    op.drop_column("reports", "public_answer")
