"""contacts' attributes and tags, and segments

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 02:10:00.000000

conversation_users.attributes (a JSON object) and .tags (text[]), each in a GIN index
led by merchant_id (btree_gin), so that a segment's filter reads only its merchant's
entries. segments: a merchant's saved contact filters.
ix_conversation_users_merchant_id_id: a merchant's contacts in id order (keyset pages,
segment sizes and inserts read one merchant's rows only). campaign_lead_messages.clicked_at:
when a tracked link of the message was last clicked, for "clicked within N days".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Trusted since PostgreSQL 13: a database owner may create it without superuser.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.add_column(
        "conversation_users",
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.add_column(
        "conversation_users",
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_conversation_users_attributes_object"),
        "conversation_users",
        "jsonb_typeof(attributes) = 'object'",
    )
    op.create_index(
        "ix_conversation_users_merchant_tags",
        "conversation_users",
        ["merchant_id", "tags"],
        postgresql_using="gin",
    )
    op.create_index(
        "ix_conversation_users_merchant_attributes",
        "conversation_users",
        ["merchant_id", "attributes"],
        postgresql_using="gin",
        postgresql_ops={"attributes": "jsonb_path_ops"},
    )
    op.create_index(
        "ix_conversation_users_merchant_id_id", "conversation_users", ["merchant_id", "id"]
    )
    op.add_column("campaign_lead_messages", sa.Column("clicked_at", sa.DateTime(timezone=True)))
    op.create_table(
        "segments",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("filter", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
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
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_segments_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("merchant_id", "name", name=op.f("uq_segments_merchant_id_name")),
    )


def downgrade() -> None:
    op.drop_table("segments")
    op.drop_column("campaign_lead_messages", "clicked_at")
    op.drop_index("ix_conversation_users_merchant_id_id", table_name="conversation_users")
    op.drop_index("ix_conversation_users_merchant_attributes", table_name="conversation_users")
    op.drop_index("ix_conversation_users_merchant_tags", table_name="conversation_users")
    op.drop_constraint(
        op.f("ck_conversation_users_attributes_object"), "conversation_users", type_="check"
    )
    op.drop_column("conversation_users", "tags")
    op.drop_column("conversation_users", "attributes")
