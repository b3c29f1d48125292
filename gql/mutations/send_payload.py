"""The payload every send mutation returns, and running one of them."""

from collections.abc import Awaitable, Callable

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CampaignSend as CampaignSendModel
from gql.context import Context
from gql.errors import in_transaction
from gql.ids import decode_pk
from gql.types.common import UserError
from gql.types.send import CampaignSend
from services.sends.service import SendService

Action = Callable[[SendService, int, int], Awaitable[CampaignSendModel]]


@strawberry.type
class CampaignSendPayload:
    send: CampaignSend | None
    errors: list[UserError]


async def run_send_action(
    context: Context, send_id: strawberry.ID, action: Action
) -> CampaignSendPayload:
    pk = decode_pk(send_id, "CampaignSend")
    if pk is None:
        return CampaignSendPayload(send=None, errors=UserError.not_found("Send", "id"))

    async def work(session: AsyncSession) -> CampaignSendModel:
        return await action(SendService(session), context.merchant_id, pk)

    result = await in_transaction(context, work)
    if isinstance(result, list):
        return CampaignSendPayload(send=None, errors=result)
    return CampaignSendPayload(send=CampaignSend.from_model(result), errors=[])
