"""Sends survive a killed process, and several processes share one per-sender cap.
Each test has a database of its own, so only the server processes it starts send."""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from db.database import Database
from db.models import CampaignSend, Message
from gql.ids import decode_pk
from services.merchants.service import create_merchant
from tests.conftest import RunningEmulator
from tests.gql.operations import contract
from tests.gql.sending import SEND, SEND_QUERY, SUBMIT, emulator_admin, messages_to
from tests.processes import ServerProcess, server_process
from tests.support import GraphQLClient, eventually, free_port

CREATE, ADD = contract("CreateCampaign"), contract("AddCampaignLeads")
SYNC = contract("SyncCampaignStatus")
BODY = "Hi {{lead_name}}, your order {{order_id}} left our warehouse this morning."
FAST = {"TWILIO_TIMEOUT": "2", "CAMPAIGNS_SEND_STALE_AFTER": "3"}
CRASHY = {"CAMPAIGNS_SEND_RATE": "100", **FAST}


@pytest.fixture
async def scratch(scratch_db: Database) -> tuple[str, Database, str]:
    """A database of its own (only the server processes a test starts send there), and
    a merchant token in it."""
    async with scratch_db.transaction() as session:
        token = (await create_merchant(session, "Cluster Shop", with_templates=False)).token
    return scratch_db.url, scratch_db, token


async def approved_send_setup(
    server: ServerProcess,
    token: str,
    emulator: RunningEmulator,
    name: str,
    leads: int,
    numbers: str = "+1415558",
) -> tuple[GraphQLClient, str, str]:
    """An approved campaign with `leads` leads (phones `numbers` + 4 digits); returns a
    client, its id and content sid. The emulator is the session's: tests of the same
    numbers and body would find each other's messages when settling in-doubt rows."""
    http = httpx.AsyncClient(base_url=server.url, timeout=30)
    client = GraphQLClient(http, token)
    campaign = (
        await client.data(
            CREATE, {"input": {"name": name, "body": BODY, "campaignType": "SERVICE"}}
        )
    )["createCampaign"]["campaign"]
    people = [
        {
            "phone": f"{numbers}{i:04d}",
            "customVariables": {"order_id": str(i), "lead_name": f"N{i}"},
        }
        for i in range(leads)
    ]
    assert (await client.data(ADD, {"campaignId": campaign["id"], "leads": people}))[
        "addCampaignLeads"
    ]["errors"] == []
    sid = (await client.data(SUBMIT, {"id": campaign["id"]}))["submitCampaign"]["campaign"][
        "contentSid"
    ]
    await emulator_admin(
        emulator, "POST", f"/contents/{sid}/approval", {"status": "approved", "immediately": True}
    )
    synced = (await client.data(SYNC, {"id": campaign["id"]}))["syncCampaignStatus"]
    assert synced["campaign"]["status"] == "APPROVED"
    return client, campaign["id"], sid


async def wait_completed(client: GraphQLClient, send_id: str, within: float = 90) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            send: dict[str, Any] = (await client.data(SEND_QUERY, {"id": send_id}))["campaignSend"]
            if send["status"] == "COMPLETED":
                return send
            await asyncio.sleep(0.2)


async def test_a_process_killed_mid_send_loses_and_duplicates_nothing(
    scratch: tuple[str, Database, str], emulator: RunningEmulator
) -> None:
    url, db, token = scratch
    leads = 400
    async with server_process(url, emulator.url, env=CRASHY) as first:
        client, campaign_id, sid = await approved_send_setup(
            first, token, emulator, "crashy", leads
        )
        send = (await client.data(SEND, {"id": campaign_id}))["sendCampaign"]["send"]
        async with asyncio.timeout(30):
            while len(await messages_to(emulator, sid)) < leads // 4:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        first.kill()
        await first.process.wait()
    before_restart = len(await messages_to(emulator, sid))
    assert before_restart < leads, "the kill came mid-send"
    async with server_process(url, emulator.url, env=CRASHY) as second:
        http = httpx.AsyncClient(base_url=second.url, timeout=30)
        done = await wait_completed(GraphQLClient(http, token), send["id"])
    received = Counter(m["to"] for m in await messages_to(emulator, sid))
    assert len(received) == leads and set(received.values()) == {1}
    assert done["total"] == leads and done["failed"] == 0 and done["skipped"] == 0
    async with db.session() as session:
        recorded = (
            (await session.execute(select(Message.sid).where(Message.content_sid == sid)))
            .scalars()
            .all()
        )
    assert sorted(s for s in recorded if s) == sorted(
        m["sid"] for m in await messages_to(emulator, sid)
    )


async def test_two_processes_share_one_sender_cap(
    scratch: tuple[str, Database, str], emulator: RunningEmulator
) -> None:
    url, db, token = scratch
    leads, cap = 300, 40
    env = {"CAMPAIGNS_SEND_RATE": str(cap), **FAST}
    async with (
        server_process(url, emulator.url, env=env) as a,
        server_process(url, emulator.url, env=env),
    ):
        client, campaign_id, sid = await approved_send_setup(
            a, token, emulator, "shared_cap", leads
        )
        at = datetime.now(UTC) + timedelta(seconds=2)
        send = (await client.data(SEND, {"id": campaign_id, "scheduledAt": at.isoformat()}))[
            "sendCampaign"
        ]["send"]
        assert send["status"] == "SCHEDULED"
        done = await wait_completed(client, send["id"])
    received = Counter(m["to"] for m in await messages_to(emulator, sid))
    assert len(received) == leads and set(received.values()) == {1}
    send_pk = decode_pk(send["id"], "CampaignSend")
    async with db.session() as session:
        stored = await session.get_one(CampaignSend, send_pk)
    assert stored.started_at is not None and stored.scheduled_at is not None
    assert stored.started_at - stored.scheduled_at < timedelta(seconds=1), "started on time"
    # When each message reached "Twilio", as the emulator saw it arrive. The worker
    # spaces sends 1/cap apart, but a busy machine delays some on their way and they
    # arrive bunched: so the cap is checked over the whole send and over 2 s windows.
    arrivals = emulator.state.state.messages.values()
    times = sorted(m.date_created for m in arrivals if m.content_sid == sid)
    rate = (len(times) - 1) / (times[-1] - times[0]).total_seconds()
    assert rate <= cap * 1.02, f"achieved {rate:.1f}/s over a cap of {cap}/s"
    window = timedelta(seconds=2)
    busiest = max(sum(1 for t in times if start <= t < start + window) for start in times)
    assert busiest <= 2 * cap * 1.15, f"{busiest} messages in 2 s, cap {cap}/s"
    assert done["total"] == leads


async def test_counters_converge_to_twilio_after_downtime(
    scratch: tuple[str, Database, str], emulator: RunningEmulator
) -> None:
    """Status callbacks sent while the only server was down are lost (Twilio does not
    retry them); once it is back, the recheck job reads those messages from Twilio."""
    url, _, token = scratch
    leads = 300
    port = free_port()
    env = {**CRASHY, "CAMPAIGNS_STATUS_RECHECK_AFTER": "1"}
    # Slower statuses: every message sent in the last seconds before the kill still has
    # callbacks to come, and they all go to the dead server.
    await emulator_admin(emulator, "PATCH", "/knobs", {"status_delay": 0.5})
    try:
        async with server_process(url, emulator.url, port=port, env=env) as first:
            client, campaign_id, sid = await approved_send_setup(
                first, token, emulator, "downtime", leads, numbers="+1415559"
            )
            send = (await client.data(SEND, {"id": campaign_id}))["sendCampaign"]["send"]
            async with asyncio.timeout(30):
                while len(await messages_to(emulator, sid)) < leads // 4:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            first.kill()
            await first.process.wait()
        # Twilio gets on with them: every callback of theirs fails.
        await eventually(
            lambda: messages_to(emulator, sid), lambda ms: all(m["status"] == "read" for m in ms)
        )
    finally:
        await emulator_admin(emulator, "PATCH", "/knobs", {"status_delay": 0.05})
    callbacks = await emulator_admin(emulator, "GET", "/webhooks?kind=status_callback")
    lost = [c for c in callbacks if c["url"].startswith(first.url) and c["http_status"] != 200]
    assert lost, "callbacks were lost while the server was down"
    async with server_process(url, emulator.url, port=port, env=env) as second:
        client = GraphQLClient(httpx.AsyncClient(base_url=second.url, timeout=30), token)
        await wait_completed(client, send["id"])
        final = await eventually(
            lambda: client.data(SEND_QUERY, {"id": send["id"]}),
            lambda d: d["campaignSend"]["read"] == leads,
            within=90,
        )
    counters = final["campaignSend"]
    twilio = Counter(m["status"] for m in await messages_to(emulator, sid))
    assert twilio == {"read": leads}, "every lead's message once, all read"
    assert (counters["status"], counters["total"]) == ("COMPLETED", leads)
    assert (counters["sent"], counters["delivered"], counters["read"]) == (leads, leads, leads)
    assert (counters["queued"], counters["failed"]) == (0, 0)
