import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.mutations.sender_payload import SenderPayload
from services.accounts.senders import SenderService


@strawberry.input
class AddSenderInput:
    address: str = strawberry.field(
        description="whatsapp:+E164 (e.g. whatsapp:+14155238886), or a Messaging Service SID."
    )
    rate_limit: int | None = strawberry.field(
        default=None, description="Messages a second, 1 to 400; 80 when not given."
    )
    make_default: bool = strawberry.field(
        default=False, description="Make it the default sender (a first sender always is)."
    )


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Add a WhatsApp sender; it must be registered in the merchant's Twilio "
    "account. Errors: INVALID_SENDER, INVALID_RATE_LIMIT, DUPLICATE_SENDER.",
)
async def add_sender(info: Info, input: AddSenderInput) -> SenderPayload:
    merchant_id = info.context.merchant_id

    async def add(session: AsyncSession) -> SenderPayload:
        service = SenderService(session)
        sender = await service.add(
            merchant_id, input.address, input.rate_limit, make_default=input.make_default
        )
        return SenderPayload.of(sender, await service.list(merchant_id))

    return await in_transaction(info.context, add)
