from typing import Any

from db.database import Database
from db.enums import CampaignStatus
from tests.conftest import MerchantAccount
from tests.gql.helpers import CAMPAIGNS, add_leads, create_campaign, set_status
from tests.support import GraphQLClient, fewest_statements


async def test_pages_walk_every_campaign_newest_first(gql: GraphQLClient) -> None:
    for i in range(7):
        await create_campaign(gql, name=f"promo_{i}")
    seen: list[str] = []
    after = None
    while True:
        page = (
            await gql.data(
                CAMPAIGNS, {"first": 3, "after": after, "filter": {"authorType": "MERCHANT"}}
            )
        )["campaigns"]
        assert page["totalCount"] == 7
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"promo_{i}" for i in reversed(range(7))]


async def test_filters(gql: GraphQLClient, db: Database) -> None:
    sale = await create_campaign(gql, name="summer_sale")
    await create_campaign(gql, name="winter_sale", campaignType="SERVICE")
    await set_status(db, sale["id"], CampaignStatus.APPROVED)

    async def names(filter: dict[str, Any]) -> set[str]:
        data = await gql.data(CAMPAIGNS, {"filter": filter})
        return {edge["node"]["name"] for edge in data["campaigns"]["edges"]}

    assert await names({"status": ["APPROVED"]}) == {"summer_sale"}
    assert await names({"campaignType": "MARKETING", "authorType": "MERCHANT"}) == {"summer_sale"}
    assert await names({"nameContains": "SALE"}) == {"summer_sale", "winter_sale"}
    assert await names({"name": "winter_sale"}) == {"winter_sale"}
    assert await names({"nameContains": "%"}) == set(), "LIKE wildcards are matched literally"
    assert "hello_world" in await names({"authorType": "SYSTEM"})


async def test_bad_page_arguments_are_client_errors(gql: GraphQLClient) -> None:
    for variables in ({"first": -1}, {"first": 100_000}, {"after": "nonsense"}):
        body = await gql.execute(CAMPAIGNS, variables)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_statement_count_does_not_grow_with_page_size(
    merchant: MerchantAccount, db: Database
) -> None:
    gql = merchant.client
    for i in range(55):
        campaign = await create_campaign(gql, name=f"bulk_{i:02d}")
        if i % 10 == 0:
            await add_leads(gql, campaign["id"], [{"phone": "+14155550101"}])

    async def statements_for(first: int) -> int:
        async def page() -> None:
            data = await gql.data(CAMPAIGNS, {"first": first})
            assert len(data["campaigns"]["edges"]) == first

        return await fewest_statements(db, page)

    small, large = await statements_for(5), await statements_for(50)
    assert small == large
    print(f"\nSQL statements per Campaigns query: first=5 -> {small}, first=50 -> {large}")
