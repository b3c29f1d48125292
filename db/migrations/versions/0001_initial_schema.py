"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:51:06.362434
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "merchants",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("commerce", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_api_tokens_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_merchant_id"), "api_tokens", ["merchant_id"], unique=False)
    op.create_table(
        "campaigns",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("content_sid", sa.String(length=34), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "unsubmitted",
                "received",
                "pending",
                "approved",
                "rejected",
                "paused",
                "disabled",
                "archived",
                name="campaign_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="unsubmitted",
            nullable=False,
        ),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column(
            "variables",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "samples",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "content_type", sa.String(length=64), server_default="twilio/text", nullable=False
        ),
        sa.Column(
            "content_context",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "campaign_type",
            sa.Enum(
                "marketing",
                "service",
                name="campaign_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "author_type",
            sa.Enum(
                "system",
                "merchant",
                name="campaign_author_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=32), server_default="whatsapp", nullable=False),
        sa.Column("next_campaign_id", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("name ~ '^[a-z0-9_]+$'", name=op.f("ck_campaigns_name_format")),
        sa.CheckConstraint("char_length(body) <= 1024", name=op.f("ck_campaigns_body_length")),
        sa.CheckConstraint("next_campaign_id <> id", name=op.f("ck_campaigns_next_not_self")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_campaigns_version_positive")),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_campaigns_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["next_campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaigns_next_campaign_id_campaigns"),
            ondelete="SET NULL",
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint(
            "merchant_id", "name", "version", name=op.f("uq_campaigns_merchant_id_name_version")
        ),
        sa.UniqueConstraint("next_campaign_id", name=op.f("uq_campaigns_next_campaign_id")),
    )
    op.create_index(
        "ix_campaigns_awaiting_approval",
        "campaigns",
        ["status"],
        unique=False,
        postgresql_where=sa.text("status IN ('received', 'pending')"),
    )
    op.create_index("ix_campaigns_content_sid", "campaigns", ["content_sid"], unique=False)
    op.create_index("ix_campaigns_merchant_id_id", "campaigns", ["merchant_id", "id"], unique=False)
    op.create_index(
        "uq_campaigns_head",
        "campaigns",
        ["merchant_id", "name"],
        unique=True,
        postgresql_where=sa.text("next_campaign_id IS NULL"),
    )
    op.create_table(
        "conversation_users",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "phone ~ '^\\+[1-9][0-9]{6,14}$'", name=op.f("ck_conversation_users_phone_e164")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_conversation_users_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_users")),
        sa.UniqueConstraint(
            "merchant_id", "phone", name=op.f("uq_conversation_users_merchant_id_phone")
        ),
    )
    op.create_table(
        "campaign_leads",
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation_user_id", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "custom_variables",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_leads_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_user_id"],
            ["conversation_users.id"],
            name=op.f("fk_campaign_leads_conversation_user_id_conversation_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_leads")),
        sa.UniqueConstraint(
            "campaign_id",
            "conversation_user_id",
            name=op.f("uq_campaign_leads_campaign_id_conversation_user_id"),
        ),
    )
    op.create_index(
        "ix_campaign_leads_conversation_user_id",
        "campaign_leads",
        ["conversation_user_id"],
        unique=False,
    )
    op.create_table(
        "campaign_sends",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "running",
                "paused",
                "completed",
                "cancelled",
                "failed",
                name="campaign_send_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("total >= 0", name=op.f("ck_campaign_sends_total_non_negative")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_sends_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_campaign_sends_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_sends")),
    )
    op.create_index(
        "ix_campaign_sends_campaign_id", "campaign_sends", ["campaign_id"], unique=False
    )
    op.create_index(
        "ix_campaign_sends_live",
        "campaign_sends",
        ["status", "scheduled_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('scheduled', 'running')"),
    )
    op.create_index(
        "ix_campaign_sends_merchant_id", "campaign_sends", ["merchant_id"], unique=False
    )
    op.create_table(
        "messages",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation_user_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum(
                "inbound",
                "outbound",
                name="message_direction",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("content_sid", sa.String(length=34), nullable=True),
        sa.Column("sid", sa.String(length=34), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "accepted",
                "scheduled",
                "queued",
                "sending",
                "sent",
                "delivered",
                "read",
                "undelivered",
                "failed",
                "canceled",
                "receiving",
                "received",
                name="message_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["conversation_user_id"],
            ["conversation_users.id"],
            name=op.f("fk_messages_conversation_user_id_conversation_users"),
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_messages_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("sid", name=op.f("uq_messages_sid")),
    )
    op.create_index(
        op.f("ix_messages_conversation_user_id"), "messages", ["conversation_user_id"], unique=False
    )
    op.create_index(op.f("ix_messages_merchant_id"), "messages", ["merchant_id"], unique=False)
    op.create_table(
        "campaign_lead_messages",
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_lead_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_send_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "failed",
                "skipped",
                "cancelled",
                name="ledger_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column(
            "context",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("skipped_reason", sa.Text(), nullable=True),
        sa.Column("clicks", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(state = 'skipped') = (skipped_reason IS NOT NULL)",
            name=op.f("ck_campaign_lead_messages_skipped_has_reason"),
        ),
        sa.CheckConstraint(
            "clicks >= 0", name=op.f("ck_campaign_lead_messages_clicks_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_lead_messages_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_lead_id"],
            ["campaign_leads.id"],
            name=op.f("fk_campaign_lead_messages_campaign_lead_id_campaign_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_send_id"],
            ["campaign_sends.id"],
            name=op.f("fk_campaign_lead_messages_campaign_send_id_campaign_sends"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_campaign_lead_messages_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_lead_messages")),
        sa.UniqueConstraint(
            "campaign_send_id",
            "campaign_lead_id",
            name=op.f("uq_campaign_lead_messages_campaign_send_id_campaign_lead_id"),
        ),
        sa.UniqueConstraint("message_id", name=op.f("uq_campaign_lead_messages_message_id")),
    )
    op.create_index(
        "ix_campaign_lead_messages_campaign_id_id",
        "campaign_lead_messages",
        ["campaign_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_lead_messages_campaign_lead_id",
        "campaign_lead_messages",
        ["campaign_lead_id"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_lead_messages_send_state",
        "campaign_lead_messages",
        ["campaign_send_id", "state"],
        unique=False,
    )


def downgrade() -> None:

    op.drop_index("ix_campaign_lead_messages_send_state", table_name="campaign_lead_messages")
    op.drop_index("ix_campaign_lead_messages_campaign_lead_id", table_name="campaign_lead_messages")
    op.drop_index("ix_campaign_lead_messages_campaign_id_id", table_name="campaign_lead_messages")
    op.drop_table("campaign_lead_messages")
    op.drop_index(op.f("ix_messages_merchant_id"), table_name="messages")
    op.drop_index(op.f("ix_messages_conversation_user_id"), table_name="messages")
    op.drop_table("messages")
    op.drop_index("ix_campaign_sends_merchant_id", table_name="campaign_sends")
    op.drop_index(
        "ix_campaign_sends_live",
        table_name="campaign_sends",
        postgresql_where=sa.text("status IN ('scheduled', 'running')"),
    )
    op.drop_index("ix_campaign_sends_campaign_id", table_name="campaign_sends")
    op.drop_table("campaign_sends")
    op.drop_index("ix_campaign_leads_conversation_user_id", table_name="campaign_leads")
    op.drop_table("campaign_leads")
    op.drop_table("conversation_users")
    op.drop_index(
        "uq_campaigns_head",
        table_name="campaigns",
        postgresql_where=sa.text("next_campaign_id IS NULL"),
    )
    op.drop_index("ix_campaigns_merchant_id_id", table_name="campaigns")
    op.drop_index("ix_campaigns_content_sid", table_name="campaigns")
    op.drop_index(
        "ix_campaigns_awaiting_approval",
        table_name="campaigns",
        postgresql_where=sa.text("status IN ('received', 'pending')"),
    )
    op.drop_table("campaigns")
    op.drop_index(op.f("ix_api_tokens_merchant_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("merchants")
