"""Queries are answered after PostgreSQL drops the server's connections (a restart, an
idle cut by a proxy): the read pool does not ping before each use, so a read that finds
its connection dead runs again on a new one."""

import httpx
from sqlalchemy import text

from db.database import Database
from gql.app import create_app
from jobs.runtime import Runtime
from services.merchants.service import create_merchant
from services.settings import Settings
from tests.gql.helpers import CAMPAIGNS
from tests.support import GraphQLClient


async def drop_connections(db: Database) -> int:
    """Ends every other connection to the database, as a restart would."""
    async with db.session() as session:
        ended = await session.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        return len(ended.all())


async def test_a_query_after_postgresql_dropped_the_connections(
    scratch_db: Database, settings: Settings
) -> None:
    async with scratch_db.transaction() as session:
        token = (await create_merchant(session, "Restart Shop")).token
    app = create_app(Runtime(scratch_db, settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        gql = GraphQLClient(http, token)
        before = (await gql.data(CAMPAIGNS, {"first": 50}))["campaigns"]
        assert before["totalCount"] > 0, "the merchant's default templates"
        assert await drop_connections(scratch_db) >= 1, "the read pool's connection"
        after = (await gql.data(CAMPAIGNS, {"first": 50}))["campaigns"]
    assert after == before
