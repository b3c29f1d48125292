"""Choosing the sender of a send or a one-off message: the merchant's own (its default
when none is named), never another merchant's; a sender a live send goes out from stays."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from db.database import Database
from db.models import Message
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.accounts.operations import ADD, CONNECT, REMOVE
from tests.gql.accounts.support import emulator_subaccount
from tests.gql.helpers import codes
from tests.gql.sending import approved_campaign, wait_for_send
from tests.support import EMULATOR_SID

SEND_FROM = """mutation($id: ID!, $senderId: ID, $scheduledAt: DateTime) {
  sendCampaign(id: $id, senderId: $senderId, scheduledAt: $scheduledAt) {
    send { id status } errors { field code message }
} }"""

ONE_OFF = """mutation($input: SendTemplateMessageInput!) { sendTemplateMessage(input: $input) {
  campaignLeadMessage { id state } errors { field code message }
} }"""


async def add_sender(account: MerchantAccount, address: str, **fields: Any) -> str:
    added = (await account.client.data(ADD, {"input": {"address": address, **fields}}))["addSender"]
    assert added["errors"] == []
    sender_id: str = added["sender"]["id"]
    return sender_id


def froms(emulator: RunningEmulator, content_sid: str) -> set[str | None]:
    messages = emulator.state.state.messages.values()
    return {m.from_ for m in messages if m.content_sid == content_sid}


async def test_a_send_goes_out_from_the_sender_named_else_the_default(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    await add_sender(merchant, "whatsapp:+14155580001", makeDefault=True)
    second = await add_sender(merchant, "whatsapp:+14155580002")
    leads = [{"phone": "+14155581001", "name": "Ana"}, {"phone": "+14155581002", "name": "Ana"}]
    named = await approved_campaign(merchant, emulator, leads, name="from_second")
    default = await approved_campaign(merchant, emulator, leads, name="from_default")
    for campaign, sender_id in ((named, second), (default, None)):
        sent = (
            await merchant.client.data(SEND_FROM, {"id": campaign["id"], "senderId": sender_id})
        )["sendCampaign"]
        assert sent["errors"] == []
        await wait_for_send(merchant, sent["send"]["id"])
    assert froms(emulator, named["contentSid"]) == {"whatsapp:+14155580002"}
    assert froms(emulator, default["contentSid"]) == {"whatsapp:+14155580001"}
    # No account of its own: the platform's, which each message records.
    async with db.session() as session:
        accounts = await session.scalars(
            select(Message.twilio_account_sid).where(
                Message.content_sid.in_([named["contentSid"], default["contentSid"]])
            )
        )
        assert list(accounts) == [EMULATOR_SID] * 4


async def test_another_merchants_or_an_unknown_sender_is_not_found(
    merchant: MerchantAccount, other_merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    theirs = await add_sender(other_merchant, "whatsapp:+14155580003")
    campaign = await approved_campaign(
        merchant, emulator, [{"phone": "+14155581003", "name": "Ana"}], name="not_theirs"
    )
    for sender_id in (theirs, "U2VuZGVyOjk5OTk5OTk="):
        sent = (
            await merchant.client.data(SEND_FROM, {"id": campaign["id"], "senderId": sender_id})
        )["sendCampaign"]
        assert codes(sent["errors"]) == [("NOT_FOUND", ["senderId"])]
        one_off = (
            await merchant.client.data(
                ONE_OFF,
                {
                    "input": {
                        "campaignName": "not_theirs",
                        "to": "+14155581004",
                        "senderId": sender_id,
                    }
                },
            )
        )["sendTemplateMessage"]
        assert codes(one_off["errors"]) == [("NOT_FOUND", ["input", "senderId"])]
        assert one_off["campaignLeadMessage"] is None
    assert froms(emulator, campaign["contentSid"]) == set()


async def test_a_sender_a_scheduled_send_goes_out_from_cannot_be_removed(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    sender_id = await add_sender(merchant, "whatsapp:+14155580004")
    campaign = await approved_campaign(
        merchant, emulator, [{"phone": "+14155581005", "name": "Ana"}], name="scheduled_from"
    )
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    sent = (
        await merchant.client.data(
            SEND_FROM, {"id": campaign["id"], "senderId": sender_id, "scheduledAt": later}
        )
    )["sendCampaign"]
    assert sent["send"]["status"] == "SCHEDULED"
    removed = (await merchant.client.data(REMOVE, {"id": sender_id}))["removeSender"]
    assert codes(removed["errors"]) == [("SENDER_IN_USE", ["id"])]
    cancel = "mutation($id: ID!) { cancelCampaignSend(id: $id) { errors { code } } }"
    await merchant.client.data(cancel, {"id": sent["send"]["id"]})
    removed = (await merchant.client.data(REMOVE, {"id": sender_id}))["removeSender"]
    assert removed["errors"] == []


async def test_a_merchant_on_its_own_account_without_a_sender_is_told_before_anything_is_sent(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    sub = await emulator_subaccount(emulator, f"Shop {merchant.merchant.id} Twilio")
    connect = {"accountSid": sub["sid"], "authToken": sub["auth_token"]}
    connected = (await merchant.client.data(CONNECT, {"input": connect}))["connectTwilioAccount"]
    assert connected["errors"] == []
    campaign = await approved_campaign(
        merchant, emulator, [{"phone": "+14155581004", "name": "Ana"}], name="no_sender_yet"
    )
    sent = (await merchant.client.data(SEND_FROM, {"id": campaign["id"]}))["sendCampaign"]
    assert codes(sent["errors"]) == [("NO_SENDER", ["senderId"])]
    assert sent["send"] is None
    one_off = (
        await merchant.client.data(
            ONE_OFF,
            {"input": {"campaignName": "no_sender_yet", "to": "+14155581005", "variables": {}}},
        )
    )["sendTemplateMessage"]
    assert codes(one_off["errors"]) == [("NO_SENDER", ["input", "senderId"])]
    assert froms(emulator, campaign["contentSid"]) == set()
