"""idempotency keys

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 03:30:00.000000

idempotency_keys: a key a merchant sent with sendTemplateMessage or sendCampaign, the
hash of that request's input and the row it made (a ledger row or a send), unique per
merchant, operation and key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "idempotency_keys"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("campaign_send_id", sa.BigInteger(), nullable=True),
        sa.Column("campaign_lead_message_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_idempotency_keys_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_send_id"],
            ["campaign_sends.id"],
            name=op.f("fk_idempotency_keys_campaign_send_id_campaign_sends"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_lead_message_id"],
            ["campaign_lead_messages.id"],
            name="fk_idempotency_keys_campaign_lead_message_id_ledger",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "merchant_id",
            "operation",
            "key",
            name=op.f("uq_idempotency_keys_merchant_id_operation_key"),
        ),
    )
    op.create_index(
        "ix_idempotency_keys_merchant_id_created_at", TABLE, ["merchant_id", "created_at"]
    )
    op.create_index("ix_idempotency_keys_campaign_send_id", TABLE, ["campaign_send_id"])
    op.create_index(
        "ix_idempotency_keys_campaign_lead_message_id", TABLE, ["campaign_lead_message_id"]
    )


def downgrade() -> None:
    op.drop_table(TABLE)
