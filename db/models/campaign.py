from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin, str_enum
from db.enums import (
    CampaignAuthorType,
    CampaignSendStatus,
    CampaignStatus,
    CampaignType,
    LedgerState,
)


class Campaign(IdMixin, TimestampMixin, Base):
    """One version of a WhatsApp template. Versions share (merchant_id, name); the head
    version is the one without a next_campaign_id."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("merchant_id", "name", "version"),
        # At most one head per logical template.
        Index(
            "uq_campaigns_head",
            "merchant_id",
            "name",
            unique=True,
            postgresql_where=text("next_campaign_id IS NULL"),
        ),
        CheckConstraint("name ~ '^[a-z0-9_]+$'", name="name_format"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("char_length(body) <= 1024", name="body_length"),
        CheckConstraint("next_campaign_id <> id", name="next_not_self"),
        Index("ix_campaigns_merchant_id_id", "merchant_id", "id"),
        Index("ix_campaigns_content_sid", "content_sid"),
        # The approval job scans campaigns due a submission or a status check.
        Index(
            "ix_campaigns_approval_due",
            "approval_next_check_at",
            postgresql_where=text("approval_next_check_at IS NOT NULL"),
        ),
    )

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(512))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16), server_default="en")
    content_sid: Mapped[str | None] = mapped_column(String(34))
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, "campaign_status"), server_default="unsubmitted"
    )
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Positional placeholder -> CampaignVariableType value, e.g. {"1": "lead_name"}.
    variables: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    # CampaignVariableType value -> sample text given by the merchant for Meta's review.
    samples: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    content_type: Mapped[str] = mapped_column(String(64), server_default="twilio/text")
    # The `types` object sent to Twilio's Content API, e.g. {"twilio/text": {"body": ...}}.
    content_context: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    # Set at submission: positional key -> the link its token stands for, e.g.
    # {"3": {"kind": "button", "index": 0, "url": "https://shop.example/o/{{2}}"}}.
    # Twilio received those links as <PUBLIC_URL>/r/{{3}} (services/links).
    tracked_links: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    campaign_type: Mapped[CampaignType] = mapped_column(str_enum(CampaignType, "campaign_type"))
    author_type: Mapped[CampaignAuthorType] = mapped_column(
        str_enum(CampaignAuthorType, "campaign_author_type")
    )
    # The provider the template goes through (the seed's default; WhatsApp is implied).
    channel: Mapped[str] = mapped_column(String(32), server_default="twilio")
    # The name the template was submitted to WhatsApp under (unique per Twilio account).
    whatsapp_name: Mapped[str | None] = mapped_column(String(512))
    # Twilio's approval status as last reported, kept raw: it may be one we do not know.
    twilio_status: Mapped[str | None] = mapped_column(String(64))
    # The WhatsApp category as last reported; Meta may change it after submission.
    category: Mapped[str | None] = mapped_column(String(32))
    submitted_at: Mapped[datetime | None]
    approval_checked_at: Mapped[datetime | None]
    # When the approval job should next look at this campaign: to check a template in
    # review, or to submit a new system template (None: nothing to do).
    approval_next_check_at: Mapped[datetime | None]
    approval_check_failures: Mapped[int] = mapped_column(Integer, server_default="0")
    # A submission in progress (the Twilio calls happen between two transactions): who
    # holds it and since when. A concurrent submit waits for it; one older than the
    # claim's lifetime was left by a crashed process and may be taken over.
    submission_claim: Mapped[str | None] = mapped_column(String(36))
    submission_claimed_at: Mapped[datetime | None]
    next_campaign_id: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("campaigns.id", ondelete="SET NULL", deferrable=True, initially="DEFERRED"),
        unique=True,
    )


class CampaignApprovalEvent(IdMixin, Base):
    """Every approval status or category change reported for a campaign, and by what."""

    __tablename__ = "campaign_approval_events"
    __table_args__ = (Index("ix_campaign_approval_events_campaign_id", "campaign_id", "id"),)

    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    source: Mapped[str] = mapped_column(String(16))  # submit, webhook, poll, sync
    previous_status: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    twilio_status: Mapped[str | None] = mapped_column(String(64))
    previous_category: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CampaignLead(IdMixin, TimestampMixin, Base):
    """One person in a campaign's audience; inactive leads stay for history."""

    __tablename__ = "campaign_leads"
    __table_args__ = (
        UniqueConstraint("campaign_id", "conversation_user_id"),
        Index("ix_campaign_leads_conversation_user_id", "conversation_user_id"),
    )

    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    # No ON DELETE: a person in an audience is not deleted on its own.
    conversation_user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("conversation_users.id")
    )
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # CampaignVariableType value -> text, overriding lead and merchant data.
    custom_variables: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))


class CampaignSend(IdMixin, TimestampMixin, Base):
    """One run of a bulk send of a campaign."""

    __tablename__ = "campaign_sends"
    __table_args__ = (
        Index("ix_campaign_sends_campaign_id", "campaign_id"),
        Index("ix_campaign_sends_merchant_id", "merchant_id"),
        Index(
            "ix_campaign_sends_live",
            "status",
            "scheduled_at",
            postgresql_where=text("status IN ('scheduled', 'running')"),
        ),
        CheckConstraint("total >= 0", name="total_non_negative"),
    )

    merchant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("merchants.id", ondelete="CASCADE")
    )
    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    status: Mapped[CampaignSendStatus] = mapped_column(
        str_enum(CampaignSendStatus, "campaign_send_status")
    )
    # The merchant's sender it goes out from; NULL: the platform's sender. No ON DELETE:
    # senders are removed softly, so a send keeps its sender.
    sender_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("senders.id"))
    paused_reason: Mapped[str | None] = mapped_column(Text)
    # Why rows of a running send are backing off (Twilio unavailable); cleared when
    # Twilio accepts a message of the send again, or the send ends.
    waiting_reason: Mapped[str | None] = mapped_column(Text)
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(Integer, server_default="0")
    # The WhatsApp sender (or Messaging Service) whose rate limit this send counts against.
    sender: Mapped[str] = mapped_column(String(64), server_default="")
    # The id of the request that made the send (services/telemetry/request_ids.py): the
    # worker's log lines about it carry it, joining them to that request's lines.
    request_id: Mapped[str | None] = mapped_column(String(64))
    # The circuit breaker judges only the rows claimed after this (the last resume).
    breaker_since: Mapped[datetime | None]


class CampaignLeadMessage(IdMixin, TimestampMixin, Base):
    """The ledger: one row per lead per send (or per one-off send), tying the sent Message
    to its campaign and lead with the variables as hydrated at send time."""

    __tablename__ = "campaign_lead_messages"
    __table_args__ = (
        UniqueConstraint("campaign_send_id", "campaign_lead_id"),
        Index("ix_campaign_lead_messages_campaign_id_id", "campaign_id", "id"),
        Index("ix_campaign_lead_messages_campaign_lead_id", "campaign_lead_id"),
        Index("ix_campaign_lead_messages_send_state", "campaign_send_id", "state"),
        # Workers claim pending rows of running sends: those never tried in id order,
        # those whose wait is over by the end of their wait (repositories/ledger.py).
        # Apart, so that rows still waiting (a quiet night's) are never read past.
        Index(
            "ix_campaign_lead_messages_claimable",
            "campaign_send_id",
            "id",
            postgresql_where=text("state = 'pending' AND next_attempt_at IS NULL"),
        ),
        Index(
            "ix_campaign_lead_messages_due",
            "campaign_send_id",
            "next_attempt_at",
            postgresql_where=text("state = 'pending' AND next_attempt_at IS NOT NULL"),
        ),
        # Rows claimed but never finished (a crash mid-send) are found by age.
        Index(
            "ix_campaign_lead_messages_in_flight",
            "claimed_at",
            postgresql_where=text("state = 'sending'"),
        ),
        CheckConstraint("clicks >= 0", name="clicks_non_negative"),
        CheckConstraint(
            "(state = 'skipped') = (skipped_reason IS NOT NULL)", name="skipped_has_reason"
        ),
    )

    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    campaign_lead_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("campaign_leads.id", ondelete="CASCADE")
    )
    campaign_send_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("campaign_sends.id", ondelete="CASCADE")
    )
    message_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("messages.id", ondelete="SET NULL"), unique=True
    )
    state: Mapped[LedgerState] = mapped_column(
        str_enum(LedgerState, "ledger_state"), server_default="pending"
    )
    # The sender this row goes out from (its send's, or a one-off's); NULL: the platform's.
    sender_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("senders.id"))
    context: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    skipped_reason: Mapped[str | None] = mapped_column(Text)
    clicks: Mapped[int] = mapped_column(Integer, server_default="0")
    # When a tracked link of the message was last clicked (segments: "clicked within N
    # days"); NULL: never, or only before migration 0012.
    clicked_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    claimed_at: Mapped[datetime | None]
    # A pending row is not claimed before this (backoff after 429 / 5xx).
    next_attempt_at: Mapped[datetime | None]
    # Times the row waited for Twilio (429, 5xx on reads, unreachable): not attempts,
    # since nothing went out; they only lengthen the next backoff.
    backoffs: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when retryFailedMessages requeued this row: it is retried once, not forever.
    retried: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Times Meta limited this row's message (63049: the person's marketing cap across
    # businesses) and when it last did; NULL once a later message of the row went out.
    limits: Mapped[int] = mapped_column(Integer, server_default="0")
    limited_at: Mapped[datetime | None]
