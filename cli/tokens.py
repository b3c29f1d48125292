"""`campaigns token create | list | revoke`: a merchant's API tokens from the command line.
Revoking here stops the token on every running server process, as through GraphQL."""

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import ServiceError
from services.settings import Settings

T = TypeVar("T")


def add_token_commands(commands: Any) -> None:
    token = commands.add_parser("token", help="manage a merchant's API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="issue a token (its secret shown once)")
    create.add_argument("merchant_id", type=int)
    create.add_argument("name")
    listing = token_commands.add_parser("list", help="a merchant's live tokens")
    listing.add_argument("merchant_id", type=int)
    revoke = token_commands.add_parser("revoke", help="revoke a token, on every server at once")
    revoke.add_argument("merchant_id", type=int)
    revoke.add_argument("token_id", type=int, help="the id `token list` shows")
    for command in (create, listing, revoke):
        command.add_argument("--json", action="store_true", help="print JSON")


def token_command(settings: Settings, args: argparse.Namespace) -> int:
    from services.merchants.tokens import TokenService

    merchant_id: int = args.merchant_id
    try:
        if args.token_command == "create":
            issued = _run(
                settings, lambda s: TokenService(s).issue(merchant_id, args.name), merchant_id
            )
            _print(args.json, {**_describe(issued.token), "token": issued.secret})
        elif args.token_command == "list":
            tokens = _run(settings, lambda s: TokenService(s).list(merchant_id), merchant_id)
            rows = [_describe(token) for token in tokens]
            if args.json:
                print(json.dumps(rows))
            for row in [] if args.json else rows:
                used = row["last_used_at"] or "never"
                print(f"{row['id']}\t{row['name']}\t{row['prefix']}…\t{row['created_at']}\t{used}")
        else:
            revoked = _run(
                settings, lambda s: TokenService(s).revoke(merchant_id, args.token_id), merchant_id
            )
            _print(args.json, _describe(revoked))
    except ServiceError as error:
        print(f"error: {error.errors[0].message}", file=sys.stderr)
        return 1
    return 0


def _run(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], merchant_id: int) -> T:
    from cli.database import database_url
    from db.database import Database
    from db.migrate import upgrade
    from repositories.merchants import MerchantRepository
    from services.errors import not_found

    url = database_url(settings)
    upgrade(url)

    async def run() -> T:
        db = Database(url, pool_size=1)
        try:
            async with db.transaction() as session:
                if await MerchantRepository(session).get(merchant_id) is None:
                    raise not_found(f"Merchant {merchant_id}")
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _describe(token: Any) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": when(token.created_at),
        "last_used_at": when(token.last_used_at),
        "revoked_at": when(token.revoked_at),
    }


def _print(as_json: bool, row: dict[str, Any]) -> None:
    if as_json:
        print(json.dumps(row))
    else:
        print("\n".join(f"{key}: {value}" for key, value in row.items() if value is not None))
