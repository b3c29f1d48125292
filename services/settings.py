"""All configuration, read from the environment (and an optional .env file)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.setting_values import (
    DEFAULT_PORTS,
    LIMITED_RETRY_DELAYS,
    RetryDelays,
    origin_of,
)

__all__ = ["DEFAULT_PORTS", "Settings", "get_settings", "origin_of"]


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
    log_format: Literal["text", "json"] = Field(
        default="text",
        validation_alias=AliasChoices("CAMPAIGNS_LOG_FORMAT"),
        description="text: readable lines; json: one JSON object per line, with request_id.",
    )
    metrics: Literal["off", "open", "bearer"] = Field(
        default="off",
        validation_alias=AliasChoices("CAMPAIGNS_METRICS"),
        description="/metrics: off (404), open, or bearer (CAMPAIGNS_METRICS_TOKEN required).",
    )
    metrics_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CAMPAIGNS_METRICS_TOKEN")
    )
    db_pool_size: int = Field(default=10, validation_alias=AliasChoices("CAMPAIGNS_DB_POOL_SIZE"))
    max_leads_per_call: int = Field(
        default=10_000, validation_alias=AliasChoices("CAMPAIGNS_MAX_LEADS_PER_CALL")
    )
    statement_timeout_ms: int = Field(
        default=5_000,
        validation_alias=AliasChoices("CAMPAIGNS_STATEMENT_TIMEOUT_MS"),
        description="PostgreSQL statement_timeout of request sessions (jobs have none); 0: none.",
    )
    audience_statement_timeout_ms: int = Field(
        default=120_000,
        validation_alias=AliasChoices("CAMPAIGNS_AUDIENCE_STATEMENT_TIMEOUT_MS"),
        description="statement_timeout of addCampaignLeadsFromSegment's one INSERT (a "
        "segment of a million contacts takes ~20 s); 0: the request's own.",
    )
    max_body_bytes: int = Field(
        default=4 * 1024 * 1024,
        validation_alias=AliasChoices("CAMPAIGNS_MAX_BODY_BYTES"),
        description="Largest HTTP request body; larger ones get 413 before being read.",
    )
    max_query_tokens: int = Field(
        default=5_000,
        validation_alias=AliasChoices("CAMPAIGNS_MAX_QUERY_TOKENS"),
        description="Tokens in a GraphQL document; parsing stops at the limit.",
    )
    max_query_length: int = Field(
        default=25_000,
        validation_alias=AliasChoices("CAMPAIGNS_MAX_QUERY_LENGTH"),
        description="Characters in a GraphQL document (whitespace and comments included).",
    )
    max_query_depth: int = Field(
        default=10,
        validation_alias=AliasChoices("CAMPAIGNS_MAX_QUERY_DEPTH"),
        description="Nesting of selections in an operation.",
    )
    max_query_aliases: int = Field(
        default=30,
        validation_alias=AliasChoices("CAMPAIGNS_MAX_QUERY_ALIASES"),
        description="Aliased fields in an operation.",
    )
    max_query_cost: int = Field(
        default=25_000,
        validation_alias=AliasChoices("CAMPAIGNS_MAX_QUERY_COST"),
        description="Objects an operation may ask for: each field times the page sizes above it.",
    )
    max_string_length: int = Field(
        default=2_048,
        validation_alias=AliasChoices("CAMPAIGNS_MAX_STRING_LENGTH"),
        description="Characters in any string input without a smaller maximum of its own.",
    )
    token_rate: float = Field(
        default=30.0,
        validation_alias=AliasChoices("CAMPAIGNS_TOKEN_RATE"),
        description="Requests per second per API token, across all processes; 0: no limit.",
    )
    token_burst: int = Field(
        default=300,
        validation_alias=AliasChoices("CAMPAIGNS_TOKEN_BURST"),
        description="Requests an idle API token may make at once before the rate applies.",
    )
    token_rate_lease: int = Field(
        default=10,
        validation_alias=AliasChoices("CAMPAIGNS_TOKEN_RATE_LEASE"),
        description="Requests a process takes from a token's shared budget in one UPDATE.",
    )
    token_concurrency: int = Field(
        default=20,
        validation_alias=AliasChoices("CAMPAIGNS_TOKEN_CONCURRENCY"),
        description="HTTP requests in flight per API token, per process.",
    )
    ws_connections_per_token: int = Field(
        default=20,
        validation_alias=AliasChoices("CAMPAIGNS_WS_CONNECTIONS_PER_TOKEN"),
        description="WebSocket connections per API token, per process.",
    )
    ws_subscriptions_per_token: int = Field(
        default=100,
        validation_alias=AliasChoices("CAMPAIGNS_WS_SUBSCRIPTIONS_PER_TOKEN"),
        description="Active subscriptions per API token over all its WebSockets, per process.",
    )
    auth_failure_rate: float = Field(
        default=1.0,
        validation_alias=AliasChoices("CAMPAIGNS_AUTH_FAILURE_RATE"),
        description="Failed authentications per second per client address, per process.",
    )
    auth_failure_burst: int = Field(
        default=30,
        validation_alias=AliasChoices("CAMPAIGNS_AUTH_FAILURE_BURST"),
        description="Failed authentications a client address may make at once.",
    )
    token_cache_ttl: float = Field(
        default=60.0,
        validation_alias=AliasChoices("CAMPAIGNS_TOKEN_CACHE_TTL"),
        description="Seconds a process trusts a token it looked up (revocation evicts at once).",
    )
    token_usage_flush_interval: float = Field(
        default=10.0,
        validation_alias=AliasChoices("CAMPAIGNS_TOKEN_USAGE_FLUSH"),
        description="Seconds between two writes of tokens' last use (at most once a minute each).",
    )
    header_timeout: float = Field(
        default=10.0,
        validation_alias=AliasChoices("CAMPAIGNS_HEADER_TIMEOUT"),
        description="Seconds a client has to send a request's headers, from its first byte.",
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        validation_alias=AliasChoices("CAMPAIGNS_MAX_HEADER_BYTES"),
        description="Largest request head (request line and headers).",
    )
    body_timeout: float = Field(
        default=30.0,
        validation_alias=AliasChoices("CAMPAIGNS_BODY_TIMEOUT"),
        description="Seconds a client has to send a request's whole body.",
    )
    keep_alive_timeout: float = Field(
        default=5.0,
        validation_alias=AliasChoices("CAMPAIGNS_KEEP_ALIVE_TIMEOUT"),
        description="Seconds an idle keep-alive connection stays open.",
    )
    seed_demo: bool = Field(
        default=True,
        validation_alias=AliasChoices("CAMPAIGNS_SEED_DEMO"),
        description="Seed a demo commerce merchant on first start (embedded database only).",
    )

    graphiql: bool | None = Field(
        default=None,
        validation_alias=AliasChoices("CAMPAIGNS_GRAPHIQL"),
        description="Serve GraphiQL at /graphql; unset: on in sandbox mode, off with credentials.",
    )
    introspection: bool | None = Field(
        default=None,
        validation_alias=AliasChoices("CAMPAIGNS_INTROSPECTION"),
        description="Answer __schema/__type; unset: on in sandbox mode, off with credentials.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("CAMPAIGNS_CORS_ORIGINS"),
        description="Browser origins besides our own allowed over HTTP (CORS) and WebSocket.",
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
    credentials_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("CAMPAIGNS_CREDENTIALS_KEY"),
        description="Fernet key(s) encrypting merchants' Twilio credentials, comma-separated, "
        "newest first (older ones still decrypt); sandbox mode makes one in the data dir.",
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
    bulk_lookahead: float = Field(
        default=1.0,
        ge=0,
        validation_alias=AliasChoices("CAMPAIGNS_BULK_LOOKAHEAD"),
        description="Seconds of a sender's slots a campaign send may reserve ahead; a one-off "
        "message takes the next free slot, so it waits at most this long behind a send.",
    )

    send_max_backoff: float = Field(
        default=60.0,
        validation_alias=AliasChoices("CAMPAIGNS_SEND_MAX_BACKOFF"),
        description="Longest wait, in seconds, of a row between two tries while Twilio is "
        "unavailable (429, 5xx, unreachable); waits grow exponentially up to it.",
    )
    idempotency_ttl_hours: float = Field(
        default=24.0,
        gt=0,
        validation_alias=AliasChoices("CAMPAIGNS_IDEMPOTENCY_TTL_HOURS"),
        description="Hours an idempotency key of sendTemplateMessage or sendCampaign is "
        "kept; a key older than that is forgotten and may be used again.",
    )
    status_recheck_after: float = Field(
        default=120.0,
        validation_alias=AliasChoices("CAMPAIGNS_STATUS_RECHECK_AFTER"),
        description="Seconds after its last status change that a message not final yet is "
        "fetched from Twilio (callbacks get lost); later checks back off.",
    )
    status_recheck_rate: float = Field(
        default=20.0,
        validation_alias=AliasChoices("CAMPAIGNS_STATUS_RECHECK_RATE"),
        description="Message fetches per second for status rechecks, across all processes.",
    )
    status_recheck_horizon: float = Field(
        default=48 * 3600.0,
        validation_alias=AliasChoices("CAMPAIGNS_STATUS_RECHECK_HORIZON"),
        description="Seconds after its last status change that a message is no longer rechecked.",
    )
    limited_retry_delays: RetryDelays = Field(
        default=LIMITED_RETRY_DELAYS,
        validation_alias=AliasChoices("CAMPAIGNS_LIMITED_RETRY_DELAYS"),
        description="Seconds before each retry of a message Meta limited (63049: the person's "
        "share of marketing templates), comma-separated, at most 5; then it is given up.",
    )

    # Contact imports (services/imports, jobs/contact_imports.py).
    max_import_bytes: int = Field(
        default=256 * 1024 * 1024, validation_alias=AliasChoices("CAMPAIGNS_MAX_IMPORT_BYTES")
    )
    max_import_rows: int = Field(
        default=2_000_000, validation_alias=AliasChoices("CAMPAIGNS_MAX_IMPORT_ROWS")
    )
    import_body_timeout: float = Field(
        default=600.0, validation_alias=AliasChoices("CAMPAIGNS_IMPORT_BODY_TIMEOUT")
    )
    import_chunk_rows: int = Field(
        default=25_000, validation_alias=AliasChoices("CAMPAIGNS_IMPORT_CHUNK_ROWS")
    )
    import_workers: int = Field(
        default=0, validation_alias=AliasChoices("CAMPAIGNS_IMPORT_WORKERS")
    )
    import_stale_after: float = Field(
        default=30.0, validation_alias=AliasChoices("CAMPAIGNS_IMPORT_STALE_AFTER")
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):  # the environment's "https://a.example, https://b.example"
            return [origin for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        return [origin_of(origin) for origin in origins]

    @model_validator(mode="after")
    def _resolve_switches(self) -> Self:
        # Decided once, from the credentials the operator gave: sandbox mode later copies
        # these settings with its emulator's credentials, which must not switch them off.
        if self.graphiql is None:
            self.graphiql = self.sandbox
        if self.introspection is None:
            self.introspection = self.sandbox
        return self

    @model_validator(mode="after")
    def _metrics_token_given(self) -> Self:
        if self.metrics == "bearer" and not (
            self.metrics_token and self.metrics_token.get_secret_value()
        ):
            raise ValueError("CAMPAIGNS_METRICS=bearer needs CAMPAIGNS_METRICS_TOKEN")
        return self

    @property
    def platform_sender(self) -> str:
        """The platform's WhatsApp sender: a Messaging Service, else a number ("" if none)."""
        return self.twilio_messaging_service_sid or self.twilio_whatsapp_from or ""

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
