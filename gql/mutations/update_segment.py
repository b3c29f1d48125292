import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.mutations.segment_payload import SegmentInput, SegmentPayload
from services.contacts.segments import SegmentInput as Given
from services.contacts.segments import SegmentService


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Rename a segment or replace its filter (fields left out are kept). "
    "Errors: NOT_FOUND (the segment, or a behaviour clause's campaign), REQUIRED, "
    "INVALID_NAME, DUPLICATE_NAME, INVALID.",
)
async def update_segment(info: Info, id: strawberry.ID, input: SegmentInput) -> SegmentPayload:
    merchant_id = info.context.merchant_id
    pk = require_pk(id, "Segment", "Segment")
    filter_given = input.filter is not strawberry.UNSET
    given = Given(
        name=input.name,
        filter=input.filter.to_service() if filter_given and input.filter else None,
        filter_given=filter_given,
    )
    updated = await in_transaction(
        info.context, lambda session: SegmentService(session).update(merchant_id, pk, given)
    )
    return SegmentPayload.of(updated)
