"""Templates of merchants with their own Twilio accounts: submitted in that account, and
an approval in one merchant's account never changes another merchant's campaign of the
same name, whatever the event delivery claims."""

import asyncio
import hashlib
import json
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.accounts.operations import ADD, CONNECT
from tests.gql.accounts.support import emulator_subaccount
from tests.gql.helpers import create_campaign
from tests.gql.sending import SUBMIT, emulator_admin

STATUS = "query($id: ID!) { campaign(id: $id) { status } }"


async def on_own_account(account: MerchantAccount, emulator: RunningEmulator) -> dict[str, Any]:
    sub = await emulator_subaccount(emulator, f"Shop {account.merchant.id} Twilio")
    connect = {"accountSid": sub["sid"], "authToken": sub["auth_token"]}
    assert (await account.client.data(CONNECT, {"input": connect}))["connectTwilioAccount"][
        "errors"
    ] == []
    sender = {"address": f"whatsapp:+1415559{account.merchant.id % 1000:04d}"}
    assert (await account.client.data(ADD, {"input": sender}))["addSender"]["errors"] == []
    return sub


async def submitted(account: MerchantAccount, name: str) -> tuple[str, str]:
    campaign = await create_campaign(account.client, name=name)
    result = (await account.client.data(SUBMIT, {"id": campaign["id"]}))["submitCampaign"]
    return campaign["id"], result["campaign"]["contentSid"]


async def status_of(account: MerchantAccount, campaign_id: str) -> str:
    status: str = (await account.client.data(STATUS, {"id": campaign_id}))["campaign"]["status"]
    return status


async def until(account: MerchantAccount, campaign_id: str, status: str) -> None:
    async with asyncio.timeout(10):
        while await status_of(account, campaign_id) != status:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def decide(emulator: RunningEmulator, content_sid: str, status: str) -> None:
    await emulator_admin(
        emulator,
        "POST",
        f"/contents/{content_sid}/approval",
        {"status": status, "immediately": True},
    )


async def test_approval_in_one_merchants_account_leaves_the_others_campaign_alone(
    merchant: MerchantAccount, other_merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    ours, theirs = [await on_own_account(a, emulator) for a in (merchant, other_merchant)]
    our_id, our_sid = await submitted(merchant, "weekly_news")
    their_id, their_sid = await submitted(other_merchant, "weekly_news")
    contents = emulator.state.state.contents
    assert (contents[our_sid].account_sid, contents[their_sid].account_sid) == (
        ours["sid"],
        theirs["sid"],
    )
    await decide(emulator, our_sid, "approved")
    await until(merchant, our_id, "APPROVED")
    assert await status_of(other_merchant, their_id) in ("RECEIVED", "PENDING")
    await decide(emulator, their_sid, "rejected")
    await until(other_merchant, their_id, "REJECTED")
    assert await status_of(merchant, our_id) == "APPROVED"


def delivery(account_sid: str, content_sid: str, value: str) -> bytes:
    data = {
        "accountSid": account_sid,
        "type": "status_update",
        "template": {"sid": content_sid, "previousValue": "approved", "currentValue": value},
    }
    event = {"type": "com.twilio.messaging.template.approval.updated", "data": data}
    return json.dumps([event]).encode()


async def test_an_event_signed_by_one_account_cannot_touch_anothers_campaign(
    merchant: MerchantAccount,
    other_merchant: MerchantAccount,
    emulator: RunningEmulator,
    http: httpx.AsyncClient,
    server_url: str,
) -> None:
    await on_own_account(merchant, emulator)
    theirs = await on_own_account(other_merchant, emulator)
    our_id, our_sid = await submitted(merchant, "flash_sale")
    await decide(emulator, our_sid, "approved")
    await until(merchant, our_id, "APPROVED")
    # Validly signed by the other merchant's account, naming our content.
    body = delivery(theirs["sid"], our_sid, "rejected")
    path = f"/webhooks/twilio/events?bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = RequestValidator(theirs["auth_token"]).compute_signature(server_url + path, {})
    answer = await http.post(path, content=body, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200 and answer.json() == {"received": 1, "applied": 0}
    assert await status_of(merchant, our_id) == "APPROVED"
    # Naming our account but signed with theirs: refused.
    our_account = emulator.state.state.contents[our_sid].account_sid
    forged = delivery(our_account, our_sid, "rejected")
    path = f"/webhooks/twilio/events?bodySHA256={hashlib.sha256(forged).hexdigest()}"
    signature = RequestValidator(theirs["auth_token"]).compute_signature(server_url + path, {})
    answer = await http.post(path, content=forged, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 403
    assert await status_of(merchant, our_id) == "APPROVED"
