"""Token scopes (analysts read, Open311 partners file) and the known report sources.

An analyst's read token must not file reports and an Open311 key must not read the analysts'
exports, so each token says which it is; every token made so far was an analyst's.

Revision ID: 0006_token_scopes
Revises: 0005_staff_audit
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_token_scopes"
down_revision: str | None = "0005_staff_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "api_tokens",
        sa.Column("scope", sa.String(length=16), server_default="read", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_api_tokens_scope"), "api_tokens", "scope IN ('read', 'open311')"
    )
    op.create_check_constraint(
        op.f("ck_reports_source"), "reports", "source IN ('line', 'open311')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_reports_source"), "reports", type_="check")
    op.drop_constraint(op.f("ck_api_tokens_scope"), "api_tokens", type_="check")
    op.drop_column("api_tokens", "scope")
