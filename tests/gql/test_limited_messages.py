"""Limited is not failed: a marketing template Meta kept from a person who had their share
of marketing templates from all businesses (63049, reported as `undelivered` after the
message was accepted) is retried after CAMPAIGNS_LIMITED_RETRY_DELAYS (1 s, then 2 s on
the tests' server), counted as `limited` rather than failed meanwhile; a US number is
final at once, and a row limited more times than there are delays is given up.

The emulator plays Meta (emulator/meta.py): its per-person marketing cap and its block
of marketing templates to +1 numbers are knobs every test of the session shares, so each
test sets them through the `meta` fixture, which puts them back."""

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update as sql_update

from db.database import Database
from db.enums import CampaignSendStatus
from db.models import CampaignSend
from gql.ids import encode_id
from jobs.runtime import Runtime
from jobs.status_batcher import StatusBatcher
from repositories.ledger import cancel_pending
from services.messages.status import StatusUpdate
from services.phones import normalize_e164
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.sending import SEND, approved_campaign, emulator_admin, wait_for_send
from tests.gql.subscriptions.test_campaign_status import until_subscribed
from tests.gql.subscriptions.test_message_status import campaign_id, new_lead, next_row
from tests.services.messages.ledger import new_phone, send_message
from tests.support import eventually, subscribe

BODY = "Hi {{lead_name}}, this week only {{merchant_name}} takes 20% off every order you place."
ROWS = """query($id: ID!) { campaign(id: $id) {
  stats { queued failed limited }
  messages { edges { node { id state limited limits retryAt lastError
    lead { active conversationUser { phone } } message { sid status errorCode } } } } } }"""
LIVE_ROW = """subscription($campaignId: ID!) { messageStatusChanged(campaignId: $campaignId) {
  id state limited limits retryAt lastError message { status errorCode } } }"""
SEND_COUNTS = """query($id: ID!) { campaignSend(id: $id) {
  status waitingReason queued sent failed limited skipped total } }"""

Knobs = Callable[..., Awaitable[None]]


@pytest.fixture
async def meta(emulator: RunningEmulator) -> AsyncIterator[Knobs]:
    """Sets Meta's knobs for one test; whatever it changed is restored after it."""
    before: dict[str, Any] = await emulator_admin(emulator, "GET", "/knobs")
    changed: set[str] = set()

    async def knobs(**values: Any) -> None:
        changed.update(values)
        await emulator_admin(emulator, "PATCH", "/knobs", values)

    try:
        yield knobs
    finally:
        await emulator_admin(emulator, "PATCH", "/knobs", {k: before[k] for k in changed})


def abroad() -> str:
    """A UK mobile number no other test uses (Meta's US block does not apply to it)."""
    while True:
        number = f"+4479{secrets.randbelow(10**8):08d}"
        if normalize_e164(number) == number and not number.endswith(("63049", "21211")):
            return number


async def marketing(
    account: MerchantAccount, emulator: RunningEmulator, name: str, phones: list[str]
) -> dict[str, Any]:
    leads = [{"phone": phone, "name": f"Lead {i}"} for i, phone in enumerate(phones)]
    return await approved_campaign(account, emulator, leads, name=name, body=BODY)


async def send(account: MerchantAccount, campaign: dict[str, Any]) -> str:
    started = (await account.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    assert started["errors"] == []
    send_id: str = started["send"]["id"]
    return send_id


async def campaign_rows(account: MerchantAccount, campaign_id: str) -> dict[str, Any]:
    data: dict[str, Any] = (await account.client.data(ROWS, {"id": campaign_id}))["campaign"]
    rows = [edge["node"] for edge in data["messages"]["edges"]]
    return {"stats": data["stats"]} | {r["lead"]["conversationUser"]["phone"]: r for r in rows}


async def send_counts(account: MerchantAccount, send_id: str) -> dict[str, Any]:
    counts: dict[str, Any] = (await account.client.data(SEND_COUNTS, {"id": send_id}))[
        "campaignSend"
    ]
    return counts


async def their_share(
    account: MerchantAccount, emulator: RunningEmulator, phones: list[str]
) -> None:
    """Another business's marketing template reaches these people: their share, under a
    cap of one."""
    earlier = await marketing(account, emulator, "earlier_offer", phones)
    earlier_send = await send(account, earlier)
    assert await eventually(
        lambda: send_counts(account, earlier_send), lambda s: s["sent"] == len(phones), within=30
    )


def assert_waiting_for_a_retry(row: dict[str, Any]) -> None:
    assert row["state"] == "PENDING" and row["limited"]
    assert row["retryAt"] is not None and row["limits"] >= 1
    assert row["lastError"].startswith("Limited by Meta (63049)")
    assert "retry" in row["lastError"]
    assert row["lead"]["active"], "its lead is back in the live audience"
    assert (row["message"]["status"], row["message"]["errorCode"]) == ("UNDELIVERED", 63049)


async def test_a_limited_person_is_retried_and_reached_once_meta_allows_it(
    merchant: MerchantAccount,
    other_merchant: MerchantAccount,
    emulator: RunningEmulator,
    meta: Knobs,
) -> None:
    capped, other, free = abroad(), abroad(), abroad()
    await meta(marketing_cap_per_person=1, marketing_cap_window=3600)
    await their_share(other_merchant, emulator, [capped, other])

    campaign = await marketing(merchant, emulator, "limited_offer", [capped, other, free])
    send_id = await send(merchant, campaign)
    waiting = await eventually(
        lambda: campaign_rows(merchant, campaign["id"]),
        lambda rows: all(
            rows[p]["limited"] and rows[p]["state"] == "PENDING" for p in (capped, other)
        ),
        within=30,
    )
    # Meta's window passes: the retries get through.
    await meta(marketing_cap_window=0.2)
    assert_waiting_for_a_retry(waiting[capped])
    assert_waiting_for_a_retry(waiting[other])
    assert waiting["stats"]["limited"] == 2 and waiting["stats"]["failed"] == 0
    assert waiting[free]["limited"] is False and waiting[free]["limits"] == 0

    done = await eventually(
        lambda: campaign_rows(merchant, campaign["id"]),
        lambda rows: all(
            rows[p]["state"] == "SENT" and rows[p]["message"]["status"] in ("DELIVERED", "READ")
            for p in (capped, other, free)
        ),
        within=30,
    )
    for phone in (capped, other):
        row = done[phone]
        assert not row["limited"] and row["retryAt"] is None and row["limits"] >= 1
        assert row["message"]["sid"] != waiting[phone]["message"]["sid"], "a new message"
        assert not row["lead"]["active"]
    assert done["stats"]["limited"] == 0 and done["stats"]["failed"] == 0
    finished = await wait_for_send(merchant, send_id)
    assert (finished["failed"], finished["total"]) == (0, 3)
    counts = await send_counts(merchant, send_id)
    assert counts["limited"] == 0 and counts["waitingReason"] is None


async def test_the_counts_say_limited_while_rows_wait_for_their_retry(
    merchant: MerchantAccount, emulator: RunningEmulator, meta: Knobs
) -> None:
    person = abroad()
    await meta(marketing_cap_per_person=0)  # Meta lets no marketing template through
    campaign = await marketing(merchant, emulator, "waiting_offer", [person])
    send_id = await send(merchant, campaign)
    # Caught while the row waits for a retry: with the test server's short delays it is
    # retried within seconds, and once given up its send completes without a reason.
    counts = await eventually(
        lambda: send_counts(merchant, send_id),
        lambda s: (
            s["limited"] == 1
            and s["status"] == "RUNNING"
            and s["queued"] == 0
            and s["waitingReason"] is not None
        ),
        within=30,
    )
    assert counts["failed"] == 0
    assert "Meta" in counts["waitingReason"] and "63049" in counts["waitingReason"]


async def test_a_us_number_is_limited_for_good_at_once(
    merchant: MerchantAccount, emulator: RunningEmulator, meta: Knobs
) -> None:
    person = new_phone()
    await meta(us_marketing_blocked=True)
    campaign = await marketing(merchant, emulator, "us_offer", [person])
    send_id = await send(merchant, campaign)
    rows = await eventually(
        lambda: campaign_rows(merchant, campaign["id"]),
        lambda rows: rows[person]["limited"],
        within=30,
    )
    row = rows[person]
    assert (row["state"], row["limits"], row["retryAt"]) == ("SENT", 1, None)
    assert "final" in row["lastError"] and "+1" in row["lastError"]
    assert (row["message"]["status"], row["message"]["errorCode"]) == ("UNDELIVERED", 63049)
    finished = await wait_for_send(merchant, send_id)
    counts = await send_counts(merchant, send_id)
    assert (finished["failed"], counts["limited"], counts["failed"]) == (0, 1, 0)
    assert rows["stats"]["limited"] == 1 and rows["stats"]["failed"] == 0
    # Past the first retry's delay (1 s), nothing else went to the person.
    await asyncio.sleep(1.5)
    sent = await emulator_admin(emulator, "GET", "/messages")
    assert len([m for m in sent if m["to"] == f"whatsapp:{person}"]) == 1


async def test_a_row_limited_more_times_than_there_are_delays_is_given_up(
    merchant: MerchantAccount, emulator: RunningEmulator, meta: Knobs
) -> None:
    person = abroad()
    await meta(marketing_cap_per_person=0)
    campaign = await marketing(merchant, emulator, "given_up_offer", [person])
    send_id = await send(merchant, campaign)
    rows = await eventually(
        lambda: campaign_rows(merchant, campaign["id"]),
        lambda rows: rows[person]["limits"] == 3 and rows[person]["state"] == "SENT",
        within=40,
    )
    row = rows[person]
    assert row["limited"] and row["retryAt"] is None
    assert "3 times" in row["lastError"] and "given up" in row["lastError"]
    assert rows["stats"]["limited"] == 1 and rows["stats"]["failed"] == 0
    finished = await wait_for_send(merchant, send_id)
    assert finished["failed"] == 0
    sent = await emulator_admin(emulator, "GET", "/messages")
    assert len([m for m in sent if m["to"] == f"whatsapp:{person}"]) == 3, "tried, retried twice"


async def test_subscribers_see_a_limited_row_go_back_to_pending(
    merchant: MerchantAccount, db: Database, runtime: Runtime, server_url: str
) -> None:
    lead = await new_lead(merchant, db, abroad())
    message = await send_message(db, merchant.merchant.id, lead)
    # Delays of an hour: the shared server's worker leaves the row alone meanwhile.
    batcher = StatusBatcher(db, limited_retry_delays=(3600.0,))
    before = len(runtime.bus.subscriptions)
    variables = {"campaignId": campaign_id(lead)}
    async with subscribe(server_url, merchant.token, LIVE_ROW, variables) as sub:
        await until_subscribed(runtime, before + 1)
        update = StatusUpdate(message.sid, "undelivered", 63049, "Limited", datetime.now(UTC))
        assert await batcher.apply(update) is not None
        row = await next_row(sub)
    assert row["id"] == encode_id("CampaignLeadMessage", message.ledger_id)
    assert (row["state"], row["limited"], row["limits"]) == ("PENDING", True, 1)
    assert row["retryAt"] is not None and "retry 1 of 1" in row["lastError"]
    assert (row["message"]["status"], row["message"]["errorCode"]) == ("UNDELIVERED", 63049)
    # The send runs again for its retry an hour away: it ends here, as a cancel would.
    assert message.send_id is not None
    async with db.transaction() as session:
        await cancel_pending(session, message.send_id)
        await session.execute(
            sql_update(CampaignSend)
            .where(CampaignSend.id == message.send_id)
            .values(status=CampaignSendStatus.CANCELLED)
        )
