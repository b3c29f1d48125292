"""Twilio webhooks in the metrics: each endpoint counted by kind and outcome, and timed.
The outcome is read off the answer: 2xx applied, 4xx refused (a bad signature or form),
5xx or an exception failed (ours to fix)."""

import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from services.telemetry import metrics

Endpoint = Callable[[Request], Awaitable[Response]]


def observed(kind: str, endpoint: Endpoint) -> Endpoint:
    async def observed_endpoint(request: Request) -> Response:
        started = time.perf_counter()
        outcome = "failed"
        try:
            response = await endpoint(request)
            outcome = _outcome(response.status_code)
            return response
        finally:
            metrics.webhook_requests.labels(kind, outcome).inc()
            metrics.webhook_duration.labels(kind).observe(time.perf_counter() - started)

    return observed_endpoint


def _outcome(status_code: int) -> str:
    if status_code < 400:
        return "applied"
    return "refused" if status_code < 500 else "failed"
