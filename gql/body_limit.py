"""Limits on request bodies, enforced before a body is read whole: size and time.

A declared `Content-Length` over the limit is refused at once; a body without one
(chunked) is counted as it streams in and refused as soon as it passes the limit. A body
that has not arrived whole within `timeout` seconds of the application asking for it (a
client trickling it byte by byte to hold a connection) is refused too. The refusals are
a 413 or a 408 with a GraphQL-shaped JSON body, so GraphQL clients can show them, and
close the connection.
"""

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = complete = False
        deadline: float | None = None

        async def counting_receive() -> Message:
            nonlocal received, complete, deadline
            if complete:  # after the body: waiting for a disconnect is not reading it
                return await receive()
            deadline = deadline or asyncio.get_running_loop().time() + self.timeout
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)
        except BodyTooSlow:
            if not started:
                message = (
                    f"The request body did not arrive within {self.timeout:g} seconds "
                    "(CAMPAIGNS_BODY_TIMEOUT)."
                )
                await _refuse(send, 408, "REQUEST_TIMEOUT", message)

    async def _refuse(self, send: Send) -> None:
        message = (
            f"The request body is larger than {self.max_bytes} bytes (CAMPAIGNS_MAX_BODY_BYTES)."
        )
        await _refuse(send, 413, "REQUEST_TOO_LARGE", message)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
