"""`campaigns merchant create` giving the merchant its own Twilio account: a subaccount
made in the emulator (over HTTP, as Twilio), or an existing account, verified first."""

import asyncio
import json
import os
import sys

from sqlalchemy import text

from db.database import Database
from services.accounts.credentials import CredentialsCipher
from tests.conftest import RunningEmulator
from tests.gql.accounts.support import (
    account_row,
    emulator_accounts,
    emulator_api_key,
    emulator_subaccount,
)
from tests.support import CREDENTIALS_KEY


def platform_env(emulator: RunningEmulator, database_url: str) -> dict[str, str]:
    sid, token = emulator.credentials
    return {
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": sid,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_BASE_URL": emulator.url,
        "CAMPAIGNS_CREDENTIALS_KEY": CREDENTIALS_KEY,
        "CAMPAIGNS_LOG_LEVEL": "debug",  # whatever is logged, no credential may be
    }


async def campaigns(env: dict[str, str], *args: str, stdin: str = "") -> tuple[int, str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CAMPAIGNS_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        *args,
        env={**base, **env},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(stdin.encode())
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def merchants_named(db: Database, name: str) -> int:
    async with db.session() as session:
        count = await session.scalar(
            text("SELECT count(*) FROM merchants WHERE name = :n"), {"n": name}
        )
    return int(count or 0)


async def test_with_platform_credentials_a_merchant_gets_a_subaccount(
    database_url: str, db: Database, emulator: RunningEmulator
) -> None:
    env = platform_env(emulator, database_url)
    code, out, err = await campaigns(env, "merchant", "create", "Subaccount Shop", "--json")
    assert code == 0, err
    created = json.loads(out)
    sid = created["twilio_account_sid"]
    made = {a["sid"]: a for a in await emulator_accounts(emulator)}
    assert made[sid]["friendly_name"] == "Subaccount Shop"
    assert made[sid]["owner_account_sid"] == emulator.credentials[0]
    auth_token = made[sid]["auth_token"]
    row = await account_row(db, created["merchant_id"])
    assert row is not None and (row["account_sid"], row["kind"]) == (sid, "subaccount")
    stored = bytes(row["credentials"])
    assert auth_token.encode() not in stored, "the token is not in the database in clear"
    decrypted = CredentialsCipher(CREDENTIALS_KEY).decrypt(stored)
    assert decrypted.auth_token == auth_token
    assert auth_token not in out + err, "never printed nor logged"


async def test_an_existing_account_is_connected_once_verified(
    database_url: str, db: Database, emulator: RunningEmulator
) -> None:
    account = await emulator_subaccount(emulator, "Their Own Twilio")
    env = platform_env(emulator, database_url)
    args = ("merchant", "create", "Connected Shop", "--json", "--twilio-account-sid")
    code, out, err = await campaigns(
        env, *args, account["sid"], "--twilio-auth-token", "-", stdin=account["auth_token"] + "\n"
    )
    assert code == 0, err
    created = json.loads(out)
    assert created["twilio_account_sid"] == account["sid"]
    row = await account_row(db, created["merchant_id"])
    assert row is not None
    assert (row["kind"], row["friendly_name"]) == ("connected", "Their Own Twilio")
    assert account["auth_token"] not in out + err


async def test_an_existing_account_is_connected_with_an_api_key(
    database_url: str, db: Database, emulator: RunningEmulator
) -> None:
    account = await emulator_subaccount(emulator, "Keyed Twilio")
    key = await emulator_api_key(emulator, account)
    env = platform_env(emulator, database_url)
    args = ("merchant", "create", "Keyed Shop", "--json", "--twilio-account-sid", account["sid"])
    code, out, err = await campaigns(
        env,
        *args,
        "--twilio-api-key",
        key["sid"],
        "--twilio-api-secret",
        "-",
        stdin=key["secret"] + "\n",
    )
    assert code == 0, err
    created = json.loads(out)
    assert created["twilio_account_sid"] == account["sid"]
    row = await account_row(db, created["merchant_id"])
    assert row is not None
    stored = CredentialsCipher(CREDENTIALS_KEY).decrypt(row["credentials"])
    assert (stored.api_key_sid, stored.api_key_secret, stored.auth_token) == (
        key["sid"],
        key["secret"],
        None,
    )
    assert key["secret"] not in out + err, "never printed nor logged"


async def test_an_account_twilio_refuses_is_not_connected_and_nothing_is_saved(
    database_url: str, db: Database, emulator: RunningEmulator
) -> None:
    account = await emulator_subaccount(emulator, "Wrong Token")
    env = platform_env(emulator, database_url)
    before = len(await emulator_accounts(emulator))
    code, out, err = await campaigns(
        env,
        "merchant",
        "create",
        "Refused Shop",
        "--twilio-account-sid",
        account["sid"],
        "--twilio-auth-token",
        "f" * 32,
    )
    assert code == 1 and out == ""
    assert "Twilio did not accept these credentials" in err
    assert await merchants_named(db, "Refused Shop") == 0
    assert len(await emulator_accounts(emulator)) == before, "no subaccount made instead"
    code, _, err = await campaigns(
        env,
        "merchant",
        "create",
        "Half Key",
        "--twilio-account-sid",
        account["sid"],
        "--twilio-api-key",
        "SK" + "1" * 32,
    )
    assert code == 1 and "both its SID and its secret" in err
    assert await merchants_named(db, "Half Key") == 0


async def test_without_a_credentials_key_nothing_is_created(
    database_url: str, db: Database, emulator: RunningEmulator
) -> None:
    env = platform_env(emulator, database_url)
    del env["CAMPAIGNS_CREDENTIALS_KEY"]
    before = len(await emulator_accounts(emulator))
    code, _, err = await campaigns(env, "merchant", "create", "Keyless Shop")
    assert code == 1
    assert "CAMPAIGNS_CREDENTIALS_KEY is not set" in err
    assert "Traceback" not in err
    assert len(await emulator_accounts(emulator)) == before, "Twilio was not asked"
    assert await merchants_named(db, "Keyless Shop") == 0


async def test_in_sandbox_mode_a_merchant_uses_the_platform_account(
    database_url: str, db: Database
) -> None:
    env = {"DATABASE_URL": database_url}
    code, out, err = await campaigns(env, "merchant", "create", "Sandbox Shop", "--json")
    assert code == 0, err
    created = json.loads(out)
    assert created["twilio_account_sid"] is None
    assert await account_row(db, created["merchant_id"]) is None
    code, _, err = await campaigns(
        env,
        "merchant",
        "create",
        "Sandbox Connect",
        "--twilio-account-sid",
        "AC" + "1" * 32,
        "--twilio-auth-token",
        "t",
    )
    assert code == 1 and "sandbox mode" in err
    assert await merchants_named(db, "Sandbox Connect") == 0
