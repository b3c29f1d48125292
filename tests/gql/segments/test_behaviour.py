"""Behaviour clauses over real sends: the emulator delivers, reads and fails messages,
its customer replies through the inbound webhook, and a click goes through /r/<token>."""

import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from db.database import Database
from db.enums import MessageStatus
from db.models import CampaignLead, CampaignLeadMessage, ConversationUser, Message
from gql.ids import decode_pk
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import UPDATE
from tests.gql.segments.support import names
from tests.gql.sending import SEND, approved_campaign, emulator_admin, messages_to, wait_for_send
from tests.services.messages.ledger import new_phone
from tests.support import eventually

BODY = "Hi {{lead_name}}, see https://shop.example/deals for our deals, then reply."
FINAL = {MessageStatus.READ, MessageStatus.UNDELIVERED, MessageStatus.FAILED}


async def _statuses(db: Database, campaign_pk: int) -> dict[str, MessageStatus]:
    async with db.session() as session:
        rows = await session.execute(
            select(ConversationUser.name, Message.status)
            .join(CampaignLead, CampaignLead.conversation_user_id == ConversationUser.id)
            .join(CampaignLeadMessage, CampaignLeadMessage.campaign_lead_id == CampaignLead.id)
            .join(Message, Message.id == CampaignLeadMessage.message_id)
            .where(CampaignLeadMessage.campaign_id == campaign_pk)
        )
        return {str(name): status for name, status in rows.all()}


async def _message_of(db: Database, merchant_id: int, name: str) -> int:
    async with db.session() as session:
        found = await session.scalar(
            select(Message.id)
            .join(ConversationUser, ConversationUser.id == Message.conversation_user_id)
            .where(ConversationUser.merchant_id == merchant_id, ConversationUser.name == name)
        )
    assert found is not None
    return found


async def _sent(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database, leads: list[dict[str, Any]]
) -> dict[str, Any]:
    """The campaign sent to the leads, every message at its final status."""
    campaign = await approved_campaign(merchant, emulator, leads, name="behaved", body=BODY)
    started = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    await wait_for_send(merchant, started["send"]["id"])
    pk = decode_pk(campaign["id"], "Campaign")
    assert pk is not None
    await eventually(
        lambda: _statuses(db, pk), lambda found: set(found.values()) <= FINAL and len(found) == 3
    )
    return campaign


async def _click_and_reply(
    emulator: RunningEmulator,
    http: httpx.AsyncClient,
    url: str,
    content_sid: str,
    phone: str,
) -> None:
    """The person at `phone` clicks the message's link, then replies."""
    sent = {m["to"]: m for m in await messages_to(emulator, content_sid)}
    message = sent[f"whatsapp:{phone}"]
    link = re.search(r"/r/[\w-]+", message["body"])
    assert link is not None
    assert (await http.get(link.group(0))).status_code in (302, 303)
    reply = {
        "from": phone,
        "to": message["from"],
        "account_sid": message["account_sid"],
        "body": "Still on?",
        "url": f"{url}/webhooks/twilio/messages/inbound",
    }
    answer = await emulator_admin(emulator, "POST", "/inbound", reply)
    assert answer["delivery"]["http_status"] == 200, answer


async def _age(db: Database, merchant_id: int, ago: timedelta) -> None:
    """Every message, reply and click of the merchant happened `ago` earlier."""
    people = select(ConversationUser.id).where(ConversationUser.merchant_id == merchant_id)
    async with db.transaction() as session:
        await session.execute(
            update(Message)
            .where(Message.conversation_user_id.in_(people))
            .values(
                created_at=Message.created_at - ago,
                delivered_at=Message.delivered_at - ago,
                read_at=Message.read_at - ago,
                failed_at=Message.failed_at - ago,
            )
        )
        leads = select(CampaignLead.id).where(CampaignLead.conversation_user_id.in_(people))
        await session.execute(
            update(CampaignLeadMessage)
            .where(CampaignLeadMessage.clicks > 0, CampaignLeadMessage.campaign_lead_id.in_(leads))
            .values(clicked_at=CampaignLeadMessage.clicked_at - ago)
        )


def _clause(campaign_id: str, event: str, **more: Any) -> dict[str, Any]:
    return {"behaviour": [{"campaignId": campaign_id, "event": event, **more}]}


async def test_each_event_over_real_messages(
    merchant: MerchantAccount,
    emulator: RunningEmulator,
    db: Database,
    http: httpx.AsyncClient,
    server_url: str,
) -> None:
    reader, failing, delivered = new_phone(), new_phone()[:-5] + "63049", new_phone()
    phones = {"reader": reader, "failing": failing, "delivered": delivered}
    leads = [{"phone": phone, "name": name} for name, phone in phones.items()]
    campaign = await _sent(merchant, emulator, db, leads)
    # The emulator reads every delivered message at once; one stays delivered, unread.
    async with db.transaction() as session:
        await session.execute(
            update(Message)
            .where(Message.id == await _message_of(db, merchant.merchant.id, "delivered"))
            .values(status=MessageStatus.DELIVERED, read_at=None)
        )
    await _click_and_reply(emulator, http, server_url, campaign["contentSid"], reader)
    gql, cid = merchant.client, campaign["id"]
    assert await names(gql, _clause(cid, "RECEIVED")) == {"reader", "delivered"}
    assert await names(gql, _clause(cid, "READ")) == {"reader"}
    assert await names(gql, _clause(cid, "FAILED")) == {"failing"}
    assert await names(gql, _clause(cid, "CLICKED")) == {"reader"}
    assert await eventually(
        lambda: names(gql, _clause(cid, "REPLIED")), lambda found: found == {"reader"}
    )
    assert await names(gql, _clause(cid, "READ", negate=True)) == {"failing", "delivered"}
    both = {
        "behaviour": [
            {"campaignId": cid, "event": "RECEIVED"},
            {"campaignId": cid, "event": "CLICKED", "negate": True},
        ]
    }
    assert await names(gql, both) == {"delivered"}, "every clause holds"

    # Over every version: the head version's id finds what was sent by the first.
    edited = await gql.data(UPDATE, {"id": cid, "input": {"body": BODY.replace("deals", "offers")}})
    head = edited["updateCampaign"]["campaign"]["id"]
    assert head != cid
    assert await names(gql, _clause(head, "READ")) == {"reader"}

    # Ten days ago: outside withinDays 7, inside 30.
    await _age(db, merchant.merchant.id, timedelta(days=10))
    for event in ("RECEIVED", "READ", "FAILED", "CLICKED", "REPLIED"):
        assert await names(gql, _clause(cid, event, withinDays=7)) == set(), event
        assert await names(gql, _clause(cid, event, withinDays=30)) != set(), event
    everyone = {"reader", "failing", "delivered"}
    assert await names(gql, _clause(cid, "READ", withinDays=7, negate=True)) == everyone
