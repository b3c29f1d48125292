"""a merchant's own Twilio account and its WhatsApp senders

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:45:24.769310

Both tables start empty: every existing merchant has no account row and no sender, so it
keeps using the platform's account and sender (TWILIO_* settings) exactly as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "senders",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("rate_limit", sa.Integer(), server_default="80", nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.CheckConstraint(
            "address ~ '^(whatsapp:\\+[1-9][0-9]{6,14}|MG[0-9a-f]{32})$'",
            name=op.f("ck_senders_address_format"),
        ),
        sa.CheckConstraint(
            "NOT (is_default AND removed_at IS NOT NULL)", name=op.f("ck_senders_default_is_live")
        ),
        sa.CheckConstraint(
            "rate_limit BETWEEN 1 AND 400", name=op.f("ck_senders_rate_limit_range")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_senders_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_senders")),
    )
    op.create_index(op.f("ix_senders_merchant_id"), "senders", ["merchant_id"], unique=False)
    op.create_index(
        "uq_senders_default",
        "senders",
        ["merchant_id"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_index(
        "uq_senders_live_address",
        "senders",
        ["merchant_id", "address"],
        unique=True,
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_table(
        "twilio_accounts",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("account_sid", sa.String(length=34), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "subaccount",
                "connected",
                name="twilio_account_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("credentials", sa.LargeBinary(), nullable=False),
        sa.Column("friendly_name", sa.Text(), nullable=False),
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
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.CheckConstraint(
            "account_sid ~ '^AC[0-9a-f]{32}$'", name=op.f("ck_twilio_accounts_sid_format")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_twilio_accounts_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_twilio_accounts")),
        sa.UniqueConstraint("account_sid", name=op.f("uq_twilio_accounts_account_sid")),
        sa.UniqueConstraint("merchant_id", name=op.f("uq_twilio_accounts_merchant_id")),
    )


def downgrade() -> None:
    op.drop_table("twilio_accounts")
    op.drop_index(
        "uq_senders_live_address",
        table_name="senders",
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.drop_index(
        "uq_senders_default", table_name="senders", postgresql_where=sa.text("is_default")
    )
    op.drop_index(op.f("ix_senders_merchant_id"), table_name="senders")
    op.drop_table("senders")
