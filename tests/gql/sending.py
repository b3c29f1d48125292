"""Shortcuts for tests that send: an approved campaign with leads, and waiting for sends."""

import asyncio
from typing import Any

import httpx

from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import add_leads, create_campaign
from tests.gql.operations import contract

SUBMIT = contract("SubmitCampaign")
SEND = contract("SendCampaign")
SEND_QUERY = contract("CampaignSend")


async def emulator_admin(
    emulator: RunningEmulator, method: str, path: str, body: Any = None
) -> Any:
    async with httpx.AsyncClient(base_url=emulator.url, auth=emulator.credentials) as client:
        response = await client.request(method, f"/_emulator{path}", json=body)
    assert response.status_code < 300, response.text
    return response.json()


async def approved_campaign(
    account: MerchantAccount, emulator: RunningEmulator, leads: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    campaign = await create_campaign(account.client, **fields)
    if leads:
        added = await add_leads(account.client, campaign["id"], leads)
        assert added["errors"] == [], added["errors"]
    submitted = (await account.client.data(SUBMIT, {"id": campaign["id"]}))["submitCampaign"]
    sid = submitted["campaign"]["contentSid"]
    await emulator_admin(
        emulator, "POST", f"/contents/{sid}/approval", {"status": "approved", "immediately": True}
    )
    async with asyncio.timeout(10):
        while True:
            data = await account.client.data(
                "query($id: ID!) { campaign(id: $id) { status contentSid } }",
                {"id": campaign["id"]},
            )
            if data["campaign"]["status"] == "APPROVED":
                return campaign | {"contentSid": sid}
            await asyncio.sleep(0.05)


async def wait_for_send(
    account: MerchantAccount,
    send_id: str,
    statuses: tuple[str, ...] = ("COMPLETED",),
    within: float = 60,
) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            send: dict[str, Any] = (await account.client.data(SEND_QUERY, {"id": send_id}))[
                "campaignSend"
            ]
            if send["status"] in statuses:
                return send
            await asyncio.sleep(0.1)


async def messages_to(emulator: RunningEmulator, content_sid: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = await emulator_admin(emulator, "GET", "/messages")
    return [m for m in messages if m.get("content_sid") == content_sid]
