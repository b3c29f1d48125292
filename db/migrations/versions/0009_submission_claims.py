"""submission claims and the tracked-link key at migration

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 10:00:00.000000

campaigns.submission_claim / submission_claimed_at: a submission in progress, so that
Twilio is called with no transaction open (jobs/submission.py).
app_secrets' tracked_links_hmac is created here, once per database, rather than by
whichever request first needs it in a transaction of its own. Two random UUIDs give 244
random bits (gen_random_uuid is PostgreSQL's strong generator); an existing key stays.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("submission_claim", sa.String(36), nullable=True))
    op.add_column(
        "campaigns",
        sa.Column("submission_claimed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute(
        "INSERT INTO app_secrets (name, value) VALUES ('tracked_links_hmac', "
        "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')) "
        "ON CONFLICT (name) DO NOTHING"
    )


def downgrade() -> None:
    # The key stays: links already sent are signed with it.
    op.drop_column("campaigns", "submission_claimed_at")
    op.drop_column("campaigns", "submission_claim")
