"""Subaccounts made directly in the emulator, as a merchant's existing Twilio account, and
the row a merchant's account is stored in."""

from typing import Any

import httpx
from sqlalchemy import text

from db.database import Database
from tests.conftest import RunningEmulator


async def emulator_subaccount(emulator: RunningEmulator, name: str) -> dict[str, Any]:
    """A new account of the emulator's (sid, auth_token, friendly_name, …)."""
    async with httpx.AsyncClient(base_url=emulator.url, auth=emulator.credentials) as client:
        response = await client.post("/2010-04-01/Accounts.json", data={"FriendlyName": name})
    assert response.status_code == 201, response.text
    account: dict[str, Any] = response.json()
    return account


async def emulator_accounts(emulator: RunningEmulator) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=emulator.url, auth=emulator.credentials) as client:
        response = await client.get("/_emulator/accounts")
    assert response.status_code == 200, response.text
    accounts: list[dict[str, Any]] = response.json()
    return accounts


async def emulator_api_key(emulator: RunningEmulator, account: dict[str, Any]) -> dict[str, Any]:
    """A new Standard API key of an emulator account, made with the account's own token
    (sid `SK…` and `secret`, shown only now)."""
    credentials = (account["sid"], account["auth_token"])
    async with httpx.AsyncClient(base_url=emulator.url, auth=credentials) as client:
        response = await client.post(
            f"/2010-04-01/Accounts/{account['sid']}/Keys.json", data={"FriendlyName": "campaigns"}
        )
    assert response.status_code == 201, response.text
    key: dict[str, Any] = response.json()
    return key


async def account_row(db: Database, merchant_id: int) -> dict[str, Any] | None:
    """The merchant's twilio_accounts row as stored (credentials still encrypted)."""
    async with db.session() as session:
        row = (
            (
                await session.execute(
                    text("SELECT * FROM twilio_accounts WHERE merchant_id = :m"), {"m": merchant_id}
                )
            )
            .mappings()
            .one_or_none()
        )
    return dict(row) if row else None
