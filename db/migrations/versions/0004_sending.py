"""sending

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:18:26.322728
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_app_secrets")),
    )
    op.create_table(
        "sender_rate_limits",
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column(
            "next_free_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("sender", name=op.f("pk_sender_rate_limits")),
    )
    op.add_column(
        "campaign_lead_messages",
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("campaign_lead_messages", sa.Column("last_error", sa.Text(), nullable=True))
    op.add_column(
        "campaign_lead_messages",
        sa.Column("retried", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.create_index(
        "ix_campaign_lead_messages_claimable",
        "campaign_lead_messages",
        ["campaign_send_id", "id"],
        unique=False,
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.create_index(
        "ix_campaign_lead_messages_in_flight",
        "campaign_lead_messages",
        ["claimed_at"],
        unique=False,
        postgresql_where=sa.text("state = 'sending'"),
    )
    op.add_column(
        "campaign_sends",
        sa.Column("sender", sa.String(length=64), server_default="", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("campaign_sends", "sender")
    op.drop_index(
        "ix_campaign_lead_messages_in_flight",
        table_name="campaign_lead_messages",
        postgresql_where=sa.text("state = 'sending'"),
    )
    op.drop_index(
        "ix_campaign_lead_messages_claimable",
        table_name="campaign_lead_messages",
        postgresql_where=sa.text("state = 'pending'"),
    )
    op.drop_column("campaign_lead_messages", "retried")
    op.drop_column("campaign_lead_messages", "last_error")
    op.drop_column("campaign_lead_messages", "next_attempt_at")
    op.drop_table("sender_rate_limits")
    op.drop_table("app_secrets")
