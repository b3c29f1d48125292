from typing import Any

from db.database import Database
from tests.gql.helpers import CAMPAIGN, REMOVE_LEADS, add_leads, codes, create_campaign
from tests.support import GraphQLClient, request_statements


async def test_leads_are_normalised_and_invalid_ones_reported_by_index(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    result = await add_leads(
        gql,
        campaign["id"],
        [
            {"phone": "+1 (415) 555-0101", "name": "Ana"},
            {"phone": "555-0102"},
            {"phone": "whatsapp:+5511987654321", "customVariables": {"coupon_code": "SPRING"}},
            {"phone": "+14155550103", "customVariables": {"nickname": "Bo"}},
        ],
    )
    assert codes(result["errors"]) == [
        ("INVALID_PHONE", ["leads", "1", "phone"]),
        ("UNKNOWN_VARIABLE", ["leads", "3", "customVariables", "nickname"]),
    ]
    people = [lead["conversationUser"] for lead in result["leads"]]
    assert [(p["phone"], p["name"]) for p in people] == [
        ("+14155550101", "Ana"),
        ("+5511987654321", None),
    ]
    assert result["leads"][1]["customVariables"] == {"coupon_code": "SPRING"}
    assert all(lead["active"] for lead in result["leads"])


async def test_adding_a_lead_twice_is_idempotent(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    first = await add_leads(gql, campaign["id"], [{"phone": "+14155550101", "name": "Ana"}])
    again = await add_leads(gql, campaign["id"], [{"phone": "+1 415 555 0101"}])
    assert again["errors"] == [], "a lead from an earlier call is not a duplicate"
    assert [lead["id"] for lead in again["leads"]] == [first["leads"][0]["id"]]
    assert again["leads"][0]["conversationUser"]["name"] == "Ana", "a known name is kept"
    data = (await gql.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert data["stats"]["leads"] == 1
    assert data["leads"]["totalCount"] == 1


async def test_a_phone_twice_in_one_call_is_reported_not_merged(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    result = await add_leads(
        gql,
        campaign["id"],
        [
            {"phone": "+14155550101", "name": "Ana", "customVariables": {"coupon_code": "ANA"}},
            {"phone": "+14155550102"},
            {"phone": "+1 (415) 555-0101", "name": "Bob", "customVariables": {"order_id": "9"}},
            {"phone": "whatsapp:+14155550101"},
        ],
    )
    assert codes(result["errors"]) == [
        ("DUPLICATE_LEAD", ["leads", "2", "phone"]),
        ("DUPLICATE_LEAD", ["leads", "3", "phone"]),
    ]
    assert result["errors"][0]["message"] == (
        "+14155550101 is already in this list at index 0; give each phone once."
    )
    people = [lead["conversationUser"] for lead in result["leads"]]
    added = [
        (p["phone"], p["name"], lead["customVariables"])
        for p, lead in zip(people, result["leads"], strict=True)
    ]
    assert added == [
        ("+14155550101", "Ana", {"coupon_code": "ANA"}),
        ("+14155550102", None, {}),
    ], "the first occurrence is kept whole"
    data = (await gql.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert data["stats"]["leads"] == 2


async def test_removed_leads_stay_inactive_until_added_again(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    added = await add_leads(
        gql, campaign["id"], [{"phone": "+14155550101"}, {"phone": "+14155550102"}]
    )
    lead_id = added["leads"][0]["id"]
    removed = (
        await gql.data(REMOVE_LEADS, {"campaignId": campaign["id"], "leadIds": [lead_id, "bogus"]})
    )["removeCampaignLeads"]
    assert removed["leads"] == [{"id": lead_id, "active": False}]
    assert codes(removed["errors"]) == [("NOT_FOUND", ["leadIds", "1"])]

    data = (await gql.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert (data["stats"]["leads"], data["stats"]["activeLeads"]) == (2, 1)
    assert {e["node"]["id"]: e["node"]["active"] for e in data["leads"]["edges"]}[lead_id] is False

    readded = await add_leads(gql, campaign["id"], [{"phone": "+14155550101"}])
    assert readded["leads"] == [dict(added["leads"][0], active=True)]


async def test_custom_variables_are_replaced_only_when_given(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    phone = "+14155550101"
    await add_leads(gql, campaign["id"], [{"phone": phone, "customVariables": {"order_id": "7"}}])
    kept = await add_leads(gql, campaign["id"], [{"phone": phone}])
    assert kept["leads"][0]["customVariables"] == {"order_id": "7"}
    replaced = await add_leads(
        gql, campaign["id"], [{"phone": phone, "customVariables": {"order_id": 8}}]
    )
    assert replaced["leads"][0]["customVariables"] == {"order_id": "8"}


async def test_ten_thousand_leads_in_three_statements(gql: GraphQLClient, db: Database) -> None:
    campaign = await create_campaign(gql)
    leads: list[dict[str, Any]] = [
        {"phone": f"+1415555{i:04d}", "name": f"Lead {i}"} for i in range(10_000)
    ]
    with request_statements(db) as statements:
        result = await add_leads(gql, campaign["id"], leads)
    assert result["errors"] == []
    people = [lead["conversationUser"] for lead in result["leads"]]
    assert [(p["phone"], p["name"]) for p in people] == [
        (lead["phone"], lead["name"]) for lead in leads
    ], "every lead, in the order given, with its person"
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    # One INSERT per table, its rows given as arrays, and one SELECT of the campaign. The
    # people's fields in the response are not read back.
    assert len(inserts) == 2, inserts
    assert len(statements) == 3, statements


async def test_more_than_ten_thousand_leads_are_refused_whole(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    leads = [{"phone": f"+1415555{i % 10_000:04d}"} for i in range(10_001)]
    result = await add_leads(gql, campaign["id"], leads)
    assert codes(result["errors"]) == [("TOO_MANY_LEADS", ["leads"])]
    data = (await gql.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert data["stats"]["leads"] == 0
