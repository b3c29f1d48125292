"""The order of a message's statuses, which status handling and rechecks both read: how
far each goes, and which stored statuses a reported one may replace."""

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

# Terminal: nothing replaces them.
FAILURES: frozenset[MessageStatus] = frozenset(
    {MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.CANCELED}
)
# WhatsApp confirmed that the person has the message: a failure reported after that is
# stale or contradictory, and "delivered" is the truth worth keeping.
_PROOF_OF_DELIVERY = frozenset({MessageStatus.DELIVERED, MessageStatus.READ})


def replaceable_by(status: MessageStatus) -> tuple[MessageStatus, ...]:
    """The stored statuses a reported `status` may replace; empty for a repeat-only one."""
    if status in PROGRESS:
        return PROGRESS[: PROGRESS.index(status)]
    if status in FAILURES:
        return tuple(s for s in PROGRESS if s not in _PROOF_OF_DELIVERY)
    return ()  # receiving / received describe inbound messages, never an outbound one


def parse_status(raw: str) -> MessageStatus | None:
    try:
        return MessageStatus(raw.strip().lower())
    except ValueError:
        return None


# Every status may replace a prefix of PROGRESS (checked below), so "the stored status
# may be replaced" is "its position in PROGRESS is below the reported status's limit":
# one integer per row lets a single set-based UPDATE apply different statuses.
LIMITS: dict[MessageStatus, int] = {s: len(replaceable_by(s)) for s in MessageStatus}
assert all(replaceable_by(s) == PROGRESS[: LIMITS[s]] for s in MessageStatus)
# A message in a final status has nothing more for the status recheck job to learn.
FINAL: tuple[MessageStatus, ...] = tuple(
    s for s in (*PROGRESS, *sorted(FAILURES)) if s not in OPEN_STATUSES
)


def rank(status: MessageStatus) -> tuple[int, bool]:
    """How far a status goes, for keeping one callback per sid of a batch. A status that
    goes further replaces at least what a lesser one does, so applying only the furthest
    ends where applying them all in turn would; delivered and a failure replace the
    same statuses, and delivered, the proof of delivery, is the one worth keeping."""
    return LIMITS[status], status in PROGRESS
