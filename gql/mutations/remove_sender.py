import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.mutations.sender_payload import SenderPayload
from services.accounts.senders import SenderService


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Remove a sender (it stays in the history of what was sent from it). "
    "Removing the default makes the oldest remaining sender the default; removing the last "
    "one puts the merchant back on the platform's sender. Errors: NOT_FOUND, SENDER_IN_USE "
    "(a scheduled, running or paused send goes out from it).",
)
async def remove_sender(info: Info, id: strawberry.ID) -> SenderPayload:
    merchant_id = info.context.merchant_id
    pk = require_pk(id, "Sender", "Sender")

    async def remove(session: AsyncSession) -> SenderPayload:
        service = SenderService(session)
        sender = await service.remove(merchant_id, pk)
        return SenderPayload.of(sender, await service.list(merchant_id))

    return await in_transaction(info.context, remove)
