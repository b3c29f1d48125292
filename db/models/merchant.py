from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin


class Merchant(IdMixin, TimestampMixin, Base):
    __tablename__ = "merchants"

    name: Mapped[str] = mapped_column(Text)
    commerce: Mapped[bool] = mapped_column(Boolean, server_default=false())


class ApiToken(IdMixin, Base):
    """A bearer token; only its SHA-256 is stored, so a database leak leaks no credentials."""

    __tablename__ = "api_tokens"

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]
