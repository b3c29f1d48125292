"""approval tracking

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:02:44.119108
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_approval_events",
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("previous_status", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("twilio_status", sa.String(length=64), nullable=True),
        sa.Column("previous_category", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_approval_events_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_approval_events")),
    )
    op.create_index(
        "ix_campaign_approval_events_campaign_id",
        "campaign_approval_events",
        ["campaign_id", "id"],
        unique=False,
    )
    op.add_column("campaigns", sa.Column("whatsapp_name", sa.String(length=512), nullable=True))
    op.add_column("campaigns", sa.Column("twilio_status", sa.String(length=64), nullable=True))
    op.add_column("campaigns", sa.Column("category", sa.String(length=32), nullable=True))
    op.add_column("campaigns", sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "campaigns", sa.Column("approval_checked_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "campaigns", sa.Column("approval_next_check_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "campaigns",
        sa.Column("approval_check_failures", sa.Integer(), server_default="0", nullable=False),
    )
    op.drop_index(
        op.f("ix_campaigns_awaiting_approval"),
        table_name="campaigns",
        postgresql_where=sa.text("status IN ('received', 'pending')"),
    )
    op.create_index(
        "ix_campaigns_awaiting_approval",
        "campaigns",
        ["approval_next_check_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('received', 'pending')"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_campaigns_awaiting_approval",
        table_name="campaigns",
        postgresql_where=sa.text("status IN ('received', 'pending')"),
    )
    op.create_index(
        op.f("ix_campaigns_awaiting_approval"),
        "campaigns",
        ["status"],
        unique=False,
        postgresql_where=sa.text("status IN ('received', 'pending')"),
    )
    op.drop_column("campaigns", "approval_check_failures")
    op.drop_column("campaigns", "approval_next_check_at")
    op.drop_column("campaigns", "approval_checked_at")
    op.drop_column("campaigns", "submitted_at")
    op.drop_column("campaigns", "category")
    op.drop_column("campaigns", "twilio_status")
    op.drop_column("campaigns", "whatsapp_name")
    op.drop_index("ix_campaign_approval_events_campaign_id", table_name="campaign_approval_events")
    op.drop_table("campaign_approval_events")
