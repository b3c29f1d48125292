"""Limits on request bodies, enforced before a body is read whole: size and time.

A declared `Content-Length` over the limit is refused at once; a body without one
(chunked) is counted as it streams in and refused as soon as it passes the limit. A body
that has not arrived whole within `timeout` seconds of the application asking for it (a
client trickling it byte by byte to hold a connection) is refused too. The refusals are
a 413 or a 408 with a GraphQL-shaped JSON body, so GraphQL clients can show them, and
close the connection.

A multipart/form-data body (a file upload: importContacts) has limits of its own, larger
(CAMPAIGNS_MAX_IMPORT_BYTES, CAMPAIGNS_IMPORT_BODY_TIMEOUT): Starlette spools the file to
disk as it arrives, so its size costs no memory.
"""

import asyncio
import json
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


@dataclass(frozen=True)
class UploadLimit:
    max_bytes: int
    timeout: float


@dataclass(frozen=True)
class _Limit:
    max_bytes: int
    timeout: float
    setting: str  # named in the refusal
    timeout_setting: str


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        timeout: float = 30.0,
        uploads: UploadLimit | None = None,
    ) -> None:
        self.app = app
        self.limit = _Limit(
            max_bytes, timeout, "CAMPAIGNS_MAX_BODY_BYTES", "CAMPAIGNS_BODY_TIMEOUT"
        )
        upload = uploads or UploadLimit(max_bytes, timeout)
        self.upload_limit = _Limit(
            upload.max_bytes,
            upload.timeout,
            "CAMPAIGNS_MAX_IMPORT_BYTES",
            "CAMPAIGNS_IMPORT_BODY_TIMEOUT",
        )

    def _limit_of(self, headers: dict[bytes, bytes]) -> _Limit:
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        return self.upload_limit if content_type == b"multipart/form-data" else self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        limit = self._limit_of(headers)
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit.max_bytes:
            await self._refuse(send, limit)
            return
        received = 0
        started = complete = False
        deadline: float | None = None

        async def counting_receive() -> Message:
            nonlocal received, complete, deadline
            if complete:  # after the body: waiting for a disconnect is not reading it
                return await receive()
            deadline = deadline or asyncio.get_running_loop().time() + limit.timeout
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > limit.max_bytes:
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
                await self._refuse(send, limit)
        except BodyTooSlow:
            if not started:
                message = (
                    f"The request body did not arrive within {limit.timeout:g} seconds "
                    f"({limit.timeout_setting})."
                )
                await _refuse(send, 408, "REQUEST_TIMEOUT", message)

    async def _refuse(self, send: Send, limit: _Limit) -> None:
        message = f"The request body is larger than {limit.max_bytes} bytes ({limit.setting})."
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
