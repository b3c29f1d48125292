"""contact imports

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 02:30:00.000000

contact_imports: one CSV upload, its status, counters and lease (owner, heartbeat_at);
contact_import_errors: the rows it refused, with their line, column and code.
Schema contact_import_work: each running import's table of the phones seen so far.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTERS = (
    "total_rows",
    "processed_rows",
    "imported_rows",
    "existing_rows",
    "duplicate_rows",
    "failed_rows",
    "stored_errors",
)


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS contact_import_work")
    op.create_table(
        "contact_imports",
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "completed",
                "failed",
                name="contact_import_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="running",
            nullable=False,
        ),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column(
            "mapping",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in _COUNTERS),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
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
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_contact_imports_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_contact_imports_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_imports")),
    )
    op.create_index("ix_contact_imports_merchant_id_id", "contact_imports", ["merchant_id", "id"])
    op.create_index(
        "ix_contact_imports_running_heartbeat",
        "contact_imports",
        ["heartbeat_at"],
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_table(
        "contact_import_errors",
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("column", sa.Text(), nullable=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["contact_imports.id"],
            name=op.f("fk_contact_import_errors_import_id_contact_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_import_errors")),
    )
    op.create_index(
        "ix_contact_import_errors_import_id_id", "contact_import_errors", ["import_id", "id"]
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA IF EXISTS contact_import_work CASCADE")
    op.drop_table("contact_import_errors")
    op.drop_table("contact_imports")
