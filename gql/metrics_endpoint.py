"""`/metrics`: Prometheus' text format through prometheus-client, behind a setting:
off (404, as if there were none), open, or bearer (the token in CAMPAIGNS_METRICS_TOKEN).

With PROMETHEUS_MULTIPROC_DIR set, several server processes on one host write their
values there and any one of them answers for all (prometheus-client's multiprocess mode)."""

import hmac
import os
from collections.abc import Awaitable, Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gql.token_gate import bearer_token
from jobs.metrics_snapshot import refresh_gauges
from jobs.runtime import Runtime

Endpoint = Callable[[Request], Awaitable[Response]]


def metrics_endpoint(runtime: Runtime) -> Endpoint:
    settings = runtime.settings
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else ""

    async def endpoint(request: Request) -> Response:
        if settings.metrics == "off":
            return JSONResponse({"error": "Not Found"}, status_code=404)
        if settings.metrics == "bearer":
            given = bearer_token(request.headers.get("authorization")) or ""
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return JSONResponse(
                    {"error": "/metrics needs the bearer token of CAMPAIGNS_METRICS_TOKEN"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
        await refresh_gauges(runtime.db, runtime.jobs_db)
        return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)

    return endpoint


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry
