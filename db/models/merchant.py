from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Double,
    ForeignKey,
    Index,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin


class Merchant(IdMixin, TimestampMixin, Base):
    __tablename__ = "merchants"

    name: Mapped[str] = mapped_column(Text)
    commerce: Mapped[bool] = mapped_column(Boolean, server_default=false())


class ApiToken(IdMixin, Base):
    """A named bearer token of a merchant; only its SHA-256 is stored, so a database leak
    leaks no credentials. `prefix` is the token's first characters, for a merchant to tell
    tokens apart; tokens issued before names existed show only `cmp_`."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        # Names tell a merchant's live tokens apart; a revoked token frees its name.
        Index(
            "uq_api_tokens_active_name",
            "merchant_id",
            "name",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Written at most once a minute per token, off the request path (TokenUsage).
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ApiTokenRateLimit(Base):
    """A token's request budget shared by every server process: a token bucket that
    processes lease requests from in chunks (jobs/shared_rate_limit.py)."""

    __tablename__ = "api_token_rate_limits"

    token_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    available: Mapped[float] = mapped_column(Double)
    refilled_at: Mapped[datetime] = mapped_column(server_default=func.now())
