from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin, str_enum
from db.enums import MessageDirection, MessageStatus


class ConversationUser(IdMixin, TimestampMixin, Base):
    """One person (a phone number) a merchant talks to."""

    __tablename__ = "conversation_users"
    __table_args__ = (
        UniqueConstraint("merchant_id", "phone"),
        CheckConstraint(r"phone ~ '^\+[1-9][0-9]{6,14}$'", name="phone_e164"),
        CheckConstraint("jsonb_typeof(attributes) = 'object'", name="attributes_object"),
        # Segments filter by tags and attributes within one merchant: btree_gin puts the
        # merchant first in one GIN index, so no plan reads another merchant's entries.
        Index(
            "ix_conversation_users_merchant_tags",
            "merchant_id",
            "tags",
            postgresql_using="gin",
        ),
        Index(
            "ix_conversation_users_merchant_attributes",
            "merchant_id",
            "attributes",
            postgresql_using="gin",
            postgresql_ops={"attributes": "jsonb_path_ops"},
        ),
        # A merchant's contacts in id order: keyset pages, segment sizes, segment inserts.
        Index("ix_conversation_users_merchant_id_id", "merchant_id", "id"),
    )

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE")
    )
    phone: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(Text)
    opted_out_at: Mapped[datetime | None]
    # The merchant's own facts about the person (a flat JSON object of scalars); a key
    # named like a template variable fills that variable (services/campaigns/rendering).
    attributes: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'::text[]"))
    # The person's own IANA time zone, over the one the phone number implies (quiet hours).
    time_zone: Mapped[str | None] = mapped_column(String(64))


class Message(IdMixin, TimestampMixin, Base):
    """A WhatsApp message in a conversation, in either direction."""

    __tablename__ = "messages"
    __table_args__ = (
        # The status recheck job finds messages due a look at Twilio by this time.
        Index(
            "ix_messages_status_check_at",
            "status_check_at",
            postgresql_where=text("status_check_at IS NOT NULL"),
        ),
    )

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )
    # No ON DELETE: a person with message history is not deleted on its own.
    conversation_user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("conversation_users.id"), index=True
    )
    direction: Mapped[MessageDirection] = mapped_column(
        str_enum(MessageDirection, "message_direction")
    )
    body: Mapped[str] = mapped_column(Text, server_default="")
    content_sid: Mapped[str | None] = mapped_column(String(34))
    sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    # The Twilio account the message went through (migration 0011): a webhook signed by
    # one account only ever touches its own messages. NULL: the platform's, from before.
    twilio_account_sid: Mapped[str | None] = mapped_column(String(34))
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus, "message_status"))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    # When the status recheck job (jobs/status_recheck.py) may next ask Twilio
    # for this message's status, in case callbacks were lost; NULL once there is nothing
    # to ask (a final status, no sid, an inbound message, past the horizon). Every new
    # message starts due: the job itself decides, by its age, when to look.
    status_check_at: Mapped[datetime | None] = mapped_column(server_default=func.now())
