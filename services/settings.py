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
    log_level: str = Field(
        default="info",
        validation_alias=AliasChoices("CAMPAIGNS_LOG_LEVEL"),
        description="info: the server's own events; debug adds every Twilio SDK request.",
    )
    access_log: bool = Field(
        default=False,
        validation_alias=AliasChoices("CAMPAIGNS_ACCESS_LOG"),
        description="Log every HTTP request served (and, in sandbox mode, the emulator's).",
    )
    db_pool_size: int = Field(default=10, validation_alias=AliasChoices("CAMPAIGNS_DB_POOL_SIZE"))
    max_leads_per_call: int = Field(
        default=10_000, validation_alias=AliasChoices("CAMPAIGNS_MAX_LEADS_PER_CALL")
    )
    seed_demo: bool = Field(
        default=True,
        validation_alias=AliasChoices("CAMPAIGNS_SEED_DEMO"),
        description="Seed a demo commerce merchant on first start (embedded database only).",
    )

    twilio_account_sid: str | None = Field(
        default=None, validation_alias=AliasChoices("TWILIO_ACCOUNT_SID")
    )
    twilio_auth_token: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TWILIO_AUTH_TOKEN"),
        description="Signs webhooks; also authenticates API calls unless an API key is set.",
    )
    twilio_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("TWILIO_API_KEY")
    )
    twilio_api_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("TWILIO_API_SECRET")
    )
    twilio_whatsapp_from: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TWILIO_WHATSAPP_FROM"),
        description="The WhatsApp sender, e.g. whatsapp:+14155238886.",
    )
    twilio_messaging_service_sid: str | None = Field(
        default=None, validation_alias=AliasChoices("TWILIO_MESSAGING_SERVICE_SID")
    )
    twilio_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TWILIO_BASE_URL"),
        description="When set, every Twilio host is rewritten to it (emulator, proxy, mock).",
    )
    twilio_timeout: float = Field(default=10.0, validation_alias=AliasChoices("TWILIO_TIMEOUT"))
    public_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("PUBLIC_URL"),
        description="Where Twilio reaches this server; webhook URLs are built from it.",
    )
    submit_default_templates: bool = Field(
        default=True,
        validation_alias=AliasChoices("CAMPAIGNS_SUBMIT_DEFAULT_TEMPLATES"),
        description="Submit new merchants' system templates for approval.",
    )
    approval_poll_interval: float = Field(
        default=2.0,
        validation_alias=AliasChoices("CAMPAIGNS_APPROVAL_POLL_INTERVAL"),
        description="Seconds between two looks for campaigns due an approval check.",
    )
    sandbox_approval_delay: float = Field(
        default=2.0,
        validation_alias=AliasChoices("CAMPAIGNS_SANDBOX_APPROVAL_DELAY"),
        description="Sandbox mode: seconds the emulator takes per approval step.",
    )

    sandbox_status_delay: float = Field(
        default=0.2,
        validation_alias=AliasChoices("CAMPAIGNS_SANDBOX_STATUS_DELAY"),
        description="Sandbox mode: seconds between two statuses of a message.",
    )
    sandbox_emulator_port: int = Field(
        default=0,
        validation_alias=AliasChoices("CAMPAIGNS_SANDBOX_EMULATOR_PORT"),
        description="Sandbox mode: the emulator's port (0: any free port).",
    )

    send_rate: float = Field(
        default=80.0,
        validation_alias=AliasChoices("CAMPAIGNS_SEND_RATE"),
        description="Messages per second per sender, across all processes; 0: no cap.",
    )
    send_concurrency: int = Field(
        default=64,
        validation_alias=AliasChoices("CAMPAIGNS_SEND_CONCURRENCY"),
        description="Twilio calls in flight per process.",
    )
    send_stale_after: float = Field(
        default=60.0,
        validation_alias=AliasChoices("CAMPAIGNS_SEND_STALE_AFTER"),
        description="Seconds after which a claimed, unfinished row is reconciled.",
    )

    @property
    def sandbox(self) -> bool:
        """No Twilio credentials: `serve` runs its own Twilio emulator."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def embedded_pgdata(self) -> Path:
        return self.data_dir.resolve() / "pgdata"


@lru_cache
def get_settings() -> Settings:
    return Settings()
