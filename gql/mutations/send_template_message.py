import strawberry
from strawberry.scalars import JSON

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.types.common import UserError
from gql.types.lead import CampaignLeadMessage
from services.errors import ErrorCode, ServiceError
from services.sends.idempotency import MAX_KEY_LENGTH, write_one_off
from services.sends.one_off import OneOff, outcome, replayed_outcome


@strawberry.input
class SendTemplateMessageInput:
    campaign_name: str = strawberry.field(description="e.g. customer_order_processing")
    to: str = strawberry.field(description="E.164, e.g. +14155550123.")
    variables: JSON | None = strawberry.field(
        default=None, description='Variable type -> value, e.g. {"order_id": "1042"}.'
    )
    sender_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of your senders; your default sender otherwise."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=f"1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID. A retry "
        "with the same key and input, within CAMPAIGNS_IDEMPOTENCY_TTL_HOURS (24 h), returns "
        "the first request's row and sends nothing more; other input with the key is "
        "IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.type
class SendTemplateMessagePayload:
    campaign_lead_message: CampaignLeadMessage | None
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Send one message of an approved template to one number, now. A marketing "
    "template is never sent twice to the same person. Refused input writes nothing. Once the "
    "message is written it is tried once: when Twilio refuses it (TWILIO_ERROR, INVALID_PHONE, "
    "OPTED_OUT) or cannot be reached (TWILIO_UNAVAILABLE), `errors` says so and the returned "
    "row's message is FAILED with Twilio's error code; a message whose fate Twilio could not "
    "confirm yet is settled later and reported by messageStatusChanged. With an "
    "idempotencyKey, a retry gets the first request's row (as it is now) instead of a second "
    "message; the key with other input is IDEMPOTENCY_KEY_REUSED, a malformed key INVALID.",
)
async def send_template_message(
    info: Info, input: SendTemplateMessageInput
) -> SendTemplateMessagePayload:
    context = info.context
    worker = context.runtime.send_worker
    if worker is None:
        raise ServiceError.single(ErrorCode.TWILIO_UNAVAILABLE, "Twilio is not configured.")
    sender = None
    if input.sender_id is not None:
        sender = require_pk(input.sender_id, "Sender", "Sender", ("input", "senderId"))
    request = OneOff(input.campaign_name, input.to, input.variables, sender)
    written = await in_transaction(
        context,
        lambda session: write_one_off(
            session, context.settings, context.merchant_id, request, input.idempotency_key
        ),
    )
    if written.claim is not None:
        await worker.send_now(written.claim)
    row = await context.loaders.ledger_row.load(written.ledger_id)
    assert row is not None
    message = await context.loaders.message.load(row.message_id) if row.message_id else None
    replayed = written.claim is None
    errors = replayed_outcome(row, message) if replayed else outcome(row, message)
    return SendTemplateMessagePayload(
        campaign_lead_message=CampaignLeadMessage.from_model(row),
        errors=UserError.list_from(errors),
    )
