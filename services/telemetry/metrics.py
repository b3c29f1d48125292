"""Every metric the server exposes at /metrics, through the official prometheus-client.

Names follow Prometheus' conventions: a `campaigns_` prefix, `_total` on counters,
`_seconds` in base units. Label values are bounded: outcomes, operations, reasons and
error codes come from fixed lists, never phone numbers, ids or anything a client types
(an unknown value is counted as "other").

Several server processes on one host share the values when PROMETHEUS_MULTIPROC_DIR
names a directory (prometheus-client's multiprocess mode): then each process's /metrics
answers for all of them. Gauges say how they are combined across processes.
"""

import os
from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram, multiprocess

OTHER = "other"
# Latencies of calls and requests, from a fast local round trip to a slow Twilio call.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def bounded(value: str | None, allowed: Iterable[str]) -> str:
    """`value` when it is one of `allowed`, else "other": a label never takes a value
    from outside a fixed list."""
    return value if value is not None and value in frozenset(allowed) else OTHER


messages = Counter(
    "campaigns_messages_total",
    "Outbound messages by outcome: accepted by Twilio at create, refused (Twilio refused "
    "the create, or the message could not be prepared), skipped before sending, or a "
    "status Twilio reported later (sent, delivered, read, failed, undelivered).",
    ["outcome"],
)
message_failures = Counter(
    "campaigns_message_failures_total",
    "Messages failed or undelivered, by Twilio error code (a code outside Twilio's "
    "documented WhatsApp codes is 'other').",
    ["error_code"],
)
messages_skipped = Counter(
    "campaigns_messages_skipped_total",
    "Ledger rows skipped before sending, by reason.",
    ["reason"],
)
ledger_rows = Gauge(
    "campaigns_ledger_rows",
    "Ledger rows of running sends, by state (pending: queued; sending: in flight). Read "
    "from the database at each scrape.",
    ["state"],
    multiprocess_mode="mostrecent",
)
sends = Gauge(
    "campaigns_sends",
    "Bulk sends by status (scheduled, running, paused). Read from the database at each scrape.",
    ["status"],
    multiprocess_mode="mostrecent",
)
twilio_requests = Counter(
    "campaigns_twilio_requests_total",
    "Calls to Twilio's API by operation and HTTP status code ('error': no response).",
    ["operation", "status_code"],
)
twilio_request_duration = Histogram(
    "campaigns_twilio_request_duration_seconds",
    "Latency of calls to Twilio's API, by operation.",
    ["operation"],
    buckets=_LATENCY,
)
twilio_rate_limited = Counter(
    "campaigns_twilio_rate_limited_total",
    "Twilio answers of 429 Too Many Requests, by operation.",
    ["operation"],
)
rate_limit_wait = Histogram(
    "campaigns_rate_limit_wait_seconds",
    "How long a message waited for its sender's rate limit before going out.",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
webhook_requests = Counter(
    "campaigns_webhook_requests_total",
    "Twilio webhooks received, by kind (status, inbound, event) and outcome (applied, "
    "refused: bad signature or form, failed: our error).",
    ["kind", "outcome"],
)
webhook_duration = Histogram(
    "campaigns_webhook_duration_seconds",
    "Time to answer a Twilio webhook, by kind.",
    ["kind"],
    buckets=_LATENCY,
)
callback_to_subscriber = Histogram(
    "campaigns_callback_to_subscriber_seconds",
    "From a status callback's arrival to its event reaching a subscriber's WebSocket.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
graphql_operations = Counter(
    "campaigns_graphql_operations_total",
    "GraphQL operations by root field (the schema's names, so bounded) and outcome (ok, "
    "user_error: a payload with errors, error: a GraphQL error, e.g. invalid or refused).",
    ["operation", "outcome"],
)
graphql_duration = Histogram(
    "campaigns_graphql_duration_seconds",
    "Time to execute a GraphQL query or mutation, by root field.",
    ["operation"],
    buckets=_LATENCY,
)
websocket_connections = Gauge(
    "campaigns_websocket_connections",
    "Open GraphQL WebSocket connections.",
    multiprocess_mode="livesum",
)
subscriptions = Gauge(
    "campaigns_subscriptions",
    "Active GraphQL subscriptions.",
    multiprocess_mode="livesum",
)
db_pool_connections = Gauge(
    "campaigns_db_pool_connections",
    "Database connections of each pool (requests, reads, jobs) by state (in_use, idle).",
    ["pool", "state"],
    multiprocess_mode="livesum",
)
event_bus_reconnects = Counter(
    "campaigns_event_bus_reconnects_total",
    "Times the event bus's LISTEN connection was re-established after a loss.",
)
event_loop_lag = Histogram(
    "campaigns_event_loop_lag_seconds",
    "How late the event loop ran a timer: time the jobs and requests waited for the CPU.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)


def forget_this_process() -> None:
    """In multiprocess mode, drop this process's live gauges (open WebSockets, pools) when
    it stops, as prometheus-client asks of a process that exits; its counters stay."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
