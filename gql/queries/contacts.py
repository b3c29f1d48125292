"""Contacts by filter, and segments."""

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import bad_input
from gql.ids import decode_pk
from gql.types.common import UserError
from gql.types.contact_filter import ContactFilterArgs
from gql.types.pagination import page_request
from gql.types.segments import (
    ContactConnection,
    Segment,
    SegmentConnection,
    contact_connection,
    segment_connection,
)
from services.contacts.segments import ContactSearch, SegmentService
from services.errors import ServiceError


@strawberry.type
class ContactQueries:
    @strawberry.field(
        permission_classes=AUTHENTICATED,
        description="The merchant's contacts the filter chooses, newest first. A filter "
        "problem is a BAD_USER_INPUT error whose `extensions.errors` lists each problem "
        "with its field path and code (NOT_FOUND for a campaign that is not the merchant's).",
    )
    async def contacts(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: ContactFilterArgs | None = None,
    ) -> ContactConnection:
        request = page_request(first, after, "ConversationUser")
        given = filter.to_service() if filter is not None else None
        context = info.context
        try:
            page = await context.loaders.reads.read(
                lambda session: ContactSearch(session).page(context.merchant_id, given, request)
            )
        except ServiceError as error:
            problems = UserError.list_from(error)
            refused = bad_input(problems[0].message, problems[0].field)
            refused.extensions = {
                **(refused.extensions or {}),
                "errors": [
                    {"field": p.field, "code": p.code.name, "message": p.message} for p in problems
                ],
            }
            raise refused from None
        return contact_connection(page)

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def segment(self, info: Info, id: strawberry.ID) -> Segment | None:
        pk = decode_pk(id, "Segment")
        found = await info.context.loaders.segment.load(pk) if pk else None
        return Segment.from_model(found) if found else None

    @strawberry.field(permission_classes=AUTHENTICATED, description="Newest first.")
    async def segments(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> SegmentConnection:
        request = page_request(first, after, "Segment")
        context = info.context
        page = await context.loaders.reads.read(
            lambda session: SegmentService(session).page(context.merchant_id, request)
        )
        return segment_connection(page)
