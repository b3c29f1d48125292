"""What the send path counts (services/telemetry/metrics.py), each once its transaction
committed."""

from collections import Counter as Tally
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import MessageStatus
from repositories.after_commit import after_commit
from services.telemetry import metrics

# Twilio's error codes a WhatsApp message fails with (the facts sheet's, and the common
# carrier ones): the values the failures' label may take.
KNOWN_ERROR_CODES = frozenset(
    str(code)
    for code in (
        20003, 20401, 20429, 21211, 21408, 21610, 21614, 21655, 21656, 30003, 30005, 30006,
        30007, 30008, 30036, 63001, 63003, 63005, 63007, 63013, 63016, 63017, 63018, 63021,
        63024, 63030, 63032, 63049,
    )
)  # fmt: skip
_FAILED = (MessageStatus.FAILED, MessageStatus.UNDELIVERED)
# The statuses a callback is counted for: where a message ends up, not the steps on the
# way (queued, sending), which say nothing an operator acts on.
_COUNTED = (*_FAILED, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)


def error_code_label(code: int | None) -> str:
    return "none" if code is None else metrics.bounded(str(code), KNOWN_ERROR_CODES)


def accepted(session: AsyncSession, count: int) -> None:
    if count:
        after_commit(session, lambda: metrics.messages.labels("accepted").inc(count))


def failed_before_twilio(session: AsyncSession, code: int | None) -> None:
    """A message that never got a Twilio status: Twilio refused it, or it could not be
    prepared."""

    def count() -> None:
        metrics.messages.labels("refused").inc()
        metrics.message_failures.labels(error_code_label(code)).inc()

    after_commit(session, count)


def skipped(session: AsyncSession, reasons: Iterable[str]) -> None:
    tally = Tally(reasons)
    if not tally:
        return

    def count() -> None:
        for reason, times in tally.items():
            metrics.messages.labels("skipped").inc(times)
            metrics.messages_skipped.labels(reason).inc(times)

    after_commit(session, count)


def statuses(session: AsyncSession, moved: Iterable[tuple[MessageStatus, int | None]]) -> None:
    """Statuses Twilio reported that changed a message, with their error codes."""
    tally = Tally((status, code) for status, code in moved if status in _COUNTED)
    if not tally:
        return

    def count() -> None:
        for (status, code), times in tally.items():
            metrics.messages.labels(status.value).inc(times)
            if status in _FAILED:
                metrics.message_failures.labels(error_code_label(code)).inc(times)

    after_commit(session, count)
