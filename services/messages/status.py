"""Applying Twilio's status callbacks to outbound messages.

Callbacks arrive out of order, repeat, and may reach two server processes at once for
the same message, so statuses are applied by one conditional UPDATE whose WHERE clause
admits, per row, only the statuses the reported one may replace. When a concurrent
UPDATE of the row commits first, PostgreSQL re-checks that clause against the new row
version, so the stored status only ever moves forward, whichever process wins. The
UPDATE is set-based: the webhook applies the callbacks that arrive together as one
batch (jobs/status_batcher.py), in one statement and one transaction.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import MessageStatus
from repositories import notifications
from repositories import statuses as status_repository
from repositories.sends import pause_send
from services.events.messages import (
    CHANNEL,
    Event,
    SendProgress,
    encode,
    publish,
    rows_changed,
)
from services.messages.statuses import OPEN_STATUSES, PROGRESS
from services.messages.text import storable

logger = logging.getLogger(__name__)

# Terminal: nothing replaces them.
FAILURES: frozenset[MessageStatus] = frozenset(
    {MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.CANCELED}
)
# WhatsApp confirmed that the person has the message: a failure reported after that is
# stale or contradictory, and "delivered" is the truth worth keeping.
_PROOF_OF_DELIVERY = frozenset({MessageStatus.DELIVERED, MessageStatus.READ})
# Milestones with a timestamp column, each implied by every later progress status.
_MILESTONES = (
    (MessageStatus.SENT, "sent_at"),
    (MessageStatus.DELIVERED, "delivered_at"),
    (MessageStatus.READ, "read_at"),
)


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


# WhatsApp reports a sender's problems per message, after the fact: no channel for the
# sender (63007) or over its messaging limit (63018). Sending on would fail every lead.
_SENDER_ERRORS = {
    63007: "no WhatsApp channel for the sender",
    63018: "the sender is over its rate or Meta's messaging limit",
}


async def _stop_send_on_sender_errors(
    session: AsyncSession, result: StatusResult, error_code: int | None
) -> None:
    if error_code not in _SENDER_ERRORS or result.send_id is None or result.campaign_id is None:
        return
    reason = f"Twilio error {error_code}: {_SENDER_ERRORS[error_code]}."
    if await pause_send(session, result.send_id, reason):
        await publish(session, SendProgress(result.merchant_id, result.campaign_id, result.send_id))


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """One status callback, as the webhook read it."""

    sid: str
    status: str
    error_code: int | None
    error_message: str | None
    now: datetime


# Every status may replace a prefix of PROGRESS (checked below), so "the stored status
# may be replaced" is "its position in PROGRESS is below the reported status's limit":
# one integer per row lets a single set-based UPDATE apply different statuses.
_LIMITS: dict[MessageStatus, int] = {s: len(replaceable_by(s)) for s in MessageStatus}
assert all(replaceable_by(s) == PROGRESS[: _LIMITS[s]] for s in MessageStatus)
# A message in a final status has nothing more for the status recheck job to learn.
_FINAL_SQL = ", ".join(
    f"'{s.value}'" for s in (*PROGRESS, *sorted(FAILURES)) if s not in OPEN_STATUSES
)
_POSITION_SQL = " ".join(f"WHEN '{s.value}' THEN {i}" for i, s in enumerate(PROGRESS))


def _rank(status: MessageStatus) -> tuple[int, bool]:
    """How far a status goes, for keeping one callback per sid of a batch. A status that
    goes further replaces at least what a lesser one does, so applying only the furthest
    ends where applying them all in turn would; delivered and a failure replace the
    same statuses, and delivered, the proof of delivery, is the one worth keeping."""
    return _LIMITS[status], status in PROGRESS


def _winners(updates: list[StatusUpdate]) -> dict[str, int]:
    """Per sid, the index of the update that goes furthest (the first of equals)."""
    best: dict[str, tuple[tuple[int, bool], int]] = {}
    for index, item in enumerate(updates):
        reported = parse_status(item.status)
        if reported is None:
            logger.warning("message %s: unknown status %r ignored", item.sid, item.status)
            continue
        if not _LIMITS[reported]:
            continue  # receiving / received describe inbound messages
        rank = _rank(reported)
        if item.sid not in best or rank > best[item.sid][0]:
            best[item.sid] = (rank, index)
    return {sid: index for sid, (_, index) in best.items()}


def _move_params(updates: list[StatusUpdate], winners: dict[str, int]) -> dict[str, list[Any]]:
    """The UPDATE's arrays. A milestone's time is the earliest of the sid's callbacks that
    imply it (a `sent` then a `read` in one batch record both times, as in turn)."""
    earliest: dict[tuple[str, MessageStatus], datetime] = {}
    for item in updates:
        reported = parse_status(item.status)
        if reported not in PROGRESS:
            continue
        for milestone, _ in _MILESTONES:
            key = (item.sid, milestone)
            if PROGRESS.index(reported) >= PROGRESS.index(milestone) and (
                key not in earliest or item.now < earliest[key]
            ):
                earliest[key] = item.now
    columns: dict[str, list[Any]] = {
        name: []
        for name in (
            ["sids", "statuses", "limits", "codes", "errors", "sent", "delivered", "read", "failed"]
        )
    }
    for sid in sorted(winners):  # a stable order makes lock waits between batches rarer
        item = updates[winners[sid]]
        status = MessageStatus(item.status.strip().lower())
        failure = status in FAILURES
        columns["sids"].append(sid)
        columns["statuses"].append(status.value)
        columns["limits"].append(_LIMITS[status])
        # A callback without an error keeps one recorded earlier (e.g. at create time).
        columns["codes"].append(item.error_code if failure else None)
        columns["errors"].append(
            storable(item.error_message) if failure and item.error_message else None
        )
        for milestone, column in _MILESTONES:
            columns[column.removesuffix("_at")].append(earliest.get((sid, milestone)))
        columns["failed"].append(item.now if failure else None)
    return columns


async def apply_statuses(
    session: AsyncSession, updates: list[StatusUpdate]
) -> list[StatusResult | None]:
    """Apply status callbacks to the outbound messages with their Twilio sids, in one
    statement, and publish what changed (delivered when the caller commits): one result
    per update, None for an unknown sid. Repeats, stale statuses and statuses we do not
    know change nothing; of several callbacks for one sid, the furthest is applied."""
    await status_repository.no_flush_wait(session)
    winners = _winners(updates)
    moved: dict[str, StatusResult] = {}
    if winners:
        columns = _move_params(updates, winners)
        rows = await status_repository.move(session, _FINAL_SQL, _POSITION_SQL, columns)
        for message_id, merchant_id, status, sid, ledger_id, campaign_id, send_id in rows:
            moved[sid] = StatusResult(
                message_id,
                merchant_id,
                MessageStatus(status),
                True,
                ledger_id,
                campaign_id,
                send_id,
            )
    current: dict[str, StatusResult] = {}
    unmoved = sorted({item.sid for item in updates} - moved.keys())
    if unmoved:
        for message_id, merchant_id, status, sid in await status_repository.current(
            session, unmoved
        ):
            current[sid] = StatusResult(message_id, merchant_id, MessageStatus(status), False)
    results: list[StatusResult | None] = []
    for index, item in enumerate(updates):
        if item.sid in moved:
            changed = moved[item.sid]
            won = winners[item.sid] == index
            results.append(changed if won else _unchanged(changed))
        else:
            results.append(current.get(item.sid))
    await _publish(session, list(moved.values()))
    for sid, result in moved.items():
        await _stop_send_on_sender_errors(session, result, updates[winners[sid]].error_code)
    return results


def _unchanged(result: StatusResult) -> StatusResult:
    """What a callback that lost to another of its batch sees: the row as it is now."""
    return StatusResult(result.message_id, result.merchant_id, result.status, changed=False)


async def apply_status(
    session: AsyncSession,
    sid: str,
    status: str,
    error_code: int | None,
    error_message: str | None,
    now: datetime,
) -> StatusResult | None:
    """Apply one status callback (see apply_statuses); None for an unknown sid."""
    update = StatusUpdate(sid, status, error_code, error_message, now)
    return (await apply_statuses(session, [update]))[0]


async def _publish(session: AsyncSession, changed: list[StatusResult]) -> None:
    """One MessageStatusChanged per campaign (split to fit NOTIFY) and one SendProgress
    per send, all queued by one statement: per-callback events made subscribers load
    and PostgreSQL queue far more than the changes needed."""
    by_campaign: dict[tuple[int, int], list[int]] = {}
    sends: dict[tuple[int, int, int], None] = {}
    for result in changed:
        # A message outside the ledger (none yet) has no campaign to tell anyone about.
        if result.ledger_id is None or result.campaign_id is None:
            continue
        key = (result.merchant_id, result.campaign_id)
        by_campaign.setdefault(key, []).append(result.ledger_id)
        if result.send_id is not None:
            sends[(result.merchant_id, result.campaign_id, result.send_id)] = None
    events: list[Event] = [
        event
        for (merchant_id, campaign_id), ids in by_campaign.items()
        for event in rows_changed(merchant_id, campaign_id, ids)
    ]
    events.extend(SendProgress(*key) for key in sends)
    if events:
        payloads = [encode(event) for event in events]
        await notifications.notify_many(session, CHANNEL, payloads)
