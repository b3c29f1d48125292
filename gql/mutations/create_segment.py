import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.mutations.segment_payload import SegmentInput, SegmentPayload
from services.contacts.segments import SegmentInput as Given
from services.contacts.segments import SegmentService


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Save a contact filter under a name. Errors: REQUIRED and INVALID_NAME "
    "(the name), DUPLICATE_NAME (the merchant has a segment of that name), INVALID (a "
    "filter value or limit, at its path under input.filter), NOT_FOUND (a behaviour "
    "clause's campaign is not the merchant's).",
)
async def create_segment(info: Info, input: SegmentInput) -> SegmentPayload:
    merchant_id = info.context.merchant_id
    given = Given(
        name=input.name,
        filter=input.filter.to_service() if input.filter else None,
        filter_given=True,
    )
    created = await in_transaction(
        info.context, lambda session: SegmentService(session).create(merchant_id, given)
    )
    return SegmentPayload.of(created)
