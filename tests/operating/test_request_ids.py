"""Every request has an id, given back as X-Request-Id; with CAMPAIGNS_LOG_FORMAT=json
each log line is one JSON object carrying it, from the request into the send worker
that acts on the send it made."""

import asyncio
import json
from typing import Any

import httpx

from db.database import Database
from services.merchants.service import create_merchant
from tests.conftest import RunningEmulator
from tests.gql.sending import SEND
from tests.operating.test_metrics_during_send import _approved_campaign, _settled
from tests.processes import server_process
from tests.support import GraphQLClient


async def test_a_sane_request_id_is_kept_and_any_other_replaced(http: httpx.AsyncClient) -> None:
    kept = await http.get("/healthz", headers={"X-Request-Id": "lb-7f3a:42"})
    assert kept.headers["x-request-id"] == "lb-7f3a:42"
    hostile = await http.get("/healthz", headers={"X-Request-Id": "<script>" + "a" * 100})
    given = await http.get("/healthz")
    for response in (hostile, given):
        assert len(response.headers["x-request-id"]) == 32  # a fresh uuid4, in hex
    assert hostile.headers["x-request-id"] != given.headers["x-request-id"]


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = [line for line in text.splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines]


async def test_json_logs_carry_the_request_id_into_the_send_worker(
    scratch_db: Database, emulator: RunningEmulator
) -> None:
    async with scratch_db.transaction() as session:
        token = (await create_merchant(session, "Traced Shop", with_templates=False)).token
    env = {"CAMPAIGNS_LOG_FORMAT": "json", "CAMPAIGNS_LOG_LEVEL": "info"}
    async with (
        server_process(scratch_db.url, emulator.url, env=env) as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as http,
        httpx.AsyncClient(
            base_url=server.url, timeout=30, headers={"X-Request-Id": "checkout-991"}
        ) as traced,
    ):
        campaign_id = await _approved_campaign(GraphQLClient(http, token), emulator)
        send = (await GraphQLClient(traced, token).data(SEND, {"id": campaign_id}))["sendCampaign"][
            "send"
        ]
        await _settled(GraphQLClient(http, token), send["id"])
        await asyncio.sleep(1.5)  # the worker's completion line follows the last row
        lines = _json_lines(server.log.read_text())
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    traced_lines = [line for line in lines if line.get("request_id") == "checkout-991"]
    by_logger = {line["logger"]: line["message"] for line in traced_lines}
    assert by_logger["services.sends.service"].endswith("running: 250 rows, 4 skipped")
    assert by_logger["jobs.send_worker"].endswith("completed")
