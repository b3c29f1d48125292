"""The ASGI application: GraphQL (HTTP and WebSocket) at /graphql, and /healthz."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from db.database import Database
from gql.context import Context
from gql.http import GraphQLView
from gql.schema import schema
from services.merchants.service import authenticate
from services.settings import Settings


def bearer_token(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GraphQLApp(GraphQLView[Context, None]):
    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        )
        self.db = db
        self.settings = settings

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(self.db, self.settings, await self._merchant(request))

    async def _merchant(self, connection: HTTPConnection) -> Any:
        token = bearer_token(connection.headers.get("authorization"))
        if token is None:
            return None
        async with self.db.session() as session:
            return await authenticate(session, token)


def create_app(db: Database, settings: Settings) -> Starlette:
    graphql = GraphQLApp(db, settings)

    async def healthz(_: Request) -> Response:
        if await db.ping():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "database unavailable"}, status_code=503)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await db.dispose()

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
