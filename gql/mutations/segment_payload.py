"""The input and payload of the mutations that change a merchant's segments."""

import strawberry

from db import models
from gql.types.common import UserError
from gql.types.contact_filter import ContactFilterArgs
from gql.types.segments import Segment


@strawberry.input
class SegmentInput:
    name: str | None = strawberry.field(
        default=None,
        description="Required on create, at most 200 characters, unique among the "
        "merchant's segments; on update, null keeps the name.",
    )
    filter: ContactFilterArgs | None = strawberry.field(
        default=strawberry.UNSET,
        description="Which contacts; on update, left out keeps the filter and null makes "
        "it match every contact.",
    )


@strawberry.type
class SegmentPayload:
    segment: Segment | None
    errors: list[UserError]

    @classmethod
    def of(cls, segment: models.Segment) -> "SegmentPayload":
        return cls(segment=Segment.from_model(segment), errors=[])
