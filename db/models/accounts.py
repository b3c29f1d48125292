"""A merchant's own Twilio account and its WhatsApp senders.

A merchant without a `twilio_accounts` row uses the platform's account (TWILIO_*
settings); one without live senders uses the platform's sender. Credentials are one
Fernet token (services/accounts/credentials.py): the database never holds them in clear.
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, str_enum
from db.enums import TwilioAccountKind

ACCOUNT_SID_PATTERN = "^AC[0-9a-f]{32}$"
SENDER_PATTERN = r"^(whatsapp:\+[1-9][0-9]{6,14}|MG[0-9a-f]{32})$"
MIN_SENDER_RATE, MAX_SENDER_RATE = 1, 400  # messages/s; Twilio's most for text is 400


class TwilioAccount(IdMixin, Base):
    __tablename__ = "twilio_accounts"
    __mapper_args__ = {"eager_defaults": True}  # updated_at readable after an UPDATE
    __table_args__ = (CheckConstraint(f"account_sid ~ '{ACCOUNT_SID_PATTERN}'", name="sid_format"),)

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE"), unique=True
    )
    account_sid: Mapped[str] = mapped_column(String(34), unique=True)
    kind: Mapped[TwilioAccountKind] = mapped_column(
        str_enum(TwilioAccountKind, "twilio_account_kind")
    )
    # Fernet token of {"auth_token": …} and/or {"api_key_sid": …, "api_key_secret": …}.
    credentials: Mapped[bytes] = mapped_column(LargeBinary)
    friendly_name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Sender(IdMixin, Base):
    """A WhatsApp sender of a merchant: a `whatsapp:+E164` number or a Messaging Service.
    Removed senders stay (removed_at) so that what was sent from them keeps its sender."""

    __tablename__ = "senders"
    __table_args__ = (
        CheckConstraint(f"address ~ '{SENDER_PATTERN}'", name="address_format"),
        CheckConstraint(
            f"rate_limit BETWEEN {MIN_SENDER_RATE} AND {MAX_SENDER_RATE}", name="rate_limit_range"
        ),
        CheckConstraint("NOT (is_default AND removed_at IS NOT NULL)", name="default_is_live"),
        # At most one default per merchant (the services keep exactly one while any is live).
        Index(
            "uq_senders_default",
            "merchant_id",
            unique=True,
            postgresql_where=text("is_default"),
        ),
        Index(
            "uq_senders_live_address",
            "merchant_id",
            "address",
            unique=True,
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str] = mapped_column(String(64))
    rate_limit: Mapped[int] = mapped_column(Integer, server_default="80")
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    removed_at: Mapped[datetime | None]
