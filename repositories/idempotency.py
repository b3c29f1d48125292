"""Every statement on idempotency keys: taking a key for a request, finding what the
request that took it first made, and forgetting keys past their time."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import IdempotencyKey

K = IdempotencyKey


@dataclass(frozen=True)
class KeyScope:
    merchant_id: int
    operation: str
    key: str


@dataclass(frozen=True)
class TakenKey:
    """A key another request took first: its input's hash and the row it made."""

    input_hash: str
    campaign_send_id: int | None
    campaign_lead_message_id: int | None


def _same_key(scope: KeyScope) -> ColumnElement[bool]:
    return and_(
        K.merchant_id == scope.merchant_id, K.operation == scope.operation, K.key == scope.key
    )


async def forget_expired(
    session: AsyncSession, scope: KeyScope, before: datetime, sweep: int
) -> None:
    """Delete this key if it expired, and up to `sweep` of the merchant's other expired
    keys. Others' keys are skipped when locked, so two requests never wait on each other
    here (nor deadlock); this key is waited for, since it is about to be taken."""
    await session.execute(delete(K).where(_same_key(scope), K.created_at < before))
    expired = (
        select(K.id)
        .where(K.merchant_id == scope.merchant_id, K.created_at < before)
        .order_by(K.created_at)
        .limit(sweep)
        .with_for_update(skip_locked=True)
    )
    await session.execute(delete(K).where(K.id.in_(expired.scalar_subquery())))


async def take(session: AsyncSession, scope: KeyScope, input_hash: str) -> int | None:
    """The new key row's id; None when the key is taken. A key that a transaction still
    open is taking makes this wait for it: taken if it commits, ours if it rolls back."""
    statement = (
        pg_insert(K)
        .values(
            merchant_id=scope.merchant_id,
            operation=scope.operation,
            key=scope.key,
            input_hash=input_hash,
        )
        .on_conflict_do_nothing(index_elements=[K.merchant_id, K.operation, K.key])
        .returning(K.id)
    )
    taken: int | None = await session.scalar(statement)
    return taken


async def taken(session: AsyncSession, scope: KeyScope) -> TakenKey | None:
    """The key as the request that took it committed it (None: gone again since)."""
    row = (
        await session.execute(
            select(K.input_hash, K.campaign_send_id, K.campaign_lead_message_id).where(
                _same_key(scope)
            )
        )
    ).one_or_none()
    return None if row is None else TakenKey(*row)


async def made(
    session: AsyncSession,
    key_id: int,
    *,
    campaign_send_id: int | None = None,
    campaign_lead_message_id: int | None = None,
) -> None:
    """Note the row the key's request made (in that request's transaction)."""
    await session.execute(
        update(K)
        .where(K.id == key_id)
        .values(
            campaign_send_id=campaign_send_id, campaign_lead_message_id=campaign_lead_message_id
        )
    )
