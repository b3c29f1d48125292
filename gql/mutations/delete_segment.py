import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.types.common import UserError
from services.contacts.segments import SegmentService


@strawberry.type
class DeleteSegmentPayload:
    deleted_segment_id: strawberry.ID | None
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Delete a segment (leads added from it stay). Errors: NOT_FOUND.",
)
async def delete_segment(info: Info, id: strawberry.ID) -> DeleteSegmentPayload:
    merchant_id = info.context.merchant_id
    pk = require_pk(id, "Segment", "Segment")
    await in_transaction(
        info.context, lambda session: SegmentService(session).delete(merchant_id, pk)
    )
    return DeleteSegmentPayload(deleted_segment_id=id, errors=[])
