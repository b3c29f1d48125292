"""/metrics during a real send by two server processes sharing prometheus-client's
multiprocess directory: the counters of either process's scrape add up to the send's own
counters, mid-send and at the end."""

import asyncio
from pathlib import Path
from typing import Any

import httpx

from db.database import Database
from services.merchants.service import create_merchant
from tests.conftest import RunningEmulator
from tests.gql.operations import contract
from tests.gql.sending import SEND, SUBMIT, emulator_admin
from tests.operating.scrape import total, value
from tests.processes import ServerProcess, server_process
from tests.support import GraphQLClient

CREATE, ADD, SYNC = (
    contract("CreateCampaign"),
    contract("AddCampaignLeads"),
    contract("SyncCampaignStatus"),
)
BODY = "Hi {{lead_name}}, your order {{order_id}} left our warehouse this morning."
# The contract's send fields and `limited`: the capped +1 numbers are limited, not failed.
SEND_QUERY = """query($id: ID!) { campaignSend(id: $id) {
  status total queued sent delivered read failed limited skipped } }"""
DELIVERED, REFUSED, CAPPED, SKIPPED = 240, 3, 3, 4


def _leads() -> list[dict[str, Any]]:
    order = {"order_id": "1042", "lead_name": "Ana"}
    leads = [{"phone": f"+1415559{i:04d}", "customVariables": order} for i in range(DELIVERED)]
    # The emulator's outcomes by the number's last five digits: 21211 refused at create,
    # 63049 undelivered (Meta's marketing cap). No order_id: skipped before sending.
    leads += [{"phone": f"+141{5 + i}5521211", "customVariables": order} for i in range(REFUSED)]
    leads += [{"phone": f"+141{5 + i}5563049", "customVariables": order} for i in range(CAPPED)]
    leads += [{"phone": f"+1415560{i:04d}", "name": "Bo"} for i in range(SKIPPED)]
    return leads


async def _approved_campaign(client: GraphQLClient, emulator: RunningEmulator) -> str:
    created = await client.data(
        CREATE, {"input": {"name": "metered", "body": BODY, "campaignType": "SERVICE"}}
    )
    campaign_id: str = created["createCampaign"]["campaign"]["id"]
    added = await client.data(ADD, {"campaignId": campaign_id, "leads": _leads()})
    assert added["addCampaignLeads"]["errors"] == []
    submitted = await client.data(SUBMIT, {"id": campaign_id})
    sid = submitted["submitCampaign"]["campaign"]["contentSid"]
    await emulator_admin(
        emulator, "POST", f"/contents/{sid}/approval", {"status": "approved", "immediately": True}
    )
    synced = await client.data(SYNC, {"id": campaign_id})
    assert synced["syncCampaignStatus"]["campaign"]["status"] == "APPROVED"
    return campaign_id


async def _scrape(server: ServerProcess) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def _mid_send_scrape(server: ServerProcess) -> str:
    """A scrape taken while rows of the send are still queued and some went out."""
    async with asyncio.timeout(30):
        while True:
            text = await _scrape(server)
            queued = total(text, "campaigns_ledger_rows")
            if queued > 0 and value(text, "campaigns_messages_total", outcome="accepted") > 0:
                return text
            await asyncio.sleep(0.05)


async def _settled(client: GraphQLClient, send_id: str) -> dict[str, Any]:
    """The send once completed and every message reached its last status."""
    async with asyncio.timeout(60):
        while True:
            send: dict[str, Any] = (await client.data(SEND_QUERY, {"id": send_id}))["campaignSend"]
            settled = send["read"] + send["failed"] + send["limited"]
            if send["status"] == "COMPLETED" and settled == send["total"] - send["skipped"]:
                return send
            await asyncio.sleep(0.2)


async def test_a_scrape_during_a_send_adds_up_to_the_send(
    scratch_db: Database, emulator: RunningEmulator, tmp_path: Path
) -> None:
    async with scratch_db.transaction() as session:
        token = (await create_merchant(session, "Metered Shop", with_templates=False)).token
    env = {
        "CAMPAIGNS_METRICS": "open",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "CAMPAIGNS_SEND_RATE": "60",  # a few seconds of sending, to scrape in the middle
    }
    async with (
        server_process(scratch_db.url, emulator.url, env=env) as first,
        server_process(scratch_db.url, emulator.url, env=env) as second,
        httpx.AsyncClient(base_url=first.url, timeout=30) as http,
    ):
        client = GraphQLClient(http, token)
        campaign_id = await _approved_campaign(client, emulator)
        send = (await client.data(SEND, {"id": campaign_id}))["sendCampaign"]["send"]
        mid = await _mid_send_scrape(second)
        done = await _settled(client, send["id"])
        end_first, end_second = await _scrape(first), await _scrape(second)

    accepted_mid = value(mid, "campaigns_messages_total", outcome="accepted")
    # The database's counts were read before the counters: a row counted as queued may
    # have been accepted since, never the other way round.
    assert accepted_mid + total(mid, "campaigns_ledger_rows") + SKIPPED + REFUSED >= done["total"]
    assert accepted_mid < DELIVERED + CAPPED
    for end in (end_first, end_second):  # either process answers for both
        outcomes = {
            outcome: value(end, "campaigns_messages_total", outcome=outcome)
            for outcome in ("accepted", "refused", "skipped", "read", "failed", "undelivered")
        }
        assert outcomes["accepted"] + outcomes["refused"] + outcomes["skipped"] == done["total"]
        assert outcomes["skipped"] == done["skipped"] == SKIPPED
        assert outcomes["read"] == done["read"] == DELIVERED
        assert outcomes["refused"] + outcomes["failed"] == done["failed"]
        assert outcomes["undelivered"] == done["limited"] == CAPPED
        assert value(end, "campaigns_message_failures_total", error_code="21211") == REFUSED
        assert value(end, "campaigns_message_failures_total", error_code="63049") == CAPPED
        assert value(end, "campaigns_messages_skipped_total", reason="missing_variable") == SKIPPED
        creates = total(end, "campaigns_twilio_requests_total", operation="messages.create")
        assert creates == DELIVERED + CAPPED + REFUSED
        assert total(end, "campaigns_webhook_requests_total", kind="status", outcome="applied") > 0
    assert "+1415" not in end_first and campaign_id not in end_first  # no numbers nor ids
    # Both stopped: their live gauges (pools, WebSockets) went with them; counters stay.
    left = await asyncio.to_thread(lambda: sorted(p.name for p in tmp_path.iterdir()))
    assert left and not [name for name in left if name.startswith("gauge_live")], left
