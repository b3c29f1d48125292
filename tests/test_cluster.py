"""Several server processes on one database behave as one."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from db.database import Database
from emulator.app import create_app as create_emulator_app
from emulator.config import EmulatorConfig, Knobs
from services.campaigns.approval import ReportSource, apply_report
from services.campaigns.drafts import CampaignDraft
from services.campaigns.service import CampaignService
from services.merchants.service import create_merchant
from services.twilio.approvals import ApprovalReport
from tests.gql.helpers import create_campaign
from tests.gql.subscriptions.test_campaign_status import STATUS_CHANGED
from tests.gql.test_submit_campaign import SUBMIT
from tests.processes import server_process
from tests.support import EMULATOR_SID, EMULATOR_TOKEN, GraphQLClient, free_port, serve, subscribe


@pytest.fixture
async def cluster_emulator() -> AsyncIterator[tuple[str, int]]:
    """An emulator whose events go to the second server process (port returned)."""
    port_b = free_port()
    knobs = Knobs(
        approval_delay=0.2, events_sink=f"http://127.0.0.1:{port_b}/webhooks/twilio/events"
    )
    app = create_emulator_app(
        EmulatorConfig(account_sid=EMULATOR_SID, auth_token=EMULATOR_TOKEN, knobs=knobs)
    )
    async with serve(app) as url:
        yield url, port_b


async def test_a_webhook_on_one_process_reaches_a_subscriber_on_another(
    database_url: str, db: Database, cluster_emulator: tuple[str, int]
) -> None:
    emulator_url, port_b = cluster_emulator
    async with db.transaction() as session:
        account = await create_merchant(session, "Cluster Shop", with_templates=False)
        probe = await CampaignService(session).create(
            account.merchant.id, CampaignDraft(name="probe", body="Probe {{lead_name}} probe probe")
        )
    async with (
        server_process(database_url, emulator_url) as server_a,
        server_process(database_url, emulator_url, port_b) as server_b,
        httpx.AsyncClient(base_url=server_b.url) as http_b,
        subscribe(server_a.url, account.token, STATUS_CHANGED) as sub,
    ):
        # Wait until A's subscription is live: flip the probe until A reports it.
        statuses = iter(["received", "pending"] * 50)
        while True:
            async with db.transaction() as session:
                await apply_report(
                    session,
                    await session.get_one(type(probe), probe.id),
                    ApprovalReport(next(statuses)),
                    ReportSource.SYNC,
                )
            try:
                async with asyncio.timeout(0.2):
                    await sub.next()
                break
            except TimeoutError:
                continue

        client_b = GraphQLClient(http_b, account.token)
        campaign = await create_campaign(client_b, name="across_processes")
        submitted = (await client_b.data(SUBMIT, {"id": campaign["id"]}))["submitCampaign"]
        assert submitted["errors"] == []
        seen: list[tuple[str, str]] = []
        while len(seen) < 3:
            event = (await sub.next())["data"]["campaignStatusChanged"]
            if event["campaign"]["id"] == campaign["id"]:
                seen.append((event["previousStatus"], event["campaign"]["status"]))
    assert seen == [("UNSUBMITTED", "RECEIVED"), ("RECEIVED", "PENDING"), ("PENDING", "APPROVED")]
