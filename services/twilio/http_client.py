"""HTTP clients for the official twilio SDK that can send it to another base URL.

Give one to `twilio.rest.Client(sid, token, http_client=...)`. With a `base_url`, every
`https://*.twilio.com` URL the SDK asks for (content.twilio.com, api.twilio.com, and the
absolute `next_page_url` links it follows when paging) goes to that base URL instead, path
and query kept; without one, requests go to Twilio unchanged. The server code only ever
sets a base URL: it does not know what answers there.

Both keep the headers of the last response (`last_response_headers`, `retry_after()`),
since `TwilioRestException` carries no headers and a 429's `Retry-After` is needed to back
off. The value is per asyncio task / thread context, so concurrent sends don't read each
other's headers.

The async client also mends twilio-python issue 932: the SDK's `AsyncTwilioHttpClient`
form-encodes every body, JSON ones too, so async Content API calls fail on real Twilio.
Here a body whose Content-Type the SDK set to `application/json` is sent as JSON, as the
sync client does; list values in form bodies (MediaUrl) are sent as repeated fields.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from services.telemetry.twilio_calls import timed_call

TWILIO_URL = re.compile(r"^https://(?:[A-Za-z0-9-]+\.)*twilio\.com(?=[/?#]|$)", re.IGNORECASE)
JSON_TYPES = ("application/json", "application/scim+json")


def rewrite_url(url: str, base_url: str | None) -> str:
    """`https://content.twilio.com/v1/Content?x=1` -> `<base_url>/v1/Content?x=1`."""
    if not base_url:
        return url
    match = TWILIO_URL.match(url)
    return url if match is None else base_url.rstrip("/") + url[match.end() :]


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Retry-After as seconds: it may be a number of seconds or an HTTP date."""
    if not headers:
        return None
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


class _LastHeaders:
    """The last response's headers, per context (asyncio task or thread)."""

    def __init__(self) -> None:
        self._last: ContextVar[dict[str, str] | None] = ContextVar(
            f"twilio_last_headers_{id(self)}", default=None
        )

    @property
    def last_response_headers(self) -> dict[str, str]:
        """Lower-case names."""
        return self._last.get() or {}

    def retry_after(self) -> float | None:
        return retry_after_seconds(self._last.get())

    def _keep(self, headers: Any) -> None:
        self._last.set({str(k).lower(): str(v) for k, v in (headers or {}).items()})


# twilio ships no type information, so its classes are `Any` to mypy.
class RewritingHttpClient(TwilioHttpClient, _LastHeaders):  # type: ignore[misc]
    """The SDK's sync (requests) client, sent to `base_url` when one is given."""

    def __init__(self, base_url: str | None = None, *, timeout: float | None = None) -> None:
        TwilioHttpClient.__init__(self, timeout=timeout)
        _LastHeaders.__init__(self)
        self.base_url = base_url

    def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self._keep(None)  # a request that raises leaves no stale headers behind
        response: Response = super().request(
            method,
            rewrite_url(url, self.base_url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )
        self._keep(response.headers)
        return response


IDLE_CONNECTION_SECONDS = 4.0


class AsyncRewritingHttpClient(AsyncTwilioHttpClient, _LastHeaders):  # type: ignore[misc]
    """The SDK's async (aiohttp) client, sent to `base_url`, JSON bodies sent as JSON."""

    def __init__(self, base_url: str | None = None, *, timeout: float | None = None) -> None:
        # pool_connections=False: the parent would open an aiohttp session here, outside any
        # event loop; ours is opened on the first request, in the loop that uses it.
        AsyncTwilioHttpClient.__init__(self, pool_connections=False, timeout=timeout)
        _LastHeaders.__init__(self)
        self.base_url = base_url
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self,
        method: str,
        url: str,
        params: Mapping[str, object] | None = None,
        data: Mapping[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the SDK's signature
        allow_redirects: bool = False,
    ) -> Response:
        if timeout is not None and timeout <= 0:
            raise ValueError(timeout)
        self._keep(None)  # a request that raises leaves no stale headers behind
        total = timeout if timeout is not None else self.timeout
        kwargs: dict[str, Any] = {
            "params": params,
            "headers": _with_basic_auth(headers, auth),
            "timeout": aiohttp.ClientTimeout(total=total),
            "allow_redirects": allow_redirects,
        }
        if headers and headers.get("Content-Type") in JSON_TYPES:
            kwargs["json"] = data  # the fix for twilio-python#932
        elif data:
            kwargs["data"] = _form_fields(data)
        if self._session is None or self._session.closed:
            # Idle connections are dropped before servers drop them (uvicorn and many
            # proxies after 5 s): a request on one the server just closed fails with
            # ServerDisconnectedError, which on a create means "in doubt".
            connector = aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS)
            self._session = aiohttp.ClientSession(connector=connector)
        target = rewrite_url(url, self.base_url)
        # The SDK formats its log lines before the logger decides to drop them.
        logging_on = self.logger.isEnabledFor(logging.INFO)
        if logging_on:
            self.log_request({"method": method.upper(), "url": target, **kwargs})
        with timed_call(method, target) as call:
            async with self._session.request(method.upper(), target, **kwargs) as raw:
                response = Response(raw.status, await raw.text(), raw.headers)
            call.answered(raw.status)
        if logging_on:
            self.log_response(response.status_code, response)
        self._keep(raw.headers)
        return response

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _with_basic_auth(
    headers: dict[str, str] | None, auth: tuple[str, str] | None
) -> dict[str, str] | None:
    """The Authorization header itself: aiohttp deprecates its `auth=` (BasicAuth)."""
    if auth is None:
        return headers
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    return {**(headers or {}), "Authorization": f"Basic {token}"}


def _form_fields(data: Mapping[str, object]) -> list[tuple[str, str]]:
    """A repeated field for each item of a list value, as requests encodes them."""
    fields: list[tuple[str, str]] = []
    for key, value in data.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            fields.append((key, str(item)))
    return fields
