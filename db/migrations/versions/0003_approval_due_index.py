"""approval job index covers templates due for submission too

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:12:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_campaigns_awaiting_approval", table_name="campaigns")
    op.create_index(
        "ix_campaigns_approval_due",
        "campaigns",
        ["approval_next_check_at"],
        postgresql_where=sa.text("approval_next_check_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_campaigns_approval_due", table_name="campaigns")
    op.create_index(
        "ix_campaigns_awaiting_approval",
        "campaigns",
        ["approval_next_check_at"],
        postgresql_where=sa.text("status IN ('received', 'pending')"),
    )
