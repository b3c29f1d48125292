"""All configuration, read from the environment (and an optional .env file)."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL"),
        description="postgresql:// URL; unset means an embedded PostgreSQL under data_dir.",
    )
    data_dir: Path = Field(
        default=Path(".campaigns"),
        validation_alias=AliasChoices("CAMPAIGNS_DATA_DIR"),
        description="Where the embedded PostgreSQL and the demo token live.",
    )
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("CAMPAIGNS_HOST"))
    port: int = Field(default=8000, validation_alias=AliasChoices("CAMPAIGNS_PORT"))
    log_level: str = Field(default="info", validation_alias=AliasChoices("CAMPAIGNS_LOG_LEVEL"))
    db_pool_size: int = Field(default=10, validation_alias=AliasChoices("CAMPAIGNS_DB_POOL_SIZE"))
    max_leads_per_call: int = Field(
        default=10_000, validation_alias=AliasChoices("CAMPAIGNS_MAX_LEADS_PER_CALL")
    )
    seed_demo: bool = Field(
        default=True,
        validation_alias=AliasChoices("CAMPAIGNS_SEED_DEMO"),
        description="Seed a demo commerce merchant on first start (embedded database only).",
    )

    @property
    def embedded_pgdata(self) -> Path:
        return self.data_dir.resolve() / "pgdata"


@lru_cache
def get_settings() -> Settings:
    return Settings()
