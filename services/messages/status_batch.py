"""One batch of status callbacks: what each reported (StatusUpdate), where each message
stands after it (StatusResult), and the parallel arrays the set-based UPDATE takes
(repositories/statuses.py): one entry per sid and account, its furthest status.

A callback names a message by its sid, and the account that signed it: it reaches the
message only if the message went through that account. So a batch is keyed by (sid,
account): a forged callback of one account naming another's sid is its own entry, and
changes nothing, rather than standing in for that message's real callbacks."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.enums import MessageStatus
from services.messages.statuses import FAILURES, LIMITS, PROGRESS, parse_status, rank
from services.messages.text import storable

logger = logging.getLogger(__name__)

# Milestones with a timestamp column, each implied by every later progress status.
_MILESTONES = (
    (MessageStatus.SENT, "sent_at"),
    (MessageStatus.DELIVERED, "delivered_at"),
    (MessageStatus.READ, "read_at"),
)
_COLUMNS = (
    "sids",
    "statuses",
    "limits",
    "codes",
    "errors",
    "sent",
    "delivered",
    "read",
    "failed",
    "accounts",
)
# (message sid, the account that signed its callback; None for the server's own re-reads)
Key = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """One status callback, as the webhook read it."""

    sid: str
    status: str
    error_code: int | None
    error_message: str | None
    now: datetime
    # The account whose signature the callback carried: it touches only that account's
    # messages. None: not scoped (the server's own re-reads of its messages).
    account_sid: str | None = None
    # The webhook request's id, for the batch's log lines (services/telemetry).
    request_id: str | None = None

    @property
    def key(self) -> Key:
        return self.sid, self.account_sid


@dataclass(frozen=True)
class StatusResult:
    """Where a message stands after a callback, and whether the callback changed it."""

    message_id: int
    merchant_id: int
    status: MessageStatus
    changed: bool
    ledger_id: int | None = None
    campaign_id: int | None = None
    send_id: int | None = None


def winners(updates: list[StatusUpdate]) -> dict[Key, int]:
    """Per key, the index of the update that goes furthest (the first of equals)."""
    best: dict[Key, tuple[tuple[int, bool], int]] = {}
    for index, item in enumerate(updates):
        reported = parse_status(item.status)
        if reported is None:
            logger.warning("message %s: unknown status %r ignored", item.sid, item.status)
            continue
        if not LIMITS[reported]:
            continue  # receiving / received describe inbound messages
        how_far = rank(reported)
        if item.key not in best or how_far > best[item.key][0]:
            best[item.key] = (how_far, index)
    return {key: index for key, (_, index) in best.items()}


def _earliest_milestones(updates: list[StatusUpdate]) -> dict[tuple[Key, MessageStatus], datetime]:
    """A milestone's time is the earliest of the sid's callbacks that imply it (a `sent`
    then a `read` in one batch record both times, as in turn)."""
    earliest: dict[tuple[Key, MessageStatus], datetime] = {}
    for item in updates:
        reported = parse_status(item.status)
        if reported not in PROGRESS:
            continue
        for milestone, _ in _MILESTONES:
            key = (item.key, milestone)
            if PROGRESS.index(reported) >= PROGRESS.index(milestone) and (
                key not in earliest or item.now < earliest[key]
            ):
                earliest[key] = item.now
    return earliest


def move_params(updates: list[StatusUpdate], winners: dict[Key, int]) -> dict[str, list[Any]]:
    """The UPDATE's arrays, one entry per winning key."""
    earliest = _earliest_milestones(updates)
    columns: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
    # A stable order makes lock waits between batches rarer.
    for key in sorted(winners, key=lambda k: (k[0], k[1] or "")):
        item = updates[winners[key]]
        status = MessageStatus(item.status.strip().lower())
        failure = status in FAILURES
        columns["sids"].append(item.sid)
        columns["accounts"].append(item.account_sid)
        columns["statuses"].append(status.value)
        columns["limits"].append(LIMITS[status])
        # A callback without an error keeps one recorded earlier (e.g. at create time).
        columns["codes"].append(item.error_code if failure else None)
        columns["errors"].append(
            storable(item.error_message) if failure and item.error_message else None
        )
        for milestone, column in _MILESTONES:
            columns[column.removesuffix("_at")].append(earliest.get((key, milestone)))
        columns["failed"].append(item.now if failure else None)
    return columns
