"""Idempotency keys: what a merchant's retried request gets back instead of a second send."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin


class IdempotencyKey(IdMixin, Base):
    """A key a merchant sent with one operation, the hash of that request's input and the
    row it made: a send (sendCampaign) or a ledger row (sendTemplateMessage). Written in
    the transaction that writes that row, so a refused request leaves no key behind, and
    the unique constraint makes a concurrent request with the same key wait for it."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("merchant_id", "operation", "key"),
        # Expired keys are swept by age, a merchant's at a time.
        Index("ix_idempotency_keys_merchant_id_created_at", "merchant_id", "created_at"),
    )

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE")
    )
    operation: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(Text)
    input_hash: Mapped[str] = mapped_column(String(64))  # SHA-256, hex
    # The key goes with the row it made: a retry then finds nothing to return.
    campaign_send_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("campaign_sends.id", ondelete="CASCADE"), index=True
    )
    campaign_lead_message_id: Mapped[int | None] = mapped_column(
        BigInteger,
        # Named here: the convention's name is longer than PostgreSQL's 63 characters.
        ForeignKey(
            "campaign_lead_messages.id",
            ondelete="CASCADE",
            name="fk_idempotency_keys_campaign_lead_message_id_ledger",
        ),
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
