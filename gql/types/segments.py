"""Segments and the connection of contacts they (and `contacts(filter:)`) page through."""

from datetime import datetime

import strawberry

from db import models
from gql.context import Info
from gql.types.common import Node, PageInfo
from gql.types.contact_filter import ContactFilterOutput
from gql.types.pagination import cursor_for, page_request
from gql.types.people import ConversationUser
from gql.types.rows import node_from_row
from repositories.pagination import Page
from services.contacts.segments import SegmentService


def _page_info(has_next: bool, edges: list["ContactEdge"] | list["SegmentEdge"]) -> PageInfo:
    return PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None)


@strawberry.type
class ContactEdge:
    cursor: str
    node: ConversationUser


@strawberry.type(
    description="A page of contacts, newest first. No total: counting a large audience "
    "costs as much as reading it (a segment's `size` counts it when asked)."
)
class ContactConnection:
    page_info: PageInfo
    edges: list[ContactEdge]


def contact_connection(page: Page[models.ConversationUser]) -> ContactConnection:
    edges = [
        ContactEdge(
            cursor=cursor_for("ConversationUser", row.id), node=ConversationUser.from_model(row)
        )
        for row in page.items
    ]
    return ContactConnection(
        page_info=_page_info(page.has_next, edges),
        edges=edges,
    )


@strawberry.type(description="A saved contact filter, resolved whenever it is used.")
class Segment(Node):
    name: str
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[models.Segment]

    @classmethod
    def from_model(cls, model: models.Segment) -> "Segment":
        return node_from_row(cls, model, model=model)

    @strawberry.field(description="The filter, campaign ids as global ids.")
    def filter(self) -> ContactFilterOutput:
        return ContactFilterOutput.from_stored(self.model.filter)

    @strawberry.field(description="How many contacts the filter chooses now (counted live).")
    async def size(self, info: Info) -> int:
        return await info.context.loaders.segment_size.load(self.model)

    @strawberry.field(description="The contacts the filter chooses now, newest first.")
    async def contacts(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> ContactConnection:
        request = page_request(first, after, "ConversationUser")
        context, segment = info.context, self.model
        page = await context.loaders.reads.read(
            lambda session: SegmentService(session).contacts_page(
                context.merchant_id, segment, request
            )
        )
        return contact_connection(page)


@strawberry.type
class SegmentEdge:
    cursor: str
    node: Segment


@strawberry.type(description="A page of segments, newest first.")
class SegmentConnection:
    page_info: PageInfo
    edges: list[SegmentEdge]


def segment_connection(page: Page[models.Segment]) -> SegmentConnection:
    edges = [
        SegmentEdge(cursor=cursor_for("Segment", row.id), node=Segment.from_model(row))
        for row in page.items
    ]
    return SegmentConnection(
        page_info=_page_info(page.has_next, edges),
        edges=edges,
    )
