"""Sandbox mode gives every merchant an emulated subaccount and a sender of its own, with
no setup: at start (as a user runs `campaigns serve`), when a merchant is created beside
a running sandbox, once per merchant across restarts and processes."""

import asyncio
import json
import secrets
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from db.database import Database
from db.models import Sender, TwilioAccount
from jobs.sandbox_accounts import provision_sandbox_accounts
from services.accounts.sandbox import sandbox_sender
from services.merchants.service import create_merchant
from services.settings import Settings
from services.twilio.gateway import TwilioGateway
from tests.cli.test_sandbox import campaigns, sandbox_env, scratch_url, serving
from tests.conftest import RunningEmulator
from tests.gql.accounts.operations import VIEWER
from tests.gql.accounts.support import emulator_accounts
from tests.support import GraphQLClient, free_port


async def sandbox_subaccounts(data_dir: Path) -> list[dict[str, Any]]:
    """The running sandbox's subaccounts, from its emulator's accounts API."""
    saved = json.loads((data_dir / "sandbox.json").read_text())
    auth = (saved["account_sid"], saved["auth_token"])
    async with httpx.AsyncClient(base_url=saved["emulator_url"], auth=auth) as client:
        response = await client.get("/2010-04-01/Accounts.json")
    assert response.status_code == 200, response.text
    accounts: list[dict[str, Any]] = response.json()["accounts"]
    return [a for a in accounts if a["sid"] != saved["account_sid"]]


async def create(env: dict[str, str], name: str) -> dict[str, Any]:
    code, out, err = await campaigns(env, "merchant", "create", name, "--json")
    assert code == 0, err
    created: dict[str, Any] = json.loads(out)
    return created


async def own_account(url: str, token: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        merchant: dict[str, Any] = (await GraphQLClient(http, token).data(VIEWER))["viewer"][
            "merchant"
        ]
    return merchant


async def test_every_merchant_gets_a_subaccount_and_a_sender_once(
    postgres: str, tmp_path: Path
) -> None:
    port, data_dir = free_port(), tmp_path / "data"
    async with scratch_url(postgres) as database_url:
        env = sandbox_env(database_url, data_dir, CAMPAIGNS_SUBMIT_DEFAULT_TEMPLATES="false")
        before = [await create(env, name) for name in ("Bakery", "Florist")]
        assert [m["twilio_account_sid"] for m in before] == [None, None], "no sandbox yet"
        async with serving(env, port, tmp_path / "first.log") as url:
            subaccounts = await sandbox_subaccounts(data_dir)
            assert sorted(a["friendly_name"] for a in subaccounts) == ["Bakery", "Florist"]
            for created in before:
                merchant = await own_account(url, created["token"])
                assert merchant["twilioAccount"]["kind"] == "SUBACCOUNT"
                assert merchant["twilioAccount"]["sid"] in {a["sid"] for a in subaccounts}
                sender = sandbox_sender(int(created["merchant_id"]))
                assert [(s["address"], s["isDefault"]) for s in merchant["senders"]] == [
                    (sender, True)
                ]
            # Beside a running sandbox, a new merchant gets its subaccount at once.
            late = await create(env, "Grocer")
            assert late["twilio_account_sid"] in {
                a["sid"] for a in await sandbox_subaccounts(data_dir)
            }
            first = {a["sid"] for a in await sandbox_subaccounts(data_dir)}
        async with serving(env, port, tmp_path / "second.log") as url:
            assert {a["sid"] for a in await sandbox_subaccounts(data_dir)} == first
            merchant = await own_account(url, late["token"])
            assert merchant["twilioAccount"]["sid"] == late["twilio_account_sid"]
    senders = {sandbox_sender(int(m["merchant_id"])) for m in [*before, late]}
    assert len(senders) == 3, "one number per merchant"


async def test_two_processes_provisioning_at_once_make_one_subaccount_each(
    scratch_db: Database, settings: Settings, emulator: RunningEmulator
) -> None:
    names = [f"Twin {secrets.token_hex(4)}" for _ in range(3)]
    async with scratch_db.transaction() as session:
        ids = [(await create_merchant(session, n, with_templates=False)).merchant.id for n in names]
    # A second process: its own pool, so its own connections and advisory lock requests.
    other = Database(scratch_db.url, pool_size=2)
    gateways = [TwilioGateway(settings), TwilioGateway(settings)]
    try:
        results = await asyncio.gather(
            provision_sandbox_accounts(scratch_db, gateways[0], settings),
            provision_sandbox_accounts(other, gateways[1], settings),
        )
    finally:
        for gateway in gateways:
            await gateway.close()
        await other.dispose()
    assert sorted([*results[0], *results[1]]) == sorted(ids), "each merchant once"
    made = [a for a in await emulator_accounts(emulator) if a["friendly_name"] in names]
    assert sorted(a["friendly_name"] for a in made) == sorted(names), "no spare subaccount"
    async with scratch_db.session() as session:
        accounts = (await session.execute(select(TwilioAccount))).scalars().all()
        senders = (await session.execute(select(Sender))).scalars().all()
    assert sorted(a.merchant_id for a in accounts) == sorted(ids)
    assert sorted((s.merchant_id, s.address, s.is_default) for s in senders) == sorted(
        (i, sandbox_sender(i), True) for i in ids
    )
    gateway = TwilioGateway(settings)
    try:
        assert await provision_sandbox_accounts(scratch_db, gateway, settings) == {}
    finally:
        await gateway.close()
