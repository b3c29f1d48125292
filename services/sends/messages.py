"""The Message row for a message Twilio accepted."""

import contextlib

from db.enums import MessageDirection, MessageStatus
from db.models import Message
from services.sends.context import Delivery
from services.twilio.gateway import SentMessage


def outbound_message(delivery: Delivery, sent: SentMessage) -> Message:
    return Message(
        merchant_id=delivery.person.merchant_id,
        conversation_user_id=delivery.person.id,
        direction=MessageDirection.OUTBOUND,
        body=delivery.body,
        content_sid=delivery.campaign.content_sid,
        sid=sent.sid,
        status=_status(sent.status),
        error_code=sent.error_code,
        error_message=sent.error_message,
    )


def _status(raw: str) -> MessageStatus:
    with contextlib.suppress(ValueError):
        return MessageStatus(raw)
    return MessageStatus.QUEUED
