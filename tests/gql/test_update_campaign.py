from db.database import Database
from db.enums import CampaignStatus
from tests.gql.helpers import (
    ARCHIVE,
    CAMPAIGN,
    CAMPAIGNS,
    REMOVE_LEADS,
    UPDATE,
    add_leads,
    codes,
    create_campaign,
    set_status,
)
from tests.support import GraphQLClient


async def test_unsubmitted_campaign_is_edited_in_place(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    result = (
        await gql.data(
            UPDATE, {"id": campaign["id"], "input": {"body": "Hey {{lead_name}}, sale ends soon!"}}
        )
    )["updateCampaign"]
    assert result["errors"] == []
    assert result["campaign"]["id"] == campaign["id"]
    assert result["campaign"]["body"] == "Hey {{1}}, sale ends soon!"
    assert result["campaign"]["nextCampaign"] is None


async def test_editing_a_submitted_campaign_makes_a_linked_version(
    gql: GraphQLClient, db: Database
) -> None:
    first = await create_campaign(gql)
    leads = await add_leads(
        gql, first["id"], [{"phone": "+14155550101"}, {"phone": "+14155550102"}]
    )
    await gql.data(REMOVE_LEADS, {"campaignId": first["id"], "leadIds": [leads["leads"][1]["id"]]})
    await set_status(db, first["id"], CampaignStatus.APPROVED)

    result = (
        await gql.data(
            UPDATE,
            {"id": first["id"], "input": {"body": "Hi {{lead_name}}, the sale is extended!"}},
        )
    )["updateCampaign"]
    assert result["errors"] == []
    second = result["campaign"]
    assert second["id"] != first["id"]
    assert second["status"] == "UNSUBMITTED"
    assert second["name"] == first["name"]
    assert second["previousCampaign"] == {"id": first["id"], "status": "APPROVED"}
    assert second["stats"]["leads"] == 1, "only active leads are carried forward"

    old = (await gql.data(CAMPAIGN, {"id": first["id"]}))["campaign"]
    assert old["nextCampaign"] == {"id": second["id"], "status": "UNSUBMITTED"}
    assert old["body"] == "Hi {{1}}, our spring sale starts today!", "history is kept"
    assert [v["id"] for v in old["versions"]] == [first["id"], second["id"]]

    heads = await gql.data(CAMPAIGNS, {"filter": {"name": first["name"]}})
    assert [e["node"]["id"] for e in heads["campaigns"]["edges"]] == [second["id"]]
    every = await gql.data(CAMPAIGNS, {"filter": {"name": first["name"], "allVersions": True}})
    assert every["campaigns"]["totalCount"] == 2

    stale = (await gql.data(UPDATE, {"id": first["id"], "input": {"body": "Old news!"}}))[
        "updateCampaign"
    ]
    assert codes(stale["errors"]) == [("NOT_HEAD_VERSION", ["id"])]


async def test_a_submitted_template_keeps_its_name(gql: GraphQLClient, db: Database) -> None:
    campaign = await create_campaign(gql)
    await set_status(db, campaign["id"], CampaignStatus.PENDING)
    result = (await gql.data(UPDATE, {"id": campaign["id"], "input": {"name": "renamed"}}))[
        "updateCampaign"
    ]
    assert codes(result["errors"]) == [("NAME_IMMUTABLE", ["input", "name"])]


async def test_invalid_edit_changes_nothing(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    result = (await gql.data(UPDATE, {"id": campaign["id"], "input": {"body": "Hi {{nobody}}"}}))[
        "updateCampaign"
    ]
    assert codes(result["errors"]) == [("UNKNOWN_VARIABLE", ["input", "body"])]
    unchanged = (await gql.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert unchanged["body"] == campaign["body"]


async def test_a_system_template_is_customised_as_the_merchants_service_template(
    gql: GraphQLClient, db: Database
) -> None:
    system = await gql.data(CAMPAIGNS, {"filter": {"name": "hello_world"}})
    hello = system["campaigns"]["edges"][0]["node"]
    assert hello["authorType"] == "SYSTEM"
    await set_status(db, hello["id"], CampaignStatus.APPROVED)
    body = "Hello {{lead_name}}, the team at {{merchant_name}} is here for you on WhatsApp."

    renamed = await gql.data(UPDATE, {"id": hello["id"], "input": {"name": "my_hello"}})
    assert codes(renamed["updateCampaign"]["errors"]) == [("SYSTEM_TEMPLATE", ["input", "name"])]
    marketing = await gql.data(
        UPDATE, {"id": hello["id"], "input": {"body": body, "campaignType": "MARKETING"}}
    )
    assert codes(marketing["updateCampaign"]["errors"]) == [
        ("SYSTEM_TEMPLATE", ["input", "campaignType"])
    ]

    result = (await gql.data(UPDATE, {"id": hello["id"], "input": {"body": body}}))[
        "updateCampaign"
    ]
    assert result["errors"] == []
    customised = (await gql.data(CAMPAIGN, {"id": result["campaign"]["id"]}))["campaign"]
    assert customised["name"] == "hello_world"
    assert customised["body"] == "Hello {{1}}, the team at {{2}} is here for you on WhatsApp."
    assert (customised["authorType"], customised["campaignType"]) == ("MERCHANT", "SERVICE")
    assert customised["status"] == "UNSUBMITTED"


async def test_archived_campaigns_are_read_only(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    archived = (await gql.data(ARCHIVE, {"id": campaign["id"]}))["archiveCampaign"]
    assert archived == {"campaign": {"id": campaign["id"], "status": "ARCHIVED"}, "errors": []}
    result = (await gql.data(UPDATE, {"id": campaign["id"], "input": {"body": "Back!"}}))[
        "updateCampaign"
    ]
    assert codes(result["errors"]) == [("ARCHIVED", ["id"])]
    leads = await add_leads(gql, campaign["id"], [{"phone": "+14155550101"}])
    assert codes(leads["errors"]) == [("ARCHIVED", ["campaignId"])]
