from datetime import datetime
from typing import Annotated

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.mutations.send_payload import CampaignSendPayload
from gql.types.send import CampaignSend
from services.sends.idempotency import MAX_KEY_LENGTH, SendRequest, start_send


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Send an approved campaign to its active leads, now or at scheduledAt. The "
    "audience is snapshotted: leads added later wait for the next send.",
)
async def send_campaign(
    info: Info,
    id: strawberry.ID,
    scheduled_at: datetime | None = None,
    sender_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="One of your senders; your default sender otherwise."),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        strawberry.argument(
            description=f"1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID. A "
            "retry with the same key and arguments, within CAMPAIGNS_IDEMPOTENCY_TTL_HOURS "
            "(24 h), returns the first request's send (as it is now) and starts nothing; other "
            "arguments with the key are IDEMPOTENCY_KEY_REUSED."
        ),
    ] = None,
) -> CampaignSendPayload:
    context = info.context
    pk = require_pk(id, "Campaign", "Campaign")
    sender = None if sender_id is None else require_pk(sender_id, "Sender", "Sender", ("senderId",))
    request = SendRequest(pk, scheduled_at, sender)
    send = await in_transaction(
        context,
        lambda session: start_send(
            session, context.settings, context.merchant_id, request, idempotency_key
        ),
    )
    return CampaignSendPayload(send=CampaignSend.from_model(send), errors=[])
