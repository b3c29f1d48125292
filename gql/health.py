"""The operator's endpoints: /healthz (liveness: the process and its database answer),
/readyz (readiness: jobs/readiness.py) and /metrics (gql/metrics_endpoint.py)."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gql.metrics_endpoint import metrics_endpoint
from jobs.runtime import Runtime


def operating_routes(runtime: Runtime) -> list[Route]:
    async def healthz(_: Request) -> Response:
        if await runtime.db.ping():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    async def readyz(_: Request) -> Response:
        state = await runtime.readiness()
        if state.ready:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready", "problems": state.problems}, 503)

    return [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint(runtime), methods=["GET"]),
    ]
