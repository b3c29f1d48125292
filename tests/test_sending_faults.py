"""The send engine's promises under Twilio's faults: exactly one message per eligible
lead, correct counters, nothing lost."""

import time
from collections import Counter

from db.database import Database
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import add_leads
from tests.gql.sending import SEND, approved_campaign, emulator_admin, messages_to, wait_for_send
from tests.support import eventually

BODY = "Hi {{lead_name}}, your order {{order_id}} is on its way to you now."
LEADS = 2000
RESET = {
    "error_rate": 0,
    "throttle_rate": 0,
    "retry_after": 1,
    "timeout_rate": 0,
    "timeout_seconds": 30,
    "duplicate_rate": 0,
    "reorder_rate": 0,
    "mps": 80,
}


async def test_faults_end_in_exactly_one_message_per_lead(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    campaign = await approved_campaign(
        merchant, emulator, [], name="stormy", body=BODY, campaignType="SERVICE"
    )
    people = [
        {"phone": f"+1415557{i:04d}", "name": f"N{i}", "customVariables": {"order_id": str(i)}}
        for i in range(LEADS)
    ]
    assert (await add_leads(merchant.client, campaign["id"], people))["errors"] == []
    faults = {
        "error_rate": 0.03,
        "throttle_rate": 0.03,
        "retry_after": 1,
        "timeout_rate": 0.01,
        "timeout_seconds": 3,  # beyond the server's 2 s Twilio timeout: in doubt
        "duplicate_rate": 0.1,
        "reorder_rate": 0.1,
        "mps": 1000,  # the emulator's per-sender cap; ours (500/s in tests) paces the send
    }
    await emulator_admin(emulator, "PATCH", "/knobs", faults)
    try:
        send = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]["send"]
        started = time.monotonic()
        done = await wait_for_send(merchant, send["id"], within=180)
        print(f"\nsend of {LEADS} completed in {time.monotonic() - started:.1f} s")
    finally:
        await emulator_admin(
            emulator,
            "PATCH",
            "/knobs",
            RESET,
        )
    received = Counter(m["to"] for m in await messages_to(emulator, campaign["contentSid"]))
    assert len(received) == LEADS, "every lead got its message"
    assert set(received.values()) == {1}, "and nobody got it twice"
    assert done["total"] == LEADS
    assert done["failed"] == 0 and done["skipped"] == 0
    # Delivery callbacks settle after the send completes.
    final = await eventually(
        lambda: wait_for_send(merchant, send["id"]), lambda s: s["delivered"] >= LEADS
    )
    assert final["sent"] == final["delivered"] == LEADS
    assert final["queued"] == 0
