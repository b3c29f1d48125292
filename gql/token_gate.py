"""Authentication and per-token limits for GraphQL over HTTP, before any GraphQL work.

A request with a bearer token is identified (from the per-process token cache), then
admitted against its token's requests in flight and rate; a refusal is a 429 with
`Retry-After` and a GraphQL-shaped body whose `extensions.code` says which limit. The
principal travels to `get_context` in the ASGI scope's state. Requests without a token
go through untouched (every field then answers UNAUTHENTICATED, reading nothing).
WebSockets are checked by the graphql-transport-ws handler (gql/ws_limits.py), where the
token arrives.
"""

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from jobs.access import AccessControl, Refusal

PRINCIPAL = "campaigns.principal"


def bearer_token(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def client_address(scope: Scope) -> str:
    # uvicorn has already applied X-Forwarded-For from trusted proxies (its
    # --forwarded-allow-ips), so this is the client's address, not the proxy's.
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class TokenGate:
    def __init__(self, app: ASGIApp, access: AccessControl) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secret = bearer_token(Headers(scope=scope).get("authorization"))
        if scope["type"] != "http" or secret is None:
            await self.app(scope, receive, send)
            return
        principal = await self.access.identify(secret, client_address(scope))
        if isinstance(principal, Refusal):
            await refuse(send, principal)
            return
        if principal is None:
            await self.app(scope, receive, send)
            return
        refusal = await self.access.enter(principal)
        if refusal is not None:
            await refuse(send, refusal)
            return
        scope.setdefault("state", {})[PRINCIPAL] = principal
        try:
            await self.app(scope, receive, send)
        finally:
            self.access.leave(principal)


async def refuse(send: Send, refusal: Refusal) -> None:
    extensions = {"code": refusal.code, "retryAfter": refusal.retry_after_seconds}
    body = json.dumps({"errors": [{"message": refusal.message, "extensions": extensions}]})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(refusal.retry_after_seconds).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body.encode()})
