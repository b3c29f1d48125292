"""The Message row for a message Twilio accepted."""

from datetime import UTC, datetime, timedelta
from typing import Any

from db.enums import MessageDirection, MessageStatus
from db.models import Message
from services.messages.statuses import parse_status
from services.sends.context import Delivery
from services.twilio.gateway import SentMessage


def outbound_values(
    delivery: Delivery, sent: SentMessage, check_after: timedelta | None = None
) -> dict[str, Any]:
    """Column values, for the batched insert of accepted messages (no ORM object: at a
    thousand messages a second their bookkeeping is a real share of the CPU).
    `check_after`: when the status recheck job may first look at it (by default at once,
    and the job reschedules it), so that it leaves a send's messages alone meanwhile."""
    values = {
        "merchant_id": delivery.person.merchant_id,
        "conversation_user_id": delivery.person.id,
        "direction": MessageDirection.OUTBOUND,
        "body": delivery.body,
        "content_sid": delivery.campaign.content_sid,
        "sid": sent.sid,
        # Twilio's answer names a status; one we do not know counts as still queued.
        "status": parse_status(sent.status) or MessageStatus.QUEUED,
        "error_code": sent.error_code,
        "error_message": sent.error_message,
        # The account it went through: where it is looked up again (the platform's too).
        "twilio_account_sid": delivery.account_sid,
    }
    if check_after is not None:
        values["status_check_at"] = datetime.now(UTC) + check_after
    return values


def outbound_message(delivery: Delivery, sent: SentMessage) -> Message:
    return Message(**outbound_values(delivery, sent))
