"""The ASGI application: GraphQL (HTTP and WebSocket) and GraphiQL at /graphql, and /healthz."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from db.models import Merchant
from gql.body_limit import BodySizeLimit
from gql.context import Context
from gql.graphiql import graphiql_assets, graphiql_page
from gql.http import GraphQLView
from gql.links import tracked_link_endpoint
from gql.origins import cors_middleware, refuse_websocket
from gql.schema import schema
from gql.webhooks.twilio_events import twilio_events_endpoint
from gql.webhooks.twilio_messages import (
    twilio_inbound_message_endpoint,
    twilio_message_status_endpoint,
)
from services.merchants.service import authenticate
from services.runtime import Runtime


def bearer_token(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GraphQLApp(GraphQLView[Context, None]):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            schema,
            # Off, strawberry answers a browser's GET of /graphql with 404.
            graphql_ide="graphiql" if runtime.settings.graphiql else None,
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
            # Pages on these origins may subscribe; the server's own always may.
            allowed_origins=runtime.settings.cors_origins,
        )
        self.runtime = runtime

    async def reject_websocket(self, request: WebSocket) -> WebSocket:
        if not await refuse_websocket(request):
            await super().reject_websocket(request)
        return request

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return graphiql_page(request)  # served offline, subscriptions over WebSocket

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        merchant = await self._merchant(request.headers.get("authorization"))
        return Context(self.runtime, merchant)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # graphql-transport-ws carries the token in the connection_init payload; without a
        # valid one the connection stays open and every subscription is UNAUTHENTICATED.
        params = context.connection_params or {}
        header = params.get("Authorization", params.get("authorization"))
        if context.merchant is None:
            context.merchant = await self._merchant(header)
        return await super().on_ws_connect(context)

    async def _merchant(self, authorization: object) -> Merchant | None:
        token = bearer_token(authorization)
        if token is None:
            return None
        async with self.runtime.db.session() as session:
            return await authenticate(session, token)


def create_app(runtime: Runtime) -> Starlette:
    graphql = GraphQLApp(runtime)
    db = runtime.db
    settings = runtime.settings

    async def healthz(_: Request) -> Response:
        if await db.ping():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

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
            Route("/healthz", healthz),
            Route("/webhooks/twilio/events", twilio_events_endpoint(runtime), methods=["POST"]),
            Route("/r/{token}", tracked_link_endpoint(runtime), methods=["GET", "HEAD"]),
            Route(
                "/webhooks/twilio/messages/status",
                twilio_message_status_endpoint(runtime),
                methods=["POST"],
            ),
            Route(
                "/webhooks/twilio/messages/inbound",
                twilio_inbound_message_endpoint(runtime),
                methods=["POST"],
            ),
        ],
        lifespan=lifespan,
        middleware=[
            # Outermost, so that refusals (413 included) reach the other origin's page too.
            cors_middleware(settings.cors_origins),
            # Inside Starlette's error middleware, so a refused body is not logged as an error.
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
        ],
        exception_handlers={ClientDisconnect: client_went_away},
    )


async def client_went_away(_: Request, __: Exception) -> Response:
    # The client closed the connection before sending its whole body: nobody is there to
    # read an answer, and it is not a server error worth a traceback.
    return Response(status_code=400)
