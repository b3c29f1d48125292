"""the request that made each send

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 02:20:00.000000

campaign_sends.request_id: the id of the request that made the send, so that the
worker's log lines about it carry the same id as the request's own. NULL for older sends.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("campaign_sends", sa.Column("request_id", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("campaign_sends", "request_id")
