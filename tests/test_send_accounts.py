"""Merchants sending through their own Twilio accounts, from their own senders: over real
HTTP, two server processes and the emulator, each merchant on an emulated subaccount of
its own (made with the main account's credentials, then connected by the merchant)."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from db.database import Database
from db.models import Message
from services.merchants.service import create_merchant
from tests.conftest import RunningEmulator
from tests.gql.accounts.operations import ADD, CONNECT
from tests.gql.accounts.support import emulator_subaccount
from tests.gql.sending import SEND, emulator_admin
from tests.processes import ServerProcess, server_process
from tests.support import CREDENTIALS_KEY, GraphQLClient
from tests.test_send_cluster import FAST, approved_send_setup, wait_completed

CAP = 40
ENV = {"CAMPAIGNS_CREDENTIALS_KEY": CREDENTIALS_KEY, **FAST}


@dataclass
class Shop:
    token: str
    account_sid: str
    address: str


async def own_account_shop(
    db: Database, server: ServerProcess, emulator: RunningEmulator, name: str, address: str
) -> Shop:
    """A merchant with a subaccount of its own, connected, and one sender at CAP/s."""
    async with db.transaction() as session:
        token = (await create_merchant(session, name, with_templates=False)).token
    client = GraphQLClient(httpx.AsyncClient(base_url=server.url, timeout=30), token)
    account = await emulator_subaccount(emulator, f"{name} Twilio")
    connected = (
        await client.data(
            CONNECT, {"input": {"accountSid": account["sid"], "authToken": account["auth_token"]}}
        )
    )["connectTwilioAccount"]
    assert connected["errors"] == []
    added = (
        await client.data(
            ADD, {"input": {"address": address, "rateLimit": CAP, "makeDefault": True}}
        )
    )["addSender"]
    assert added["errors"] == []
    return Shop(token, account["sid"], address)


@pytest.fixture
async def servers(scratch_db: Database, emulator: RunningEmulator) -> AsyncIterator[ServerProcess]:
    async with (
        server_process(scratch_db.url, emulator.url, env=ENV) as a,
        server_process(scratch_db.url, emulator.url, env=ENV),
    ):
        yield a


async def in_its_account(
    emulator: RunningEmulator, shop: Shop, messages: list[Any], leads: int
) -> None:
    """Every lead got one message, from the shop's sender, in the shop's subaccount."""
    assert len({m.to for m in messages}) == leads == len(messages)
    assert {m.account_sid for m in messages} == {shop.account_sid}
    assert {m.from_ for m in messages} == {shop.address}
    listed = await emulator_admin(emulator, "GET", f"/messages?account_sid={shop.account_sid}")
    assert {m.sid for m in messages} == {m["sid"] for m in listed}


def rate_of(messages: list[Any]) -> float:
    times = sorted(m.date_created for m in messages)
    return float((len(times) - 1) / (times[-1] - times[0]).total_seconds())


async def test_two_merchants_send_at_once_each_at_its_own_cap_in_its_own_account(
    scratch_db: Database, servers: ServerProcess, emulator: RunningEmulator
) -> None:
    leads = 400
    shops = [
        await own_account_shop(scratch_db, servers, emulator, name, address)
        for name, address in (
            ("North Shop", "whatsapp:+14155570001"),
            ("South Shop", "whatsapp:+14155570002"),
        )
    ]
    setups = [
        await approved_send_setup(
            servers, shop.token, emulator, f"own_{i}", leads, numbers=f"+141557{i + 1}"
        )
        for i, shop in enumerate(shops)
    ]
    at = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    sends = [
        (await client.data(SEND, {"id": campaign_id, "scheduledAt": at}))["sendCampaign"]["send"]
        for client, campaign_id, _ in setups
    ]
    done = await asyncio.gather(
        *(
            wait_completed(client, send["id"], within=120)
            for (client, _, _), send in zip(setups, sends, strict=True)
        )
    )
    assert [d["total"] for d in done] == [leads, leads]
    arrivals = list(emulator.state.state.messages.values())
    of_shop = [[m for m in arrivals if m.content_sid == sid] for _, _, sid in setups]
    for shop, messages in zip(shops, of_shop, strict=True):
        await in_its_account(emulator, shop, messages, leads)
    rates = [rate_of(messages) for messages in of_shop]
    together = rate_of([m for messages in of_shop for m in messages])
    print(
        f"\nper-merchant rate / cap: {rates[0] / CAP:.3f}, {rates[1] / CAP:.3f}; "
        f"together {together:.1f}/s = {together / CAP:.2f}x one cap"
    )
    assert all(rate <= CAP * 1.05 for rate in rates), f"{rates} over a cap of {CAP}/s"
    assert together >= CAP * 1.6, f"together {together:.1f}/s: the caps are not separate"
    async with scratch_db.session() as session:
        recorded = (
            await session.execute(
                select(Message.content_sid, Message.twilio_account_sid).distinct()
            )
        ).all()
    assert set(recorded) == {
        (sid, shop.account_sid) for (_, _, sid), shop in zip(setups, shops, strict=True)
    }
