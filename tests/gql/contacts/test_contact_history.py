"""What happened to a contact after a real send through the emulator: its campaigns with
their latest status, its replies, its clicks; attributes filling a template's variables;
and the statements a page of contacts with all of that costs."""

import re
from typing import Any

import httpx

from db.database import Database
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.contacts.support import created
from tests.gql.helpers import PREVIEW
from tests.gql.operations import contract
from tests.gql.sending import SEND, approved_campaign, messages_to, wait_for_send
from tests.gql.webhooks.test_message_webhooks import (
    INBOUND,
    STATUS,
    inbound_message,
    post,
    status_callback,
)
from tests.support import eventually, fewest_statements

BODY = "Hi {{lead_name}}, your code {{coupon_code}} works at https://shop.example/deals today."
HISTORY = """
query($id: ID!, $first: Int) { campaign(id: $id) { leads(first: $first) { edges { node {
  conversationUser {
    phone clicks tags attributes
    campaigns { status at campaign { name } lastMessage { state skippedReason message { body } } }
    replies(first: 2) { totalCount edges { node { body } } pageInfo { hasNextPage endCursor } }
  }
} } } } }
"""


def people_of(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    edges = data["campaign"]["leads"]["edges"]
    return {e["node"]["conversationUser"]["phone"]: e["node"]["conversationUser"] for e in edges}


async def sent_with_activity(
    merchant: MerchantAccount, emulator: RunningEmulator, http: httpx.AsyncClient
) -> tuple[dict[str, Any], list[str]]:
    """A campaign sent to 100 contacts whose attributes give coupon_code (the second
    lead's custom variable wins over its attribute); the first contact then read it,
    replied three times and clicked its link twice."""
    gql = merchant.client
    phones = [f"+1415557{i:04d}" for i in range(100)]
    await created(
        gql,
        [{"phone": p, "attributes": {"coupon_code": f"ATTR{i}"}} for i, p in enumerate(phones)],
    )
    leads: list[dict[str, Any]] = [{"phone": p, "name": f"Lead {i}"} for i, p in enumerate(phones)]
    leads[1]["customVariables"] = {"coupon_code": "CUSTOM"}
    campaign = await approved_campaign(merchant, emulator, leads, name="history", body=BODY)
    send = (await gql.data(SEND, {"id": campaign["id"]}))["sendCampaign"]["send"]
    await wait_for_send(merchant, send["id"])

    sent = {m["to"]: m for m in await messages_to(emulator, campaign["contentSid"])}
    ana, bob = sent[f"whatsapp:{phones[0]}"], sent[f"whatsapp:{phones[1]}"]
    assert ana["body"].startswith("Hi Lead 0, your code ATTR0 works at ")
    assert bob["body"].startswith("Hi Lead 1, your code CUSTOM works at ")

    assert (await post(http, STATUS, status_callback(ana["sid"], "read"))).status_code == 200
    for text in ("first", "second", "third"):
        assert (await post(http, INBOUND, inbound_message(phones[0], text))).status_code == 200
    link = re.search(r"/r/[\w-]+", ana["body"])
    assert link is not None, ana["body"]
    for _ in range(2):
        assert (await http.get(link.group(0))).status_code in (302, 303)
    return campaign, phones


async def test_history_after_a_real_send(
    merchant: MerchantAccount, emulator: RunningEmulator, http: httpx.AsyncClient, db: Database
) -> None:
    gql = merchant.client
    campaign, phones = await sent_with_activity(merchant, emulator, http)

    async def history() -> dict[str, dict[str, Any]]:
        return people_of(await gql.data(HISTORY, {"id": campaign["id"], "first": 100}))

    people = await eventually(history, lambda p: p[phones[0]]["campaigns"][0]["status"] == "READ")
    first = people[phones[0]]
    assert first["clicks"] == 2
    [entry] = first["campaigns"]
    assert entry["campaign"] == {"name": "history"}
    assert entry["lastMessage"]["state"] == "SENT"
    stored = "Hi Lead 0, your code ATTR0 works at https://shop.example/deals today."
    assert entry["lastMessage"]["message"]["body"] == stored  # links kept as written
    replies = first["replies"]
    assert replies["totalCount"] == 3
    assert [e["node"]["body"] for e in replies["edges"]] == ["third", "second"]
    assert replies["pageInfo"]["hasNextPage"] is True
    [contact] = await created(gql, [{"phone": phones[0]}])
    older = await gql.data(
        """query($id: ID!, $after: String) { node(id: $id) { ... on ConversationUser {
             replies(first: 5, after: $after) { totalCount edges { node { body } } } } } }""",
        {"id": contact["id"], "after": replies["pageInfo"]["endCursor"]},
    )
    assert [e["node"]["body"] for e in older["node"]["replies"]["edges"]] == ["first"]
    other = people[phones[3]]
    assert (other["clicks"], other["replies"]["totalCount"]) == (0, 0)
    assert other["campaigns"][0]["status"] in ("SENT", "DELIVERED", "READ", "QUEUED", "ACCEPTED")

    async def statements(first: int) -> int:
        return await fewest_statements(
            db, lambda: gql.data(HISTORY, {"id": campaign["id"], "first": first})
        )

    one, hundred = await statements(1), await statements(100)
    print(f"\nSQL statements for a page of contacts with history: 1 -> {one}, 100 -> {hundred}")
    assert one == hundred


async def test_an_attribute_fills_a_variable_in_the_preview(merchant: MerchantAccount) -> None:
    gql = merchant.client
    from tests.gql.helpers import add_leads, create_campaign

    campaign = await create_campaign(
        gql, name="previewed", body="Hi {{lead_name}}, order {{order_id}} from {{merchant_name}}."
    )
    await created(
        gql,
        [
            {"phone": "+14155550301", "attributes": {"order_id": 1042, "lead_name": "Attr"}},
            {"phone": "+14155550302", "attributes": {"order_id": True}},
        ],
    )
    added = await add_leads(
        gql,
        campaign["id"],
        [
            {"phone": "+14155550301", "name": "Ana"},
            {"phone": "+14155550302", "name": "Bob", "customVariables": {"lead_name": "Robert"}},
        ],
    )
    ana, bob = (lead["id"] for lead in added["leads"])
    preview = await gql.data(PREVIEW, {"campaignId": campaign["id"], "leadId": ana})
    assert preview["campaignPreview"]["renderedBody"] == "Hi Attr, order 1042 from Test Shop."
    preview = await gql.data(PREVIEW, {"campaignId": campaign["id"], "leadId": bob})
    assert preview["campaignPreview"]["renderedBody"] == "Hi Robert, order true from Test Shop."


async def test_an_attribute_fills_a_one_off_message(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    body = "Hi {{lead_name}}, your order {{order_id}} is being prepared right now."
    campaign = await approved_campaign(
        merchant, emulator, [], name="order_note", body=body, campaignType="SERVICE"
    )
    await created(
        merchant.client,
        [{"phone": "+14155550391", "name": "Ana", "attributes": {"order_id": 77}}],
    )
    one_off = contract("SendTemplateMessage")
    given: dict[str, dict[str, Any]] = {
        "input": {"campaignName": "order_note", "to": "+14155550391"}
    }
    result = (await merchant.client.data(one_off, given))["sendTemplateMessage"]
    assert result["errors"] == []
    given["input"]["variables"] = {"order_id": "78"}  # the caller's variables win
    result = (await merchant.client.data(one_off, given))["sendTemplateMessage"]
    assert result["errors"] == []
    bodies = [m["body"] for m in await messages_to(emulator, campaign["contentSid"])]
    assert bodies == [
        "Hi Ana, your order 77 is being prepared right now.",
        "Hi Ana, your order 78 is being prepared right now.",
    ]
