"""Gives every HTTP request and WebSocket connection a request id (services/telemetry):
the client's `X-Request-Id` when sane, else Twilio's idempotency token on a webhook, else
a new one. It is current while the request is handled, so every log line written for it
carries it, and it is sent back as `X-Request-Id`."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.telemetry.request_ids import HEADER, accepted, set_current

# Twilio sends one per webhook attempt; its retries of one event share it.
_TWILIO_TOKEN = "i-twilio-idempotency-token"


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = accepted(headers.get(HEADER) or headers.get(_TWILIO_TOKEN))
        set_current(request_id)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
