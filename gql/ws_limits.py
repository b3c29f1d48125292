"""graphql-transport-ws with the per-token limits of HTTP.

The token arrives in `connection_init` (or the handshake's Authorization header). Before
the connection is acknowledged it is identified (failed attempts count against the
client's address) and counted against its token's WebSocket connections; each
`subscribe` counts against the token's active subscriptions and its request rate.

Refusals are coded: a connection over a limit is closed with 4429 and a reason starting
with the code (`TOO_MANY_CONNECTIONS: …`, `TOO_MANY_AUTH_FAILURES: …`); a subscription
over a limit gets an `error` message whose error has `extensions.code`
(`TOO_MANY_SUBSCRIPTIONS`, `RATE_LIMITED`) and `extensions.retryAfter`, and the
connection stays open. Revoking a token closes its connections (4403, `TOKEN_REVOKED`).
"""

import asyncio
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    SubscribeMessage,
)

from gql.context import Context
from gql.token_gate import bearer_token, client_address
from jobs.access import AccessControl, Refusal
from jobs.token_cache import Principal
from services.events.bus import EventBus
from services.events.messages import Event, TokenRevoked
from services.telemetry import metrics

OVER_LIMIT = 4429  # the protocol's "too many" close code
REVOKED = 4403  # the protocol's "forbidden"


class OpenConnections:
    """The authenticated WebSockets of this process by token, so that revoking a token
    also ends the subscriptions it opened (close 4403, reason `TOKEN_REVOKED`)."""

    def __init__(self, bus: EventBus) -> None:
        self.by_token: dict[int, set[BaseGraphQLTransportWSHandler[Context, None]]] = {}
        self._closing: set[asyncio.Task[None]] = set()
        bus.watchers.append(self)

    def on_event(self, event: Event) -> None:
        if isinstance(event, TokenRevoked):
            for handler in self.by_token.pop(event.token_id, set()):
                task = asyncio.create_task(handler.websocket.close(REVOKED, "TOKEN_REVOKED"))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    def on_listening(self) -> None:
        # A revocation sent while LISTEN was down does not reach connections opened before
        # it (requests and new connections are refused, as the token cache starts afresh).
        pass


class LimitedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    principal: Principal | None = None
    # Operations holding one of the token's subscription places. A place is given back
    # as soon as the client completes the operation (its task ends a little later), or
    # when the task ends by itself.
    _holding: set[str] | None = None

    @property
    def access(self) -> AccessControl:
        return self.context.runtime.access

    @property
    def open_connections(self) -> OpenConnections:
        connections: OpenConnections = self.view.open_connections  # type: ignore[attr-defined]
        return connections

    async def handle(self) -> None:
        metrics.websocket_connections.inc()
        try:
            await super().handle()
        finally:
            metrics.websocket_connections.dec()
            if self.principal is not None:
                token_id = self.principal.token_id
                self.access.ws_connections.release(token_id)
                self.open_connections.by_token.get(token_id, set()).discard(self)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload") or {}
        if not self.connection_init_received and isinstance(payload, dict):
            refusal = await self._identify(payload)
            if refusal is not None:
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                reason = f"{refusal.code}: retry in {refusal.retry_after_seconds} s"
                await self.websocket.close(code=OVER_LIMIT, reason=reason)
                return
        await super().handle_connection_init(message)

    async def _identify(self, payload: dict[str, Any]) -> Refusal | None:
        ws: WebSocket = self.websocket.ws  # type: ignore[attr-defined]
        header = payload.get("Authorization", payload.get("authorization"))
        secret = bearer_token(header) or bearer_token(ws.headers.get("authorization"))
        if secret is None:
            return None  # acknowledged; every subscription answers UNAUTHENTICATED
        principal = await self.access.identify(secret, client_address(ws.scope))
        if principal is None or isinstance(principal, Refusal):
            return principal
        if not self.access.ws_connections.acquire(principal.token_id):
            limit = self.access.ws_connections.limit
            return Refusal("TOO_MANY_CONNECTIONS", f"over {limit} per token", 1.0)
        self.principal = principal
        self.open_connections.by_token.setdefault(principal.token_id, set()).add(self)
        self.context.merchant = principal.merchant
        self.context.token_id = principal.token_id
        return None

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        principal = self.principal
        if (
            principal is None
            or not self.connection_acknowledged
            or message["id"] in self.operations
        ):
            await super().handle_subscribe(message)  # strawberry's own answers
            return
        refusal = await self._admit_operation(principal)
        if refusal is not None:
            extensions = {"code": refusal.code, "retryAfter": refusal.retry_after_seconds}
            error = GraphQLError(refusal.message, extensions=extensions)
            await self.send_message(
                ErrorMessage(id=message["id"], type="error", payload=[error.formatted])
            )
            return
        await super().handle_subscribe(message)
        operation_id = message["id"]
        operation = self.operations.get(operation_id)
        holding = self._holding = self._holding if self._holding is not None else set()
        holding.add(operation_id)
        metrics.subscriptions.inc()
        if operation is not None and operation.task is not None:
            operation.task.add_done_callback(lambda _: self._give_back(operation_id))
        else:
            self._give_back(operation_id)

    async def cleanup_operation(self, operation_id: str) -> None:
        self._give_back(operation_id)
        await super().cleanup_operation(operation_id)

    def _give_back(self, operation_id: str) -> None:
        if self._holding and operation_id in self._holding and self.principal is not None:
            self._holding.discard(operation_id)
            self.access.ws_subscriptions.release(self.principal.token_id)
            metrics.subscriptions.dec()

    async def _admit_operation(self, principal: Principal) -> Refusal | None:
        subscriptions = self.access.ws_subscriptions
        if not subscriptions.acquire(principal.token_id):
            return Refusal(
                "TOO_MANY_SUBSCRIPTIONS",
                f"This token already has {subscriptions.limit} active subscriptions "
                "(CAMPAIGNS_WS_SUBSCRIPTIONS_PER_TOKEN); complete one first.",
                1.0,
            )
        refusal = await self.access.throttle(principal)
        if refusal is not None:
            subscriptions.release(principal.token_id)
        return refusal
