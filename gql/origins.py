"""Which browser pages on other origins may use the API (CAMPAIGNS_CORS_ORIGINS): CORS
over HTTP, and the same list for WebSocket handshakes.

CORS does not apply to WebSockets: a browser opens one to any origin and sends the page's
`Origin` with the handshake, leaving the check to the server. Strawberry's view makes it
(`allowed_origins`): no `Origin` (a program, not a page) and the server's own origin are
let through, others only when listed. Its refusal closes the socket before accepting it,
which the server answers with a bare 403; `refuse_websocket` says why where it can.
"""

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket

# What the frontend sends (the bearer token and JSON bodies) and may read (how long to
# wait after a refusal). No cookies are used, so credentials stay off.
CORS_HEADERS = ["Authorization", "Content-Type", "X-Request-Id"]
CORS_EXPOSED_HEADERS = ["Retry-After", "X-Request-Id"]
# The ASGI extension that lets an application answer a handshake with an HTTP response.
DENIAL_RESPONSE = "websocket.http.response"


def cors_middleware(allowed: Sequence[str]) -> Middleware:
    return Middleware(
        CORSMiddleware,
        allow_origins=list(allowed),
        allow_methods=["GET", "POST"],
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSED_HEADERS,
        max_age=600,
    )


async def refuse_websocket(websocket: WebSocket) -> bool:
    """Answer the handshake with 403 and a reason; False when the server cannot."""
    if DENIAL_RESPONSE not in websocket.scope.get("extensions", {}):
        return False
    reason = (
        f"Origin {websocket.headers.get('origin')} may not open a WebSocket here; "
        "allowed origins are set by CAMPAIGNS_CORS_ORIGINS.\n"
    )
    await websocket.send_denial_response(PlainTextResponse(reason, status_code=403))
    return True
