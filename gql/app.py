"""The ASGI application: GraphQL (HTTP and WebSocket) and GraphiQL at /graphql, /healthz
(liveness), /readyz (readiness), the webhooks and the tracked links."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from gql.body_limit import BodySizeLimit, UploadLimit
from gql.context import Context
from gql.graphiql import graphiql_assets, graphiql_page
from gql.health import operating_routes
from gql.http import GraphQLView
from gql.links import tracked_link_endpoint
from gql.origins import cors_middleware, refuse_websocket
from gql.request_ids import RequestIds
from gql.schema import schema
from gql.send_page import send_page_routes
from gql.token_gate import PRINCIPAL, TokenGate
from gql.webhooks.observed import observed
from gql.webhooks.twilio_events import twilio_events_endpoint
from gql.webhooks.twilio_messages import (
    twilio_inbound_message_endpoint,
    twilio_message_status_endpoint,
)
from gql.ws_limits import LimitedTransportWSHandler, OpenConnections
from jobs.runtime import Runtime
from jobs.token_cache import Principal


class GraphQLApp(GraphQLView[Context, None]):
    graphql_transport_ws_handler_class = LimitedTransportWSHandler

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            schema,
            # Off, strawberry answers a browser's GET of /graphql with 404.
            graphql_ide="graphiql" if runtime.settings.graphiql else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            # Pages on these origins may subscribe; the server's own always may.
            allowed_origins=runtime.settings.cors_origins,
            # importContacts' file (GraphQL multipart request spec). Strawberry leaves this
            # off because a multipart POST is a "simple" cross-site request (no CORS
            # preflight) that a browser sends with the site's cookies; here every request
            # is authenticated by an Authorization header, which no other site's form or
            # script can add without a preflight we refuse (gql/origins.py).
            multipart_uploads_enabled=True,
        )
        self.runtime = runtime
        self.open_connections = OpenConnections(runtime.bus)

    async def reject_websocket(self, request: WebSocket) -> WebSocket:
        if not await refuse_websocket(request):
            await super().reject_websocket(request)
        return request

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql_page(request)  # served offline, subscriptions over WebSocket

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        # HTTP: TokenGate identified the token and admitted the request. WebSocket:
        # LimitedTransportWSHandler does both at connection_init.
        principal: Principal | None = request.scope.get("state", {}).get(PRINCIPAL)
        if principal is None:
            return Context(self.runtime, None)
        return Context(self.runtime, principal.merchant, principal.token_id)


def create_app(runtime: Runtime) -> Starlette:
    graphql = TokenGate(GraphQLApp(runtime), runtime.access)
    settings = runtime.settings

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runtime.start()
        yield
        await runtime.stop()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            *([graphiql_assets()] if settings.graphiql else []),
            *operating_routes(runtime),
            *send_page_routes(),
            Route("/r/{token}", tracked_link_endpoint(runtime), methods=["GET", "HEAD"]),
            *_webhook_routes(runtime),
        ],
        lifespan=lifespan,
        middleware=[
            # First, so that every line logged for a request, refusals included, has its id.
            Middleware(RequestIds),
            # Next, so that refusals (413 included) reach the other origin's page too.
            cors_middleware(settings.cors_origins),
            # Inside Starlette's error middleware, so a refused body is not logged as an error.
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_body_bytes,
                timeout=settings.body_timeout,
                uploads=UploadLimit(settings.max_import_bytes, settings.import_body_timeout),
            ),
        ],
        exception_handlers={ClientDisconnect: client_went_away},
    )


def _webhook_routes(runtime: Runtime) -> list[Route]:
    """Twilio's webhooks, each counted and timed by kind (gql/webhooks/observed.py)."""
    endpoints = {
        "/webhooks/twilio/events": ("event", twilio_events_endpoint(runtime)),
        "/webhooks/twilio/messages/status": ("status", twilio_message_status_endpoint(runtime)),
        "/webhooks/twilio/messages/inbound": ("inbound", twilio_inbound_message_endpoint(runtime)),
    }
    return [
        Route(path, observed(kind, endpoint), methods=["POST"])
        for path, (kind, endpoint) in endpoints.items()
    ]


async def client_went_away(_: Request, __: Exception) -> Response:
    # The client closed the connection before sending its whole body: nobody is there to
    # read an answer, and it is not a server error worth a traceback.
    return Response(status_code=400)
