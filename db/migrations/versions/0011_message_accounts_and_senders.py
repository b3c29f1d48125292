"""which Twilio account a message went through, and which sender a send uses

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:10:00.000000

messages.twilio_account_sid: the account that sent (or received) the message, written
with every new message, so that a webhook signed by one account can only touch that
account's messages. NULL for rows from before: they went through the platform's account.
campaign_sends.sender_id and campaign_lead_messages.sender_id: the merchant's sender a
send (and each of its rows, and a one-off) goes out from; NULL is the platform's sender.
No ON DELETE: senders are removed softly (removed_at), so history keeps its sender.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("twilio_account_sid", sa.String(34), nullable=True))
    for table in ("campaign_sends", "campaign_lead_messages"):
        op.add_column(table, sa.Column("sender_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(
            op.f(f"fk_{table}_sender_id_senders"), table, "senders", ["sender_id"], ["id"]
        )


def downgrade() -> None:
    for table in ("campaign_lead_messages", "campaign_sends"):
        op.drop_constraint(op.f(f"fk_{table}_sender_id_senders"), table, type_="foreignkey")
        op.drop_column(table, "sender_id")
    op.drop_column("messages", "twilio_account_sid")
