"""A page of segments counts every segment's size in one statement, one pass over the
merchant's contacts, however many segments the page shows."""

from typing import Any

from db.database import Database
from tests.conftest import MerchantAccount
from tests.gql.segments.support import SEGMENTS, Contact, add_contacts, create_segment
from tests.support import fewest_statements

PEOPLE = [
    Contact("ana", tags=["vip", "lisbon"], attributes={"city": "Lisbon"}),
    Contact("bo", tags=["vip"], attributes={"city": "Porto"}),
    Contact("cy", tags=["new"], attributes={"city": "Lisbon"}, opted_out=True),
]
FILTERS: list[dict[str, Any] | None] = [
    {"tags": ["vip"]},
    {"attributes": {"city": "Lisbon"}},
    {"optedOut": True},
    {"anyTags": ["new", "lisbon"]},
    None,
    {"tags": ["nobody"]},
]


async def test_a_page_of_sizes_is_one_statement(merchant: MerchantAccount, db: Database) -> None:
    await add_contacts(db, merchant.merchant.id, PEOPLE)
    for index, given in enumerate(FILTERS):
        await create_segment(merchant.client, f"S{index}", given)
    page = (await merchant.client.data(SEGMENTS, {"first": 10}))["segments"]
    sizes = {edge["node"]["name"]: edge["node"]["size"] for edge in page["edges"]}
    assert sizes == {"S0": 2, "S1": 2, "S2": 1, "S3": 2, "S4": 3, "S5": 0}

    async def statements(first: int) -> int:
        return await fewest_statements(db, lambda: merchant.client.data(SEGMENTS, {"first": first}))

    two, six = await statements(2), await statements(6)
    assert two == six, (two, six)
