from tests.gql.helpers import PREVIEW, add_leads, codes, create_campaign
from tests.support import GraphQLClient


async def preview(gql: GraphQLClient, campaign_id: str, lead_id: str) -> dict[str, object]:
    result: dict[str, object] = (
        await gql.data(PREVIEW, {"campaignId": campaign_id, "leadId": lead_id})
    )["campaignPreview"]
    return result


async def test_custom_variables_win_over_lead_and_merchant_data(gql: GraphQLClient) -> None:
    campaign = await create_campaign(
        gql, body="Hi {{lead_name}}, {{merchant_name}} has code {{coupon_code}} for you."
    )
    leads = await add_leads(
        gql,
        campaign["id"],
        [
            {"phone": "+14155550101", "name": "Ana", "customVariables": {"coupon_code": "SPRING"}},
            {
                "phone": "+14155550102",
                "name": "Bob",
                "customVariables": {"coupon_code": "VIP", "lead_name": "Robert"},
            },
        ],
    )
    ana, bob = (lead["id"] for lead in leads["leads"])
    assert await preview(gql, campaign["id"], ana) == {
        "renderedBody": "Hi Ana, Test Shop has code SPRING for you.",
        "contentVariables": {"1": "Ana", "2": "Test Shop", "3": "SPRING"},
        "problems": [],
    }
    assert (await preview(gql, campaign["id"], bob))["renderedBody"] == (
        "Hi Robert, Test Shop has code VIP for you."
    )


async def test_problems_that_would_stop_a_message_are_listed(gql: GraphQLClient) -> None:
    campaign = await create_campaign(
        gql, body="Hi {{lead_name}}, your code is {{coupon_code}} and order {{order_id}} ships."
    )
    leads = await add_leads(
        gql,
        campaign["id"],
        [
            {"phone": "+14155550101", "customVariables": {"coupon_code": "  ", "order_id": "1"}},
            {"phone": "+14155550102", "name": "Ana", "customVariables": {"coupon_code": "A\nB"}},
            {
                "phone": "+14155550103",
                "name": "Ana",
                "customVariables": {"coupon_code": "x" * 1000, "order_id": "1"},
            },
        ],
    )
    nameless, newline, long = (lead["id"] for lead in leads["leads"])
    result = await preview(gql, campaign["id"], nameless)
    assert codes(result["problems"]) == [  # type: ignore[arg-type]
        ("MISSING_VARIABLE", ["variables", "lead_name"]),
        ("EMPTY_VARIABLE", ["variables", "coupon_code"]),
    ]
    result = await preview(gql, campaign["id"], newline)
    assert codes(result["problems"]) == [  # type: ignore[arg-type]
        ("INVALID_VARIABLE_VALUE", ["variables", "coupon_code"]),
        ("MISSING_VARIABLE", ["variables", "order_id"]),
    ]
    result = await preview(gql, campaign["id"], long)
    assert codes(result["problems"]) == [("BODY_TOO_LONG", ["body"])]  # type: ignore[arg-type]


async def test_a_lead_of_another_campaign_has_no_preview(gql: GraphQLClient) -> None:
    first = await create_campaign(gql, name="first")
    second = await create_campaign(gql, name="second")
    leads = await add_leads(gql, first["id"], [{"phone": "+14155550101"}])
    assert await preview(gql, second["id"], leads["leads"][0]["id"]) is None
