"""sending policy

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:45:00.000000

sending_policies: a merchant's sending policy (quiet hours, marketing frequency cap,
circuit breaker, validity periods); a merchant without a row has the defaults.
campaign_lead_messages.limits / limited_at: how often Meta limited a row's message
(63049) and when it last did. campaign_sends.breaker_since: the circuit breaker judges
only what went out after the send was last resumed. conversation_users.time_zone: a
contact's own time zone, over the one its phone number implies.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "sending_policies"
_RATE = "{0} IS NULL OR ({0} > 0 AND {0} <= 1)"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("merchant_id", sa.BigInteger(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("cap_messages", sa.Integer(), nullable=True),
        sa.Column("cap_days", sa.Integer(), nullable=True),
        sa.Column("breaker_failure_rate", sa.Double(), nullable=True),
        sa.Column("breaker_opt_out_rate", sa.Double(), nullable=True),
        sa.Column("breaker_limited_rate", sa.Double(), nullable=True),
        sa.Column("breaker_window", sa.Integer(), nullable=False),
        sa.Column("validity_marketing", sa.Integer(), nullable=False),
        sa.Column("validity_utility", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_sending_policies_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_sending_policies")),
        sa.CheckConstraint(
            "(quiet_start IS NULL AND quiet_end IS NULL) OR quiet_start <> quiet_end",
            name=op.f("ck_sending_policies_quiet_hours"),
        ),
        sa.CheckConstraint(
            "(cap_messages IS NULL) = (cap_days IS NULL) AND cap_messages >= 1 AND cap_days >= 1",
            name=op.f("ck_sending_policies_marketing_cap"),
        ),
        sa.CheckConstraint(
            " AND ".join(
                f"({_RATE.format(c)})"
                for c in ("breaker_failure_rate", "breaker_opt_out_rate", "breaker_limited_rate")
            ),
            name=op.f("ck_sending_policies_breaker_rates"),
        ),
        sa.CheckConstraint("breaker_window >= 1", name=op.f("ck_sending_policies_breaker_window")),
        sa.CheckConstraint(
            "validity_marketing BETWEEN 1 AND 36000 AND validity_utility BETWEEN 1 AND 36000",
            name=op.f("ck_sending_policies_validity"),
        ),
    )
    op.add_column(
        "campaign_lead_messages",
        sa.Column("limits", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "campaign_lead_messages",
        sa.Column("limited_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "campaign_sends", sa.Column("breaker_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("conversation_users", sa.Column("time_zone", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("conversation_users", "time_zone")
    op.drop_column("campaign_sends", "breaker_since")
    op.drop_column("campaign_lead_messages", "limited_at")
    op.drop_column("campaign_lead_messages", "limits")
    op.drop_table(TABLE)
