"""importContacts with campaignId: the contacts join the campaign's audience, with the
file's custom variables, under addCampaignLeads' rules."""

import httpx
from sqlalchemy import update

from db.database import Database
from db.models import ConversationUser
from tests.conftest import MerchantAccount
from tests.gql.helpers import ADD_LEADS, ARCHIVE, REMOVE_LEADS, create_campaign
from tests.gql.imports.support import finished, start_import, upload

LEADS = """
query($id: ID!) {
  campaign(id: $id) {
    leads(first: 50) {
      edges { node { active customVariables conversationUser { phone name optedOutAt } } }
    }
  }
}
"""


async def test_the_audience_is_filled_with_custom_variables(
    http: httpx.AsyncClient, merchant: MerchantAccount, db: Database
) -> None:
    gql = merchant.client
    campaign = await create_campaign(
        gql, name="import_sale", body="Hi {{lead_name}}, use {{coupon_code}} at our shop today."
    )
    added = (
        await gql.data(
            ADD_LEADS,
            {"campaignId": campaign["id"], "leads": [{"phone": "+14155550111", "name": "Ana"}]},
        )
    )["addCampaignLeads"]
    lead_id = added["leads"][0]["id"]
    await gql.data(REMOVE_LEADS, {"campaignId": campaign["id"], "leadIds": [lead_id]})
    async with db.transaction() as session:  # Ana opted out: the import must not undo it
        await session.execute(
            update(ConversationUser)
            .where(ConversationUser.phone == "+14155550111")
            .where(ConversationUser.merchant_id == merchant.merchant.id)
            .values(opted_out_at=ConversationUser.created_at)
        )
    csv = b"phone,first name,coupon_code\n+14155550111,,ANA20\n+14155550112,Bo,\n"
    mapping = {"phone": "phone", "name": "first name", "customVariables": ["coupon_code"]}
    started = await start_import(http, merchant.token, csv, mapping, campaign["id"])
    done = await finished(http, merchant.token, started["id"])
    assert (done["status"], done["importedRows"], done["existingRows"]) == ("COMPLETED", 2, 1)
    assert done["campaign"] == {"id": campaign["id"]}
    leads = (await gql.data(LEADS, {"id": campaign["id"]}))["campaign"]["leads"]["edges"]
    found = {
        edge["node"]["conversationUser"]["phone"]: (
            edge["node"]["active"],
            edge["node"]["customVariables"],
            edge["node"]["conversationUser"]["name"],
            edge["node"]["conversationUser"]["optedOutAt"] is not None,
        )
        for edge in leads
    }
    assert found == {
        "+14155550111": (True, {"coupon_code": "ANA20"}, "Ana", True),  # reactivated
        "+14155550112": (True, {}, "Bo", False),
    }


async def test_campaign_rules_are_those_of_add_campaign_leads(
    http: httpx.AsyncClient, merchant: MerchantAccount
) -> None:
    csv = b"phone,coupon_code\n+14155550111,A\n"
    mapping = {"phone": "phone", "customVariables": ["coupon_code", "shoe_size"]}
    campaign = await create_campaign(merchant.client, name="rules_sale")
    response = await upload(http, merchant.token, csv, mapping, campaign["id"])
    payload = response.json()["data"]["importContacts"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("UNKNOWN_COLUMN", ["mapping", "customVariables", "1"]),
        ("UNKNOWN_VARIABLE", ["mapping", "customVariables", "1"]),
    ]
    await merchant.client.data(ARCHIVE, {"id": campaign["id"]})
    response = await upload(http, merchant.token, csv, {"phone": "phone"}, campaign["id"])
    payload = response.json()["data"]["importContacts"]
    assert [e["code"] for e in payload["errors"]] == ["ARCHIVED"]
    unknown = await upload(http, merchant.token, csv, {"phone": "phone"}, "Q2FtcGFpZ246OTk5OTk5")
    assert [e["code"] for e in unknown.json()["data"]["importContacts"]["errors"]] == ["NOT_FOUND"]
