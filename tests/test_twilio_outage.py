"""A Twilio outage does not fail a send: rows wait for Twilio, saying so on the row and
on the send, for as long as it takes, and every lead then gets its message once."""

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from db.database import Database
from db.enums import LedgerState
from db.models import CampaignLeadMessage
from gql.ids import decode_pk
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import CAMPAIGN, add_leads
from tests.gql.sending import (
    SEND,
    SEND_QUERY,
    approved_campaign,
    emulator_admin,
    messages_to,
    wait_for_send,
)
from tests.support import eventually

BODY = "Hi {{lead_name}}, your order {{order_id}} will reach you tomorrow."
LEADS = 20
MAX_ATTEMPTS = 8  # the worker's cap on tries that may have gone out
ROW = """query($id: ID!) { node(id: $id) { ... on CampaignLeadMessage {
  state lastError message { status } } } }"""
# waitingReason is ours, not in the frontend's contract (tests/contract) yet.
WAITING = "query($id: ID!) { campaignSend(id: $id) { waitingReason } }"
FAULTS_OFF = {"error_rate": 0, "throttle_rate": 0, "retry_after": 1, "timeout_rate": 0}


async def ledger(db: Database, send_pk: int) -> dict[str, Any]:
    """How the send's rows stand: count per state, and the fewest waits of any row."""
    rows = CampaignLeadMessage
    async with db.session() as session:
        states = dict(
            (
                await session.execute(
                    select(rows.state, func.count())
                    .where(rows.campaign_send_id == send_pk)
                    .group_by(rows.state)
                )
            ).all()
        )
        fewest = await session.scalar(
            select(func.min(rows.backoffs)).where(rows.campaign_send_id == send_pk)
        )
    return {"states": states, "fewest_waits": fewest}


async def test_a_send_outlasts_a_twilio_outage(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    campaign = await approved_campaign(
        merchant, emulator, [], name="outage", body=BODY, campaignType="SERVICE"
    )
    people = [
        {"phone": f"+1415553{i:04d}", "name": f"N{i}", "customVariables": {"order_id": str(i)}}
        for i in range(LEADS)
    ]
    assert (await add_leads(merchant.client, campaign["id"], people))["errors"] == []
    await emulator_admin(emulator, "PATCH", "/knobs", {"throttle_rate": 1.0, "retry_after": 1})
    try:
        send = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]["send"]
        send_pk = decode_pk(send["id"], "CampaignSend")
        assert send_pk is not None
        # Every row is refused (429) more often than any row may be tried: none fails.
        waited = await eventually(
            lambda: ledger(db, send_pk), lambda s: s["fewest_waits"] > MAX_ATTEMPTS, within=120
        )
        assert LedgerState.FAILED not in waited["states"]
        await _the_send_and_its_rows_say_they_wait_for_twilio(merchant, send["id"], campaign["id"])
        # Then 5xx on everything: creates are in doubt (half of them did create the
        # message) and Twilio's list cannot be read to settle them.
        await emulator_admin(emulator, "PATCH", "/knobs", {"throttle_rate": 0, "error_rate": 1.0})
        await eventually(
            lambda: ledger(db, send_pk),
            lambda s: s["states"] == {LedgerState.SENDING: LEADS},
            within=60,
        )
    finally:
        await emulator_admin(emulator, "PATCH", "/knobs", FAULTS_OFF)
    done = await wait_for_send(merchant, send["id"], within=120)
    received = Counter(m["to"] for m in await messages_to(emulator, campaign["contentSid"]))
    assert len(received) == LEADS, "every lead got its message"
    assert set(received.values()) == {1}, "and nobody got it twice"
    assert (done["total"], done["failed"], done["skipped"]) == (LEADS, 0, 0)
    assert done["sent"] + done["queued"] == LEADS
    after = (await merchant.client.data(WAITING, {"id": send["id"]}))["campaignSend"]
    assert after["waitingReason"] is None


async def _the_send_and_its_rows_say_they_wait_for_twilio(
    merchant: MerchantAccount, send_id: str, campaign_id: str
) -> None:
    during = (await merchant.client.data(SEND_QUERY, {"id": send_id}))["campaignSend"]
    assert during["status"] == "RUNNING" and during["failed"] == 0
    reason = (await merchant.client.data(WAITING, {"id": send_id}))["campaignSend"]
    assert "Waiting for Twilio" in reason["waitingReason"]
    assert "20429" in reason["waitingReason"]
    data = (await merchant.client.data(CAMPAIGN, {"id": campaign_id}))["campaign"]
    rows = [
        (await merchant.client.data(ROW, {"id": edge["node"]["id"]}))["node"]
        for edge in data["messages"]["edges"]
    ]
    waiting = [r for r in rows if r["state"] == "PENDING"]
    assert waiting, "rows wait between tries"
    assert all(r["lastError"].startswith("Waiting for Twilio") for r in waiting)
