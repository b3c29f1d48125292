"""Bulk sends end to end: GraphQL over HTTP, the worker, the emulator over HTTP."""

import re

import httpx
from sqlalchemy import update

from db.database import Database
from db.models import ConversationUser
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import CAMPAIGN, codes, create_campaign
from tests.gql.sending import SEND, approved_campaign, messages_to, wait_for_send

BODY = "Hi {{lead_name}}, your code {{coupon_code}} takes 20% off today only!"


async def test_a_send_reaches_every_eligible_lead_once(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    leads = [
        {
            "phone": f"+1415555{i:04d}",
            "name": f"Lead {i}",
            "customVariables": {"coupon_code": f"C{i}"},
        }
        for i in range(30)
    ]
    leads.append({"phone": "+14155559998", "name": "No Code"})  # missing coupon_code
    leads.append(
        {"phone": "+14155559997", "name": "Opted", "customVariables": {"coupon_code": "X"}}
    )
    campaign = await approved_campaign(merchant, emulator, leads, name="spring_blast", body=BODY)
    async with db.transaction() as session:
        await session.execute(
            update(ConversationUser)
            .where(
                ConversationUser.phone == "+14155559997",
                ConversationUser.merchant_id == merchant.merchant.id,
            )
            .values(opted_out_at=ConversationUser.created_at)
        )

    started = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    assert started["errors"] == []
    assert started["send"]["total"] == 32
    send = await wait_for_send(merchant, started["send"]["id"])
    assert (send["skipped"], send["failed"]) == (2, 0)
    assert send["sent"] + send["queued"] == 30

    sent = await messages_to(emulator, campaign["contentSid"])
    assert sorted(m["to"] for m in sent) == sorted(f"whatsapp:+1415555{i:04d}" for i in range(30))
    one = next(m for m in sent if m["to"] == "whatsapp:+14155550007")
    assert one["body"] == "Hi Lead 7, your code C7 takes 20% off today only!"

    data = (await merchant.client.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert data["stats"]["activeLeads"] == 2, "sent leads are no longer queued"
    reasons = {m["node"]["skippedReason"] for m in data["messages"]["edges"]}
    assert {"missing_variable", "opted_out"} <= reasons


async def test_only_approved_campaigns_are_sent(merchant: MerchantAccount) -> None:
    campaign = await create_campaign(merchant.client, name="draft_only")
    result = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    assert codes(result["errors"]) == [("NOT_APPROVED", ["id"])]


async def test_a_marketing_template_is_never_sent_twice_to_a_person(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    leads = [{"phone": "+14155550301", "name": "Ana", "customVariables": {"coupon_code": "A"}}]
    campaign = await approved_campaign(merchant, emulator, leads, name="once_only", body=BODY)
    first = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]["send"]
    await wait_for_send(merchant, first["id"])
    from tests.gql.helpers import add_leads

    await add_leads(merchant.client, campaign["id"], leads)  # the same person again
    second = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]["send"]
    done = await wait_for_send(merchant, second["id"])
    assert (done["total"], done["skipped"]) == (1, 1)
    assert len(await messages_to(emulator, campaign["contentSid"])) == 1


async def test_links_in_sent_messages_are_tracked(
    merchant: MerchantAccount, emulator: RunningEmulator, http: httpx.AsyncClient
) -> None:
    body = "Hi {{lead_name}}, see https://shop.example/deals for today's deals, then reply."
    people = [{"phone": "+14155550401", "name": "Ana"}]
    campaign = await approved_campaign(merchant, emulator, people, name="linked", body=body)
    send = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]["send"]
    await wait_for_send(merchant, send["id"])
    [sent] = await messages_to(emulator, campaign["contentSid"])
    link = re.search(r"https?://\S+/r/[\w-]+", sent["body"])
    assert link is not None, sent["body"]
    redirect = await http.get(link.group(0).split("/r/", 1)[1].join(["/r/", ""]))
    assert redirect.status_code in (302, 303)
    assert redirect.headers["location"] == "https://shop.example/deals"
    data = (await merchant.client.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert [e["node"]["clicks"] for e in data["messages"]["edges"]] == [1]
