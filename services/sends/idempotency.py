"""Idempotency keys on sendTemplateMessage and sendCampaign, as payment APIs take them: a
client that retries after a network error sends its key again and gets the first
request's result instead of a second message or send.

A key belongs to a merchant and an operation. The first request takes it (a row under a
unique constraint) in the transaction that writes its ledger row or send, so a refused
request rolls the key back with everything else and the key stays free. A request with
a taken key and the same input (the SHA-256 of its canonical JSON) gets the first
request's row as it is now and writes nothing; with other input it is refused
(IDEMPOTENCY_KEY_REUSED). A concurrent request with the same key waits on the unique
constraint until the first commits (then replays) or rolls back (then takes the key).
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CampaignSend
from repositories import idempotency as keys
from repositories.idempotency import KeyScope, TakenKey
from repositories.ledger import Claim
from repositories.send_reads import SendRepository
from services.errors import ErrorCode, ServiceError
from services.sends.one_off import OneOff, prepare
from services.sends.service import SendService
from services.settings import Settings

MAX_KEY_LENGTH = 255
# Expired keys of the merchant deleted by each request that takes a key: more than one
# request makes, so the table holds no more than a TTL's worth of keys.
SWEEP = 100
_TRIES = 3  # a taken key that is gone again when read is taken anew (it expired meanwhile)


class Operation(StrEnum):
    SEND_TEMPLATE_MESSAGE = "sendTemplateMessage"
    SEND_CAMPAIGN = "sendCampaign"


@dataclass(frozen=True)
class RequestKey:
    """A request's key, checked, with the hash of the input it came with."""

    operation: Operation
    key: str
    input_hash: str
    field: tuple[str, ...]  # where the key is in the request, for its errors


def request_key(
    key: str | None, operation: Operation, arguments: Mapping[str, Any], field: tuple[str, ...]
) -> RequestKey | None:
    """The request's key (None without one); `arguments` are its decoded input."""
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise ServiceError.single(
            ErrorCode.INVALID,
            f"An idempotency key is 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            field,
        )
    return RequestKey(operation, key, input_hash(arguments), field)


def input_hash(arguments: Mapping[str, Any]) -> str:
    """The same input hashes the same whatever the order of its (nested) keys."""
    canonical = json.dumps(
        arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Taken:
    """The key was taken for this request (key_id), or by an earlier one (first)."""

    key_id: int | None = None
    first: TakenKey | None = None


async def take(
    session: AsyncSession, settings: Settings, merchant_id: int, key: RequestKey
) -> Taken:
    """Take the key for this request, or find what the request that took it first made."""
    scope = KeyScope(merchant_id, key.operation.value, key.key)
    expired_before = datetime.now(UTC) - timedelta(hours=settings.idempotency_ttl_hours)
    await keys.forget_expired(session, scope, expired_before, SWEEP)
    for _ in range(_TRIES):
        key_id = await keys.take(session, scope, key.input_hash)
        if key_id is not None:
            return Taken(key_id=key_id)
        first = await keys.taken(session, scope)
        if first is None:
            continue
        if first.input_hash != key.input_hash:
            raise ServiceError.single(
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                "This idempotency key was used with other input; use a new key.",
                key.field,
            )
        return Taken(first=first)
    raise RuntimeError(f"idempotency key {key.key!r} neither free nor taken")


@dataclass(frozen=True)
class OneOffWritten:
    ledger_id: int
    claim: Claim | None  # None: the key's first request wrote (and sends) the row


async def write_one_off(
    session: AsyncSession,
    settings: Settings,
    merchant_id: int,
    request: OneOff,
    key: str | None,
) -> OneOffWritten:
    """sendTemplateMessage's unit of work: the claimed ledger row, or with a key already
    taken by the same input, the row its first request wrote."""
    field = ("input", "idempotencyKey")
    checked = request_key(key, Operation.SEND_TEMPLATE_MESSAGE, asdict(request), field)
    taken = None if checked is None else await take(session, settings, merchant_id, checked)
    if taken is not None and taken.first is not None:
        assert taken.first.campaign_lead_message_id is not None  # the key goes with its row
        return OneOffWritten(taken.first.campaign_lead_message_id, None)
    claim = await prepare(session, merchant_id, request, settings)
    if taken is not None and taken.key_id is not None:
        await keys.made(session, taken.key_id, campaign_lead_message_id=claim.ledger_id)
    return OneOffWritten(claim.ledger_id, claim)


@dataclass(frozen=True)
class SendRequest:
    campaign_id: int
    scheduled_at: datetime | None = None
    sender_id: int | None = None

    def arguments(self) -> dict[str, Any]:
        at = self.scheduled_at
        # One instant written in two time zones is the same input.
        return asdict(self) | {"scheduled_at": at.astimezone(UTC).isoformat() if at else None}


async def start_send(
    session: AsyncSession,
    settings: Settings,
    merchant_id: int,
    request: SendRequest,
    key: str | None,
) -> CampaignSend:
    """sendCampaign's unit of work: a new send, or with a key already taken by the same
    input, the send its first request started, as it is now."""
    checked = request_key(key, Operation.SEND_CAMPAIGN, request.arguments(), ("idempotencyKey",))
    taken = None if checked is None else await take(session, settings, merchant_id, checked)
    if taken is not None and taken.first is not None:
        send_id = taken.first.campaign_send_id
        assert send_id is not None  # the key goes with its send
        return (await SendRepository(session).by_ids(merchant_id, [send_id]))[send_id]
    send = await SendService(session, settings).start(
        merchant_id, request.campaign_id, request.scheduled_at, request.sender_id
    )
    if taken is not None and taken.key_id is not None:
        await keys.made(session, taken.key_id, campaign_send_id=send.id)
    return send
