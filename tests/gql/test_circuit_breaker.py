"""The circuit breaker over real HTTP: a send whose recent messages fail (people who
blocked the sender, 63014), are not delivered by Meta (63049) or make people answer STOP
pauses itself, saying why, before it has sent to everyone; each check can be turned off;
a resume judges afresh; a healthy send under the default policy is never paused.

Each merchant sends from a sender of its own at a low rate (its rateLimit), so that its
send is still running when the breaker, judging about once a second, has seen a window.
The emulator is shared by every test of the session: each knob changed is restored."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import func, select

from db.database import Database
from db.enums import LedgerState
from db.models import CampaignLeadMessage
from gql.ids import decode_pk
from services.policy.policy import Breaker
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.accounts.operations import ADD
from tests.gql.operations import contract
from tests.gql.policy.support import updated
from tests.gql.sending import (
    SEND,
    SEND_QUERY,
    approved_campaign,
    emulator_admin,
    messages_to,
    wait_for_send,
)
from tests.support import eventually

RESUME = contract("ResumeCampaignSend")
BODY = "Hi {{lead_name}}, your order {{order_id}} is on its way."
WINDOW = 20


def leads(count: int, start: int) -> list[dict[str, Any]]:
    """Numbers whose last five digits (7xxxx) match none of the emulator's rules."""
    return [
        {"phone": f"+1415557{start + i:04d}", "name": f"L{i}", "customVariables": {"order_id": "1"}}
        for i in range(count)
    ]


@asynccontextmanager
async def knobs(emulator: RunningEmulator, **changes: Any) -> AsyncIterator[None]:
    before = await emulator_admin(emulator, "GET", "/knobs")
    await emulator_admin(emulator, "PATCH", "/knobs", changes)
    try:
        yield
    finally:
        await emulator_admin(emulator, "PATCH", "/knobs", {k: before[k] for k in changes})


async def slow_sender(merchant: MerchantAccount, rate: int) -> None:
    """The merchant's default sender, at `rate` messages a second (a number of its own:
    the platform account paces a sender by its address)."""
    address = f"whatsapp:+1415558{merchant.merchant.id % 10_000:04d}"
    added = (
        await merchant.client.data(
            ADD, {"input": {"address": address, "rateLimit": rate, "makeDefault": True}}
        )
    )["addSender"]
    assert added["errors"] == [], added["errors"]


async def set_breaker(db: Database, merchant: MerchantAccount, breaker: Breaker) -> None:
    """The merchant sets its breaker through updateSendingPolicy, over HTTP."""
    rates = {
        "failureRate": breaker.failure_rate,
        "optOutRate": breaker.opt_out_rate,
        "limitedRate": breaker.limited_rate,
    }
    await updated(merchant.client, {"breaker": {**rates, "window": breaker.window}})


async def start_send(
    merchant: MerchantAccount,
    emulator: RunningEmulator,
    name: str,
    audience: Sequence[dict[str, Any]],
    campaign_type: str = "SERVICE",
) -> dict[str, Any]:
    campaign = await approved_campaign(
        merchant, emulator, list(audience), name=name, body=BODY, campaignType=campaign_type
    )
    result = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    assert result["errors"] == [], result["errors"]
    send: dict[str, Any] = result["send"]
    return send | {"contentSid": campaign["contentSid"]}


async def paused_and_settled(
    db: Database, merchant: MerchantAccount, send_id: str
) -> dict[str, Any]:
    """The send once paused and its rows in flight then have gone out (they were claimed
    before the pause): its `queued` are the rows the pause held back."""
    paused = await wait_for_send(merchant, send_id, ("PAUSED", "COMPLETED"))
    assert paused["status"] == "PAUSED", paused
    await eventually(lambda: in_flight(db, send_id), lambda count: count == 0)
    return await sending(merchant, send_id)


async def sending(merchant: MerchantAccount, send_id: str) -> dict[str, Any]:
    send: dict[str, Any] = (await merchant.client.data(SEND_QUERY, {"id": send_id}))["campaignSend"]
    return send


async def in_flight(db: Database, send_id: str) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).where(
                CampaignLeadMessage.campaign_send_id == decode_pk(send_id, "CampaignSend"),
                CampaignLeadMessage.state == LedgerState.SENDING,
            )
        )
    return count or 0


async def test_a_send_whose_messages_fail_pauses_before_it_sends_them_all(
    db: Database, merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    await slow_sender(merchant, 20)
    await set_breaker(db, merchant, Breaker(window=WINDOW))
    async with knobs(emulator, block_rate=1.0):  # every person blocked the sender: 63014
        send = await start_send(merchant, emulator, "blocked", leads(200, 0))
        paused = await paused_and_settled(db, merchant, send["id"])
    reason = paused["pausedReason"]
    assert reason.startswith(f"Circuit breaker: {WINDOW} of the last {WINDOW} messages failed")
    assert reason.endswith("(100%, over the 30% limit)."), reason
    assert paused["queued"] > 0, "paused before everyone was sent to"


async def test_with_the_failure_check_off_the_same_send_completes(
    db: Database, merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    await slow_sender(merchant, 20)
    await set_breaker(db, merchant, Breaker(failure_rate=None, window=WINDOW))
    async with knobs(emulator, block_rate=1.0):
        send = await start_send(merchant, emulator, "blocked_unchecked", leads(100, 1000))
        done = await wait_for_send(merchant, send["id"], ("PAUSED", "COMPLETED"))
    assert (done["status"], done["pausedReason"]) == ("COMPLETED", None)


async def test_a_resumed_send_is_judged_on_what_goes_out_after_the_resume(
    db: Database, merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    # A window of three seconds' messages: the first judgement after the resume, a second
    # or two later, would still see mostly failures from before it.
    await slow_sender(merchant, 20)
    await set_breaker(db, merchant, Breaker(window=60))
    async with knobs(emulator, block_rate=1.0):
        send = await start_send(merchant, emulator, "blocked_then_fixed", leads(300, 2000))
        paused = await paused_and_settled(db, merchant, send["id"])
    assert paused["queued"] > 0, paused
    # The merchant fixed what was wrong (here: nobody blocks the sender any more) and
    # resumes: the failures from before must not pause the send again at once.
    resumed = (await merchant.client.data(RESUME, {"id": send["id"]}))["resumeCampaignSend"]
    assert resumed["errors"] == [] and resumed["send"]["status"] == "RUNNING"
    done = await wait_for_send(merchant, send["id"], ("PAUSED", "COMPLETED"))
    assert (done["status"], done["pausedReason"]) == ("COMPLETED", None)
    # Everyone the pause held back got the message.
    final = await eventually(
        lambda: wait_for_send(merchant, send["id"], ("COMPLETED",)),
        lambda send: send["delivered"] + send["failed"] == send["total"],
    )
    assert final["delivered"] > 0, final


async def test_messages_meta_does_not_deliver_pause_the_send(
    db: Database, merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    await slow_sender(merchant, 20)
    await set_breaker(db, merchant, Breaker(window=WINDOW))
    # Meta lets no marketing message reach anyone: each one is undelivered with 63049.
    async with knobs(emulator, marketing_cap_per_person=0):
        send = await start_send(merchant, emulator, "capped", leads(200, 3000), "MARKETING")
        paused = await wait_for_send(merchant, send["id"], ("PAUSED", "COMPLETED"))
    assert paused["status"] == "PAUSED", paused
    assert paused["pausedReason"] == (
        f"Circuit breaker: Meta held back {WINDOW} of the last {WINDOW} messages, error 63049 "
        "(100%, over the 30% limit)."
    )


async def test_recipients_who_opt_out_after_their_message_pause_the_send(
    db: Database, merchant: MerchantAccount, emulator: RunningEmulator, http: httpx.AsyncClient
) -> None:
    await slow_sender(merchant, 20)
    await set_breaker(db, merchant, Breaker(window=WINDOW))  # 5% opting out: 2 of 20
    send = await start_send(merchant, emulator, "unwelcome", leads(200, 5000))
    inbound = str(http.base_url).rstrip("/") + "/webhooks/twilio/messages/inbound"
    replied: set[str] = set()
    async with asyncio.timeout(60):
        # One in four people answers STOP once the message is read, until the send stops.
        while (await sending(merchant, send["id"]))["status"] == "RUNNING":
            for message in await messages_to(emulator, send["contentSid"]):
                person = message["to"]
                if message["status"] != "read" or person in replied or int(person[-1]) % 4:
                    continue
                replied.add(person)
                stop = {"from": person, "to": message["from"], "body": "STOP", "url": inbound}
                await emulator_admin(emulator, "POST", "/inbound", stop)
            await asyncio.sleep(0.1)
    paused = await wait_for_send(merchant, send["id"], ("PAUSED", "COMPLETED"))
    assert paused["status"] == "PAUSED", paused
    assert f"of the last {WINDOW} recipients opted out" in paused["pausedReason"]
    assert paused["pausedReason"].endswith("over the 5% limit)."), paused["pausedReason"]


async def test_the_default_policy_does_not_pause_a_healthy_send(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    # 400 messages at 80 a second: the default window (200) is judged while rows remain.
    await slow_sender(merchant, 80)
    send = await start_send(merchant, emulator, "healthy", leads(400, 4000))
    done = await wait_for_send(merchant, send["id"], ("PAUSED", "COMPLETED"))
    assert (done["status"], done["pausedReason"]) == ("COMPLETED", None)
