import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.mutations.sender_payload import SenderPayload
from services.accounts.senders import SenderService


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Make one of the merchant's live senders its default. Errors: NOT_FOUND.",
)
async def make_default_sender(info: Info, id: strawberry.ID) -> SenderPayload:
    merchant_id = info.context.merchant_id
    pk = require_pk(id, "Sender", "Sender")

    async def make_default(session: AsyncSession) -> SenderPayload:
        service = SenderService(session)
        sender = await service.make_default(merchant_id, pk)
        return SenderPayload.of(sender, await service.list(merchant_id))

    return await in_transaction(info.context, make_default)
