"""A merchant connected to its Twilio account with an API key, over real HTTP: verified
with the key (a Standard key may not fetch the account, so it is tried on the account's
messages), then its templates are made and its messages sent in its account with the
key. With the auth token given too, the account's status callbacks are verified with it
and applied; with the key only they cannot be verified (Twilio signs them with the auth
token) and are refused, and statuses arrive by the status re-read, with the key."""

import asyncio
from typing import Any

from sqlalchemy import select

from db.database import Database
from db.models import Message
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.accounts.operations import ADD, CONNECT, VIEWER
from tests.gql.accounts.support import emulator_api_key, emulator_subaccount
from tests.gql.helpers import codes
from tests.gql.sending import SEND, approved_campaign, wait_for_send

FINAL = {"delivered", "read", "failed", "undelivered"}


async def connect_with_key(
    merchant: MerchantAccount, emulator: RunningEmulator, *, with_token: bool, address: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    account = await emulator_subaccount(emulator, f"Keyed Shop {merchant.merchant.id}")
    key = await emulator_api_key(emulator, account)
    given = {"accountSid": account["sid"], "apiKeySid": key["sid"], "apiKeySecret": key["secret"]}
    if with_token:
        given["authToken"] = account["auth_token"]
    connected = (await merchant.client.data(CONNECT, {"input": given}))["connectTwilioAccount"]
    assert connected["errors"] == []
    # A key alone cannot read the account's name (Twilio: no Account resources for it).
    name = account["friendly_name"] if with_token else ""
    assert (connected["twilioAccount"]["sid"], connected["twilioAccount"]["friendlyName"]) == (
        account["sid"],
        name,
    )
    added = (await merchant.client.data(ADD, {"input": {"address": address}}))["addSender"]
    assert added["errors"] == []
    return account, key


async def send_campaign(
    merchant: MerchantAccount, emulator: RunningEmulator, name: str, phones: list[str]
) -> list[Any]:
    leads = [{"phone": phone, "name": "Ana"} for phone in phones]
    campaign = await approved_campaign(merchant, emulator, leads, name=name)
    sent = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    assert sent["errors"] == []
    await wait_for_send(merchant, sent["send"]["id"])
    content = emulator.state.state.contents[campaign["contentSid"]]
    messages = [m for m in emulator.state.state.messages.values() if m.content_sid == content.sid]
    assert len(messages) == len(phones)
    return [content, *messages]


async def product_statuses(db: Database, sids: list[str]) -> dict[str, str]:
    async with db.session() as session:
        rows = await session.execute(
            select(Message.sid, Message.status).where(Message.sid.in_(sids))
        )
    return {str(sid): str(status.value) for sid, status in rows}


async def statuses_converge(db: Database, emulator: RunningEmulator, messages: list[Any]) -> None:
    """The product's status of each message reaches the emulator's final one."""
    async with asyncio.timeout(30):
        while True:
            theirs = {m.sid: m.status for m in messages}
            ours = await product_statuses(db, list(theirs))
            if all(s in FINAL for s in theirs.values()) and ours == theirs:
                return
            await asyncio.sleep(0.2)


def callback_answers(emulator: RunningEmulator, sids: list[str]) -> set[int | None]:
    deliveries = [
        d
        for d in emulator.state.state.deliveries
        if d.kind == "status_callback" and any(f"MessageSid={sid}" in d.body for sid in sids)
    ]
    assert deliveries
    return {d.http_status for d in deliveries}


async def test_with_a_key_and_its_token_a_merchant_sends_in_its_account_and_callbacks_apply(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    address = "whatsapp:+14155590001"
    account, _ = await connect_with_key(merchant, emulator, with_token=True, address=address)
    content, *messages = await send_campaign(
        merchant, emulator, "keyed_and_token", ["+14155591001", "+14155591002"]
    )
    assert content.account_sid == account["sid"], "the template is made in its account"
    assert {(m.account_sid, m.from_) for m in messages} == {(account["sid"], address)}
    await statuses_converge(db, emulator, messages)
    # Signed with the account's auth token: verified and applied, none refused.
    assert callback_answers(emulator, [m.sid for m in messages]) == {200}
    viewer = (await merchant.client.data(VIEWER))["viewer"]["merchant"]
    assert viewer["twilioAccount"]["sid"] == account["sid"]


async def test_with_a_key_only_a_merchant_sends_and_statuses_are_read_again(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    address = "whatsapp:+14155590002"
    account, _ = await connect_with_key(merchant, emulator, with_token=False, address=address)
    content, *messages = await send_campaign(merchant, emulator, "keyed_only", ["+14155591003"])
    assert content.account_sid == account["sid"]
    assert {(m.account_sid, m.from_) for m in messages} == {(account["sid"], address)}
    # No auth token to check them with: refused, and the statuses come from re-reading
    # the messages at Twilio with the key (CAMPAIGNS_STATUS_RECHECK_AFTER in the tests).
    await statuses_converge(db, emulator, messages)
    assert callback_answers(emulator, [m.sid for m in messages]) == {403}


async def test_a_key_of_another_account_or_a_deleted_key_is_refused(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    mine = await emulator_subaccount(emulator, "Mine")
    theirs = await emulator_subaccount(emulator, "Theirs")
    their_key = await emulator_api_key(emulator, theirs)
    wrong = {
        "accountSid": mine["sid"],
        "apiKeySid": their_key["sid"],
        "apiKeySecret": their_key["secret"],
    }
    refused = (await merchant.client.data(CONNECT, {"input": wrong}))["connectTwilioAccount"]
    assert codes(refused["errors"]) == [("INVALID_CREDENTIALS", ["input", "accountSid"])]
    # A good key with a wrong auth token: both must work.
    my_key = await emulator_api_key(emulator, mine)
    half = {
        "accountSid": mine["sid"],
        "apiKeySid": my_key["sid"],
        "apiKeySecret": my_key["secret"],
        "authToken": "0" * 32,
    }
    refused = (await merchant.client.data(CONNECT, {"input": half}))["connectTwilioAccount"]
    assert codes(refused["errors"]) == [("INVALID_CREDENTIALS", ["input", "accountSid"])]
    viewer = (await merchant.client.data(VIEWER))["viewer"]["merchant"]
    assert viewer["twilioAccount"] is None
