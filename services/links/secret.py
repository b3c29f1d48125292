"""The key signing link tokens. Every server process must use the same one, so it lives
in `app_secrets`, created once per database by its migration (0009): a request only
reads it, and never writes it in a transaction that could roll back after a token
signed with it went out."""

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from repositories.links import secret_value

SECRET_NAME = "tracked_links_hmac"

# The key never changes once created, so each process reads it once per database.
_keys: dict[str, bytes] = {}


async def signing_key(session: AsyncSession) -> bytes:
    engine = _engine_of(session)
    cache_key = engine.url.render_as_string(hide_password=True)
    key = _keys.get(cache_key)
    if key is None:
        value = await secret_value(session, SECRET_NAME)
        if value is None:
            raise RuntimeError("no tracked-link key: the database is not migrated to head")
        key = _keys[cache_key] = value.encode()
    return key


def _engine_of(session: AsyncSession) -> AsyncEngine:
    bind = session.bind
    if isinstance(bind, AsyncConnection):
        return bind.engine
    if isinstance(bind, AsyncEngine):
        return bind
    raise RuntimeError("tracked links need a session bound to an engine or a connection")
