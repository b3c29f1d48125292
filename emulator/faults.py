"""Fault knobs, applied to the Twilio API (never to the admin API):

- `latency_ms`: every request waits that long before anything else.
- `throttle_rate`: that share of requests gets 429 / 20429 with `Retry-After: retry_after`.
- `error_rate`: that share gets 500 / 20500 or 503 / 20503. On a Messages create, half of
  them come *after* the message was created, so a 5xx is truly in doubt.
- `content_api_limits`: Twilio's per-account Content API limits, 100 requests a second for
  create, fetch and delete, 20 for lists; over them, 429 / 20429.
- `timeout_rate`: that share of Messages creates creates the message, then either holds the
  answer back for `timeout_seconds` (`timeout_mode: delay`, longer than a client timeout)
  or sends half of it and closes the connection (`timeout_mode: drop`).
"""

from __future__ import annotations

import asyncio
from collections import deque

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from emulator.core import Emulator
from emulator.errors import TwilioError


def throttled(emulator: Emulator) -> TwilioError | None:
    if not emulator.chance(emulator.knobs.throttle_rate):
        return None
    headers = {"Retry-After": str(emulator.knobs.retry_after)}
    return TwilioError(429, 20429, "Too Many Requests", headers, fault="throttle")


# Requests per second each Content API operation class allows (facts sheet).
CONTENT_LIMITS = {"ListContent": 20, "ListContentAndApprovals": 20}
CONTENT_DEFAULT_LIMIT = 100


def over_content_limit(
    emulator: Emulator, operation_id: str, server: str, account_sid: str
) -> TwilioError | None:
    """The Content API's limits, per account: two accounts' calls do not add up."""
    if not emulator.knobs.content_api_limits or "content." not in server:
        return None
    limit = CONTENT_LIMITS.get(operation_id, CONTENT_DEFAULT_LIMIT)
    kind = "list" if operation_id in CONTENT_LIMITS else "other"
    clock = asyncio.get_running_loop().time()
    window = emulator.state.content_calls.setdefault((account_sid, kind), deque())
    while window and clock - window[0] >= 1.0:
        window.popleft()
    if len(window) >= limit:
        headers = {"Retry-After": "1"}
        message = "Too Many Requests: Content API rate limit"
        return TwilioError(429, 20429, message, headers, fault="content_rate_limit")
    window.append(clock)
    return None


def server_error(emulator: Emulator) -> TwilioError:
    status = emulator.rng.choice((500, 503))
    return TwilioError(status, 20500 if status == 500 else 20503, fault="error")


class HeldResponse(Response):
    """Answers after `hold` seconds, or never when the client gives up first: a timeout on
    the client's side, while the emulator does not keep a task busy for nothing."""

    def __init__(self, inner: Response, hold: float) -> None:
        super().__init__(status_code=inner.status_code)
        self.inner = inner
        self.hold = hold

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.wait_for(_disconnect(receive), self.hold)
        except TimeoutError:
            await self.inner(scope, receive, send)


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class DroppedResponse(Response):
    """Sends the head and half of the body, then returns: uvicorn closes the connection on
    an incomplete response, and the client sees a dropped connection mid-answer."""

    def __init__(self, inner: Response) -> None:
        super().__init__(status_code=inner.status_code)
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytes(self.inner.body)
        await send(
            {
                "type": "http.response.start",
                "status": self.inner.status_code,
                "headers": self.inner.raw_headers,
            }
        )
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )


def timed_out(emulator: Emulator, response: Response) -> Response | None:
    if not emulator.chance(emulator.knobs.timeout_rate):
        return None
    if emulator.knobs.timeout_mode == "drop":
        return DroppedResponse(response)
    return HeldResponse(response, emulator.knobs.timeout_seconds)
