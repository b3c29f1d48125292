"""The Alembic migrations build exactly the schema the models describe."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

import db.models  # noqa: F401
from db.base import Base
from db.database import Database


async def test_models_and_migrations_agree(db: Database) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_migrations_downgrade_and_upgrade_again(postgres: str) -> None:
    from alembic import command

    from db.migrate import alembic_config, upgrade_async
    from tests.support import create_database, drop_database

    url = await create_database(postgres)
    try:
        await upgrade_async(url)
        await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
        await upgrade_async(url)
    finally:
        await drop_database(postgres, url)
