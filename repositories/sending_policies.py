"""Every statement on merchants' sending policies (services/policy)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Merchant, SendingPolicyRow


async def rows_of(
    session: AsyncSession, merchant_ids: Sequence[int]
) -> dict[int, SendingPolicyRow]:
    """The stored policies of these merchants (a merchant without one is absent)."""
    if not merchant_ids:
        return {}
    rows = await session.execute(
        select(SendingPolicyRow).where(SendingPolicyRow.merchant_id.in_(list(merchant_ids)))
    )
    return {row.merchant_id: row for row in rows.scalars()}


async def store(session: AsyncSession, merchant_id: int, values: dict[str, Any]) -> None:
    """Write a merchant's whole policy (every column in `values`), creating its row."""
    statement = pg_insert(SendingPolicyRow).values(merchant_id=merchant_id, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[SendingPolicyRow.merchant_id],
            set_={**values, "updated_at": statement.excluded.updated_at},
        )
    )


async def lock_merchant(session: AsyncSession, merchant_id: int) -> None:
    """Serialise changes to one merchant's policy until the transaction ends: a change
    reads the policy and writes it whole, so two at once would lose one of them. A lock
    on the merchant's row, as the policy row may not exist yet (NO KEY: rows that refer
    to the merchant may still be written meanwhile)."""
    await session.execute(
        select(Merchant.id).where(Merchant.id == merchant_id).with_for_update(key_share=True)
    )
