"""The key signing link tokens. Every server process must use the same one, so it lives
in `app_secrets`: whichever process needs it first creates it, the others read it."""

import secrets

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from db.models import AppSecret

SECRET_NAME = "tracked_links_hmac"

# The key never changes once created, so each process reads it once per database.
_keys: dict[str, bytes] = {}


async def signing_key(session: AsyncSession) -> bytes:
    engine = _engine_of(session)
    cache_key = engine.url.render_as_string(hide_password=True)
    key = _keys.get(cache_key)
    if key is None:
        key = await _create_or_read(engine)
        _keys[cache_key] = key
    return key


async def _create_or_read(engine: AsyncEngine) -> bytes:
    # A connection and transaction of its own: the caller's transaction may roll back
    # (a read-only request, a failed send), which would take a key created in it away
    # after this process had started signing with it.
    async with engine.begin() as connection:
        await connection.execute(
            insert(AppSecret)
            .values(name=SECRET_NAME, value=secrets.token_urlsafe(32))
            .on_conflict_do_nothing(index_elements=[AppSecret.name])
        )
        # Read back rather than trust our own value: a concurrent process may have won.
        # (Under READ COMMITTED the INSERT waited for it, and this statement sees it.)
        value = (
            await connection.execute(select(AppSecret.value).where(AppSecret.name == SECRET_NAME))
        ).scalar_one()
    return value.encode()


def _engine_of(session: AsyncSession) -> AsyncEngine:
    bind = session.bind
    if isinstance(bind, AsyncConnection):
        return bind.engine
    if isinstance(bind, AsyncEngine):
        return bind
    raise RuntimeError("tracked links need a session bound to an engine or a connection")
