from tests.gql.helpers import CAMPAIGNS, CREATE, codes, create_campaign
from tests.support import GraphQLClient


async def test_named_placeholders_are_stored_positionally(gql: GraphQLClient) -> None:
    campaign = await create_campaign(
        gql, body="Hi {{lead_name}}, {{merchant_name}} misses you, {{lead_name}}!"
    )
    assert campaign["body"] == "Hi {{1}}, {{2}} misses you, {{1}}!"
    assert campaign["variables"] == [
        {"key": "1", "type": "LEAD_NAME"},
        {"key": "2", "type": "MERCHANT_NAME"},
    ]
    assert campaign["status"] == "UNSUBMITTED"
    assert campaign["authorType"] == "MERCHANT"
    assert campaign["campaignType"] == "MARKETING"
    assert campaign["contentType"] == "twilio/text"
    assert campaign["contentContext"] == {"twilio/text": {"body": campaign["body"]}}
    assert campaign["nextCampaign"] is None and campaign["previousCampaign"] is None
    assert campaign["stats"]["leads"] == 0


async def test_button_urls_share_the_body_numbering(gql: GraphQLClient) -> None:
    campaign = await create_campaign(
        gql,
        name="order_ready",
        campaignType="SERVICE",
        body="Hi {{lead_name}}, order {{order_id}} is ready for pickup.",
        contentType="twilio/call-to-action",
        contentContext={
            "actions": [
                {"type": "URL", "title": "Track", "url": "https://shop.example/{{order_id}}"}
            ]
        },
    )
    spec = campaign["contentContext"]["twilio/call-to-action"]
    assert spec["actions"][0]["url"] == "https://shop.example/{{2}}"
    assert campaign["campaignType"] == "SERVICE"


async def test_each_problem_has_its_own_code_and_path(gql: GraphQLClient) -> None:
    cases: list[tuple[dict[str, object], tuple[str, list[str]]]] = [
        ({"name": "Bad Name!"}, ("INVALID_NAME", ["input", "name"])),
        ({"name": "x" * 513}, ("INVALID_NAME", ["input", "name"])),
        ({"body": "Hi {{nickname}}, welcome."}, ("UNKNOWN_VARIABLE", ["input", "body"])),
        ({"body": "word " * 210}, ("BODY_TOO_LONG", ["input", "body"])),
        (
            {"contentType": "twilio/carousel"},
            ("UNSUPPORTED_CONTENT_TYPE", ["input", "contentType"]),
        ),
        ({"language": "klingon"}, ("UNSUPPORTED_LANGUAGE", ["input", "language"])),
        (
            {"contentType": "twilio/media", "contentContext": {"media": "nope"}},
            ("INVALID_CONTENT_CONTEXT", ["input", "contentContext", "media"]),
        ),
        (
            {"samples": {"nickname": "Bo"}},
            ("UNKNOWN_VARIABLE", ["input", "samples", "nickname"]),
        ),
    ]
    for change, expected in cases:
        data: dict[str, object] = {
            "name": "valid_name",
            "body": "Hi {{lead_name}}, good news today.",
        }
        data |= change
        result = (await gql.data(CREATE, {"input": data}))["createCampaign"]
        assert result["campaign"] is None
        assert codes(result["errors"]) == [expected], change
    listed = await gql.data(CAMPAIGNS, {"filter": {"authorType": "MERCHANT"}})
    assert listed["campaigns"]["totalCount"] == 0, "a refused campaign must not be written"


async def test_all_problems_are_reported_at_once(gql: GraphQLClient) -> None:
    data = {"name": "Nope", "body": "{{who}}", "language": "xx"}
    result = (await gql.data(CREATE, {"input": data}))["createCampaign"]
    assert {e["code"] for e in result["errors"]} == {
        "INVALID_NAME",
        "UNKNOWN_VARIABLE",
        "UNSUPPORTED_LANGUAGE",
    }


async def test_duplicate_name_is_refused(gql: GraphQLClient) -> None:
    await create_campaign(gql, name="weekly_deals")
    result = (await gql.data(CREATE, {"input": {"name": "weekly_deals", "body": "Deals again!"}}))[
        "createCampaign"
    ]
    assert codes(result["errors"]) == [("DUPLICATE_NAME", ["input", "name"])]


async def test_default_template_names_are_taken(gql: GraphQLClient) -> None:
    result = (await gql.data(CREATE, {"input": {"name": "hello_world", "body": "Hello there!"}}))[
        "createCampaign"
    ]
    assert codes(result["errors"]) == [("DUPLICATE_NAME", ["input", "name"])]
