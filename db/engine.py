"""Engine and session factories for a PostgreSQL URL."""

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def async_url(url: str) -> str:
    """`postgresql://…` (as users and libpq write it) -> the asyncpg dialect's URL."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, not {parsed.drivername}://")


def libpq_url(url: str) -> str:
    """The same URL without a SQLAlchemy driver name, for asyncpg.connect and subprocesses."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 20,
    pre_ping: bool = True,
    statement_timeout_ms: int = 0,
) -> AsyncEngine:
    # statement_timeout is sent once per connection (asyncpg's server_settings), so it
    # costs no round trip per session; 0 is PostgreSQL's own "no timeout".
    server_settings = {"statement_timeout": str(statement_timeout_ms)}
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=pre_ping,
        connect_args={"server_settings": server_settings},
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects returned by a committed unit of work stay readable.
    return async_sessionmaker(engine, expire_on_commit=False)
