"""status recheck and waiting on Twilio

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:00:00.000000

messages.status_check_at: when the status recheck job may next ask Twilio for a
message's status. Existing messages start due (now() is evaluated once, no rewrite): the
job's first pass clears final ones and rechecks the rest within its horizon.
campaign_lead_messages.backoffs: how often a row waited for Twilio (not attempts).
campaign_sends.waiting_reason: why a running send's rows are backing off.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "messages",
        sa.Column(
            "status_check_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_messages_status_check_at",
        "messages",
        ["status_check_at"],
        unique=False,
        postgresql_where=sa.text("status_check_at IS NOT NULL"),
    )
    op.add_column(
        "campaign_lead_messages",
        sa.Column("backoffs", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("campaign_sends", sa.Column("waiting_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("campaign_sends", "waiting_reason")
    op.drop_column("campaign_lead_messages", "backoffs")
    op.drop_index(
        "ix_messages_status_check_at",
        table_name="messages",
        postgresql_where=sa.text("status_check_at IS NOT NULL"),
    )
    op.drop_column("messages", "status_check_at")
