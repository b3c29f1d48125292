"""named API tokens a merchant manages, and their shared request budgets

Today's one token per merchant becomes a token named "default" (its label, if it had
one, becomes its name). Its prefix cannot be recovered from the stored hash, so it shows
as `cmp_`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("api_tokens", "label", new_column_name="name", server_default=None)
    op.execute("UPDATE api_tokens SET name = 'default' WHERE name = ''")
    op.add_column(
        "api_tokens",
        sa.Column("prefix", sa.String(length=16), server_default="cmp_", nullable=False),
    )
    op.alter_column("api_tokens", "prefix", server_default=None)
    op.add_column(
        "api_tokens", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "uq_api_tokens_active_name",
        "api_tokens",
        ["merchant_id", "name"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "api_token_rate_limits",
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("available", sa.Double(), nullable=False),
        sa.Column(
            "refilled_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_api_token_rate_limits_token_id_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_api_token_rate_limits")),
    )


def downgrade() -> None:
    op.drop_table("api_token_rate_limits")
    op.drop_index("uq_api_tokens_active_name", table_name="api_tokens")
    op.drop_column("api_tokens", "last_used_at")
    op.drop_column("api_tokens", "prefix")
    op.alter_column("api_tokens", "name", new_column_name="label", server_default="")
