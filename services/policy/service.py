"""Changing a merchant's sending policy (updateSendingPolicy)."""

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import sending_policies
from services.policy.policy import SendingPolicy
from services.policy.rules import PolicyChanges, changed_policy
from services.policy.stored import policy_of, store_policy


async def update_policy(
    session: AsyncSession, merchant_id: int, changes: PolicyChanges
) -> SendingPolicy:
    """The merchant's policy with the changes made and stored; a ServiceError naming
    every bad value (and nothing stored) when any is outside its limits."""
    await sending_policies.lock_merchant(session, merchant_id)
    policy = changed_policy(await policy_of(session, merchant_id), changes)
    await store_policy(session, merchant_id, policy)
    return policy
