"""Resident conversation v2: urgent reports, supporters, group chats and odd events kept raw.

A resident may send a report anyway after the emergency number (urgent), or say an open report
nearby is the same one (a supporter, told of its status changes). Webhook events from a group
or room carry its id instead of a resident; an event whose values the payload column cannot
hold keeps its original text.

Revision ID: i12_conversation_v2
Revises: 0006_token_scopes
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i12_conversation_v2"
down_revision: str | None = "0006_token_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "reports", sa.Column("urgent", sa.Boolean(), server_default="false", nullable=False)
    )
    op.create_table(
        "report_supporters",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"],
            name=op.f("fk_report_supporters_report_id_reports"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"],
            name=op.f("fk_report_supporters_resident_id_residents"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "resident_id", name=op.f("pk_report_supporters")),
    )
    op.create_index(
        op.f("ix_report_supporters_resident_id"), "report_supporters", ["resident_id"]
    )
    op.add_column("line_events", sa.Column("chat_id", sa.String(length=64), nullable=True))
    op.add_column("line_events", sa.Column("raw", sa.Text(), nullable=True))
    op.create_index(
        "ix_line_events_chat_id", "line_events", ["chat_id"],
        postgresql_where=sa.text("chat_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_line_events_chat_id", table_name="line_events")
    op.drop_column("line_events", "raw")
    op.drop_column("line_events", "chat_id")
    op.drop_index(op.f("ix_report_supporters_resident_id"), table_name="report_supporters")
    op.drop_table("report_supporters")
    op.drop_column("reports", "urgent")
