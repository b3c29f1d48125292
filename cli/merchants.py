"""`campaigns merchant create NAME [--commerce] [--json] [--twilio-account-sid SID
(--twilio-auth-token T | --twilio-api-key SK --twilio-api-secret S)]`.

With platform credentials (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN), the merchant gets
a Twilio subaccount of its own, named after it, or the existing account given, verified
by fetching it with its credentials first (nothing is saved if that fails). In sandbox
mode the merchant gets an emulated subaccount and a sender from the running sandbox
(jobs/sandbox_accounts.py), or, with no sandbox running, at the next `campaigns serve`.
Credentials are never printed; a secret given as `-` is read from standard input
(arguments show in `ps`).
"""

import argparse
import asyncio
import json
import sys
from typing import Any

from services.settings import Settings


def add_merchant_commands(commands: Any) -> None:
    merchant = commands.add_parser("merchant", help="manage merchants")
    merchant_commands = merchant.add_subparsers(dest="merchant_command", required=True)
    create = merchant_commands.add_parser(
        "create", help="create a merchant, its Twilio account and an API token"
    )
    create.add_argument("name")
    create.add_argument("--commerce", action="store_true", help="a shop: adds commerce templates")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.add_argument("--twilio-account-sid", help="connect this existing account (AC…)")
    create.add_argument("--twilio-auth-token", help="its auth token (`-`: read stdin)")
    create.add_argument("--twilio-api-key", help="or an API key SID of it (SK…)")
    create.add_argument("--twilio-api-secret", help="and the key's secret (`-`: read stdin)")


def _secret(value: str | None) -> str | None:
    return sys.stdin.readline().strip() if value == "-" else value


def merchant_command(settings: Settings, args: argparse.Namespace) -> int:
    from services.accounts.accounts import AccountToConnect, account_to_connect
    from services.errors import ServiceError

    given = (args.twilio_auth_token, args.twilio_api_key, args.twilio_api_secret)
    existing: AccountToConnect | None = None
    try:
        if args.twilio_account_sid is not None:
            if settings.sandbox:
                return _fail(
                    "sandbox mode (no TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN): merchants "
                    "use the sandbox's Twilio; connecting an account needs the platform's"
                )
            token, key, secret = given
            existing = account_to_connect(
                args.twilio_account_sid, _secret(token), key, _secret(secret), path=()
            )
        elif any(value is not None for value in given):
            return _fail("--twilio-auth-token and --twilio-api-* need --twilio-account-sid")
        created = asyncio.run(_create(settings, args.name, args.commerce, existing))
    except ServiceError as error:
        return _fail("; ".join(problem.message for problem in error.errors))
    merchant_id, token, account_sid = created
    if args.json:
        row = {"merchant_id": merchant_id, "name": args.name, "token": token}
        print(json.dumps({**row, "twilio_account_sid": account_sid}))
    else:
        lines = [f"merchant id: {merchant_id}", f"token: {token}"]
        later = "none yet: the sandbox gives it one when it starts"
        lines.append(f"twilio account: {account_sid or later}")
        print("\n".join(lines))
    return 0


async def _sandbox_account(db: Any, settings: Settings, merchant_id: int) -> str | None:
    """The merchant's subaccount from the sandbox running for this data directory (None:
    none is running; `campaigns serve` provisions it when it starts)."""
    from cli.sandbox import running_sandbox_settings
    from jobs.sandbox_accounts import provision_sandbox_accounts
    from services.twilio.gateway import TwilioGateway

    running = running_sandbox_settings(settings)
    if running is None:
        return None
    gateway = TwilioGateway(running)
    try:
        provisioned = await provision_sandbox_accounts(db, gateway, running)
    finally:
        await gateway.close()
    return provisioned.get(merchant_id)


def _fail(message: str) -> int:
    print(f"campaigns: {message}", file=sys.stderr)
    return 1


async def _create(
    settings: Settings, name: str, commerce: bool, existing: Any
) -> tuple[int, str, str | None]:
    from cli.database import database_url
    from db.database import Database
    from db.migrate import upgrade_async
    from jobs.twilio_accounts import onboard_merchant
    from services.merchants.service import create_merchant
    from services.twilio.gateway import TwilioGateway

    url = database_url(settings)
    await upgrade_async(url)
    db = Database(url, pool_size=1)
    gateway = None if settings.sandbox else TwilioGateway(settings)
    try:
        if gateway is None:
            async with db.transaction() as session:
                created = await create_merchant(session, name, commerce=commerce)
            sid = await _sandbox_account(db, settings, created.merchant.id)
            return created.merchant.id, created.token, sid
        created, account = await onboard_merchant(
            db, gateway, settings, name, commerce=commerce, existing=existing
        )
        return created.merchant.id, created.token, account.account_sid
    finally:
        if gateway is not None:
            await gateway.close()
        await db.dispose()
