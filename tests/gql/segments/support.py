"""Shortcuts for the contact filter and segment tests: contacts written as rows (the
contacts API has mutations of its own, tested elsewhere), and the operations."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from db.database import Database
from db.models import ConversationUser
from gql.ids import encode_id
from tests.services.messages.ledger import new_phone
from tests.support import GraphQLClient

CONTACTS = """
query($first: Int, $after: String, $filter: ContactFilterInput) {
  contacts(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id phone name } }
  }
}"""

SEGMENT_FIELDS = """
  id name createdAt size
  filter {
    tags anyTags attributes optedOut
    behaviour { campaignId event withinDays negate }
  }
"""
CREATE_SEGMENT = (
    "mutation($input: SegmentInput!) { createSegment(input: $input) { segment {"
    + SEGMENT_FIELDS
    + "} errors { field code message } } }"
)
UPDATE_SEGMENT = (
    "mutation($id: ID!, $input: SegmentInput!) { updateSegment(id: $id, input: $input) {"
    " segment {" + SEGMENT_FIELDS + "} errors { field code message } } }"
)
DELETE_SEGMENT = """
mutation($id: ID!) { deleteSegment(id: $id) { deletedSegmentId errors { field code message } } }
"""
SEGMENT = "query($id: ID!) { segment(id: $id) {" + SEGMENT_FIELDS + "} }"
SEGMENT_CONTACTS = """
query($id: ID!, $first: Int, $after: String) {
  segment(id: $id) {
    contacts(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { phone } }
    }
  }
}"""
SEGMENTS = """
query($first: Int, $after: String) {
  segments(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { id name size } }
  }
}"""
ADD_FROM_SEGMENT = """
mutation($campaignId: ID!, $segmentId: ID!) {
  addCampaignLeadsFromSegment(campaignId: $campaignId, segmentId: $segmentId) {
    added errors { field code message }
  }
}"""


@dataclass
class Contact:
    name: str
    tags: Sequence[str] = ()
    attributes: dict[str, Any] = field(default_factory=dict)
    opted_out: bool = False
    phone: str = field(default_factory=new_phone)


async def add_contacts(db: Database, merchant_id: int, contacts: Sequence[Contact]) -> list[str]:
    """Write the contacts; their global ids, in order."""
    rows = [
        {
            "merchant_id": merchant_id,
            "phone": contact.phone,
            "name": contact.name,
            "tags": list(contact.tags),
            "attributes": contact.attributes,
            "opted_out_at": datetime.now(UTC) if contact.opted_out else None,
        }
        for contact in contacts
    ]
    async with db.transaction() as session:
        ids = (
            await session.execute(
                insert(ConversationUser).returning(
                    ConversationUser.id, sort_by_parameter_order=True
                ),
                rows,
            )
        ).scalars()
        return [encode_id("ConversationUser", pk) for pk in ids]


async def names(gql: GraphQLClient, filter: dict[str, Any] | None, first: int = 100) -> set[str]:
    """Names of every contact the filter chooses (one page)."""
    data = await gql.data(CONTACTS, {"filter": filter, "first": first})
    return {edge["node"]["name"] for edge in data["contacts"]["edges"]}


async def refusal(gql: GraphQLClient, filter: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The (code, field) of each problem `contacts(filter:)` refuses the filter for."""
    body = await gql.execute(CONTACTS, {"filter": filter})
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    return [(e["code"], e["field"]) for e in error["extensions"]["errors"]]


async def create_segment(
    gql: GraphQLClient, name: str, filter: dict[str, Any] | None = None
) -> dict[str, Any]:
    result = (await gql.data(CREATE_SEGMENT, {"input": {"name": name, "filter": filter}}))[
        "createSegment"
    ]
    assert result["errors"] == [], result["errors"]
    segment: dict[str, Any] = result["segment"]
    return segment
