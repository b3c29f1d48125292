"""/readyz: ready only when the database answers, its schema is this code's newest and
every background job runs; /healthz stays the liveness check."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from db.database import Database
from db.migrate import head_revision, upgrade_async
from gql.app import create_app
from jobs.readiness import readiness
from jobs.runtime import Runtime
from services.settings import Settings
from tests.support import create_database, drop_database, serve


async def test_the_test_server_is_ready(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_not_ready_without_a_database(settings: Settings) -> None:
    unreachable = Database("postgresql://nobody@127.0.0.1:1/nothing")
    transport = httpx.ASGITransport(app=create_app(Runtime(unreachable, settings)))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/readyz")
    await unreachable.dispose()
    assert response.status_code == 503
    assert "database unavailable" in response.json()["problems"]
    # Not started (no lifespan here): nothing runs the jobs either.
    assert "background jobs not started" in response.json()["problems"]


@pytest.fixture
async def behind(postgres: str) -> AsyncIterator[Database]:
    """A database one migration behind this code."""
    url = await create_database(postgres)
    await upgrade_async(url, "0011")
    database = Database(url, pool_size=2)
    yield database
    await database.dispose()
    await drop_database(postgres, url)


async def test_not_ready_while_the_schema_is_behind(behind: Database, settings: Settings) -> None:
    runtime = Runtime(behind, settings.model_copy(update={"database_url": behind.url}))
    async with serve(create_app(runtime)) as url, httpx.AsyncClient(base_url=url) as client:
        ready, alive = await client.get("/readyz"), await client.get("/healthz")
    assert alive.status_code == 200  # alive: it answers, and so does its database
    assert ready.status_code == 503
    assert ready.json()["problems"] == [
        f"database schema at 0011, this server needs {head_revision()}"
    ]


async def test_not_ready_once_a_background_job_stopped(db: Database) -> None:
    async def crashed() -> None:
        raise RuntimeError("the job died")

    running = asyncio.create_task(asyncio.sleep(60), name="send-worker")
    dead = asyncio.create_task(crashed(), name="approval-job")
    await asyncio.wait([dead])
    try:
        state = await readiness(db, [running, dead], started=True)
        assert state.problems == ["background job approval-job stopped"]
        assert (await readiness(db, [running], started=True)).ready
    finally:
        running.cancel()
