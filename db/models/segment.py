"""Segments: a merchant's saved filters over its contacts, resolved when used."""

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin


class Segment(IdMixin, TimestampMixin, Base):
    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("merchant_id", "name"),)

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(Text)
    # The filter as validated (services/contacts/filters.py), campaign ids as numbers.
    filter: Mapped[dict[str, Any]]
