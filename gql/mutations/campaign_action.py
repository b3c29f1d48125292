"""Running a service action on one campaign named by a global id, as one transaction."""

from collections.abc import Awaitable, Callable

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Campaign as CampaignModel
from gql.context import Context
from gql.errors import in_transaction
from gql.ids import decode_pk
from gql.types.campaign import Campaign
from gql.types.common import UserError

# Given the transaction's session, the service method to call with (merchant id, campaign id).
Action = Callable[[AsyncSession], Callable[[int, int], Awaitable[CampaignModel]]]


async def run_campaign_action(
    context: Context, campaign_id: strawberry.ID, action: Action
) -> tuple[Campaign | None, list[UserError]]:
    """(the campaign as the action left it, no errors) or (None, why not)."""
    pk = decode_pk(campaign_id, "Campaign")
    if pk is None:
        return None, UserError.not_found("Campaign", "id")
    result = await in_transaction(context, lambda session: action(session)(context.merchant_id, pk))
    if isinstance(result, list):
        return None, result
    return Campaign.from_model(result), []
