"""Another merchant's ids behave exactly like ids that do not exist."""

from gql.ids import encode_id
from tests.conftest import MerchantAccount
from tests.gql.helpers import (
    ARCHIVE,
    CAMPAIGN,
    CAMPAIGNS,
    NODE,
    PREVIEW,
    REMOVE_LEADS,
    UPDATE,
    add_leads,
    create_campaign,
)


async def test_other_merchants_objects_are_invisible(
    merchant: MerchantAccount, other_merchant: MerchantAccount
) -> None:
    mine, theirs = merchant.client, other_merchant.client
    campaign = await create_campaign(mine)
    lead = (await add_leads(mine, campaign["id"], [{"phone": "+14155550101"}]))["leads"][0]
    missing = encode_id("Campaign", 2**62)

    for campaign_id in (campaign["id"], missing):
        assert (await theirs.data(CAMPAIGN, {"id": campaign_id}))["campaign"] is None
        assert (await theirs.data(NODE, {"id": campaign_id}))["node"] is None
        for operation, name, variables in (
            (UPDATE, "updateCampaign", {"id": campaign_id, "input": {"body": "Hacked"}}),
            (ARCHIVE, "archiveCampaign", {"id": campaign_id}),
        ):
            result = (await theirs.data(operation, variables))[name]
            assert result["campaign"] is None
            assert [(e["code"], e["field"]) for e in result["errors"]] == [("NOT_FOUND", ["id"])]
        result = await add_leads(theirs, campaign_id, [{"phone": "+14155550199"}])
        assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"]

    assert (await theirs.data(NODE, {"id": lead["id"]}))["node"] is None
    preview = await theirs.data(PREVIEW, {"campaignId": campaign["id"], "leadId": lead["id"]})
    assert preview["campaignPreview"] is None
    removed = await theirs.data(
        REMOVE_LEADS, {"campaignId": campaign["id"], "leadIds": [lead["id"]]}
    )
    assert removed["removeCampaignLeads"]["leads"] == []

    listed = await theirs.data(CAMPAIGNS, {"filter": {"authorType": "MERCHANT"}})
    assert listed["campaigns"]["totalCount"] == 0
    # And nothing they tried changed it.
    unchanged = (await mine.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert (unchanged["status"], unchanged["body"]) == (campaign["status"], campaign["body"])
    assert unchanged["stats"]["activeLeads"] == 1


async def test_node_resolves_own_objects_by_type(merchant: MerchantAccount) -> None:
    gql = merchant.client
    campaign = await create_campaign(gql)
    lead = (await add_leads(gql, campaign["id"], [{"phone": "+14155550101"}]))["leads"][0]
    node = (await gql.data(NODE, {"id": campaign["id"]}))["node"]
    assert node == {"id": campaign["id"], "name": campaign["name"], "status": "UNSUBMITTED"}
    assert (await gql.data(NODE, {"id": lead["id"]}))["node"] == {"id": lead["id"], "active": True}
    assert (await gql.data(NODE, {"id": "not base64!"}))["node"] is None
