"""claim indexes: pending rows never tried apart from rows waiting

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 20:05:00.000000

Rows held back (quiet hours, Meta's 63049, a backoff, a slot of the sender's rate) stay
pending with next_attempt_at set. The claim read them all, in id order, on every poll: 18
ms a claim with 99,000 rows held ahead of the due ones. Now rows never tried have their
index and rows waiting theirs, ordered by the end of their wait.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "campaign_lead_messages"
CLAIMABLE = "ix_campaign_lead_messages_claimable"
DUE = "ix_campaign_lead_messages_due"


def upgrade() -> None:
    op.drop_index(CLAIMABLE, table_name=TABLE)
    op.create_index(
        CLAIMABLE,
        TABLE,
        ["campaign_send_id", "id"],
        postgresql_where=sa.text("state = 'pending' AND next_attempt_at IS NULL"),
    )
    op.create_index(
        DUE,
        TABLE,
        ["campaign_send_id", "next_attempt_at"],
        postgresql_where=sa.text("state = 'pending' AND next_attempt_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(DUE, table_name=TABLE)
    op.drop_index(CLAIMABLE, table_name=TABLE)
    op.create_index(
        CLAIMABLE, TABLE, ["campaign_send_id", "id"], postgresql_where=sa.text("state = 'pending'")
    )
