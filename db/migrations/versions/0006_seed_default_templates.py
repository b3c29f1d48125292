"""the seed's default template names; campaign channel 'twilio', language 'en'

Retires the system templates whose names are no longer defaults: a template (all
versions of one merchant's name) with no history is deleted; one with history (leads,
sends, ledger rows, or messages sent with its content) is archived, so its ledger rows
keep joining to it. Merchant-authored templates are never touched. The templates with the
new names are not written here: the approval job's leader creates every merchant's
missing defaults when it starts (ApprovalJob.sync_default_templates), with the same code
that onboards a new merchant.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The defaults as of this revision (db.enums may change later; this list must not).
DEFAULT_NAMES = (
    "hello_world",
    "merchant_user_welcome",
    "merchant_user_override_request",
    "merchant_user_question_request",
    "merchant_user_question_answer",
    "out_of_stock",
    "low_stock",
    "in_stock",
    "sku_price_change",
    "merchant_user_order_placed",
    "customer_order_processing",
    "customer_order_delivering",
    "customer_order_fulfilled",
    "merchant_user_order_fulfilled",
    "customer_order_failed",
    "merchant_user_order_failed",
    "customer_cash_on_delivery_confirmation",
    "customer_order_confirmation",
    "customer_order_confirmation_with_receipt",
    "customer_order_status_update",
    "customer_order_shipping_fee_changed",
    "driver_order_request",
    "driver_order_request_not_available",
)

# Every (merchant, name) of a retired system template, and whether any of its versions
# has history.
_RETIRED = """
    CREATE TEMPORARY TABLE retired_templates AS
    SELECT c.merchant_id, c.name,
           bool_or(
               EXISTS (SELECT 1 FROM campaign_leads l WHERE l.campaign_id = c.id)
               OR EXISTS (SELECT 1 FROM campaign_sends s WHERE s.campaign_id = c.id)
               OR EXISTS (SELECT 1 FROM campaign_lead_messages m WHERE m.campaign_id = c.id)
               OR EXISTS (
                   SELECT 1 FROM messages msg
                   WHERE msg.merchant_id = c.merchant_id AND msg.content_sid = c.content_sid
               )
           ) AS has_history
    FROM campaigns c
    WHERE c.author_type = 'system' AND NOT (c.name = ANY(:names))
    GROUP BY c.merchant_id, c.name
"""

_ARCHIVE = """
    UPDATE campaigns c
    SET status = 'archived', approval_next_check_at = NULL, updated_at = now()
    FROM retired_templates r
    WHERE r.has_history AND c.merchant_id = r.merchant_id AND c.name = r.name
      AND c.next_campaign_id IS NULL
"""

# Approval events and the like go with them (ON DELETE CASCADE).
_DELETE = """
    DELETE FROM campaigns c
    USING retired_templates r
    WHERE NOT r.has_history AND c.merchant_id = r.merchant_id AND c.name = r.name
"""


def upgrade() -> None:
    names = list(DEFAULT_NAMES)
    op.execute(sa.text(_RETIRED).bindparams(sa.bindparam("names", names, sa.ARRAY(sa.Text()))))
    op.execute(_ARCHIVE)
    op.execute(_DELETE)
    op.execute("DROP TABLE retired_templates")
    # The seed's defaults: channel "twilio" (the provider a template goes through) and
    # language "en".
    op.alter_column("campaigns", "channel", server_default="twilio")
    op.execute("UPDATE campaigns SET channel = 'twilio' WHERE channel = 'whatsapp'")
    op.alter_column("campaigns", "language", server_default="en")


def downgrade() -> None:
    # Lossy: deleted templates are not brought back, archived ones stay archived, and the
    # templates created under the new names stay (as system templates of those names).
    op.alter_column("campaigns", "language", server_default=None)
    op.execute("UPDATE campaigns SET channel = 'whatsapp' WHERE channel = 'twilio'")
    op.alter_column("campaigns", "channel", server_default="whatsapp")
