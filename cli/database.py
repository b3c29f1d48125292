"""Which PostgreSQL the commands use: DATABASE_URL, or the embedded one."""

from db.embedded import start_embedded
from services.settings import Settings


def database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return start_embedded(settings.embedded_pgdata)
