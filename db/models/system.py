"""Tables that belong to the system rather than to a merchant."""

from datetime import datetime

from sqlalchemy import String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class SenderRateLimit(Base):
    """Cluster-wide pacing per WhatsApp sender: the moment the next message may go.
    Workers reserve slots with one UPDATE, so every process shares one limit."""

    __tablename__ = "sender_rate_limits"

    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_free_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AppSecret(Base):
    """Secrets every server process must share (e.g. the key signing tracked links),
    created once by whichever process needs one first."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
