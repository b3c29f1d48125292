"""A merchant's policy as stored (a row of sending_policies) and back."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import SendingPolicyRow
from repositories import sending_policies
from services.policy.policy import (
    DEFAULT_POLICY,
    Breaker,
    MarketingCap,
    QuietHours,
    SendingPolicy,
    Validity,
)


async def policy_of(session: AsyncSession, merchant_id: int) -> SendingPolicy:
    return (await policies_of(session, [merchant_id]))[merchant_id]


async def policies_of(
    session: AsyncSession, merchant_ids: Sequence[int]
) -> dict[int, SendingPolicy]:
    """Each merchant's policy, the defaults for a merchant that never set one."""
    rows = await sending_policies.rows_of(session, merchant_ids)
    return {i: from_row(rows[i]) if i in rows else DEFAULT_POLICY for i in merchant_ids}


def from_row(row: SendingPolicyRow) -> SendingPolicy:
    quiet = None
    if row.quiet_start is not None and row.quiet_end is not None:
        quiet = QuietHours(row.quiet_start, row.quiet_end)
    cap = None
    if row.cap_messages is not None and row.cap_days is not None:
        cap = MarketingCap(row.cap_messages, row.cap_days)
    breaker = Breaker(
        row.breaker_failure_rate,
        row.breaker_opt_out_rate,
        row.breaker_limited_rate,
        row.breaker_window,
    )
    return SendingPolicy(
        quiet, cap, breaker, Validity(row.validity_marketing, row.validity_utility)
    )


def to_values(policy: SendingPolicy) -> dict[str, Any]:
    """The row's columns for a whole policy."""
    quiet, cap, breaker = policy.quiet_hours, policy.marketing_cap, policy.breaker
    return {
        "quiet_start": quiet.start if quiet else None,
        "quiet_end": quiet.end if quiet else None,
        "cap_messages": cap.messages if cap else None,
        "cap_days": cap.days if cap else None,
        "breaker_failure_rate": breaker.failure_rate,
        "breaker_opt_out_rate": breaker.opt_out_rate,
        "breaker_limited_rate": breaker.limited_rate,
        "breaker_window": breaker.window,
        "validity_marketing": policy.validity.marketing,
        "validity_utility": policy.validity.utility,
    }


async def store_policy(session: AsyncSession, merchant_id: int, policy: SendingPolicy) -> None:
    await sending_policies.store(session, merchant_id, to_values(policy))
