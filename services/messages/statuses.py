"""The order of a message's statuses, which status handling and rechecks both read."""

from db.enums import MessageStatus

# The way a message moves when all goes well.
PROGRESS: tuple[MessageStatus, ...] = (
    MessageStatus.ACCEPTED,
    MessageStatus.SCHEDULED,
    MessageStatus.QUEUED,
    MessageStatus.SENDING,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.READ,
)

# Statuses Twilio may still change: everything before `read`. `delivered` is one, since
# WhatsApp reports `read` later if the person reads it with read receipts on. Final:
# read, failed, undelivered, canceled (and the inbound statuses).
OPEN_STATUSES: tuple[MessageStatus, ...] = PROGRESS[: PROGRESS.index(MessageStatus.READ)]
