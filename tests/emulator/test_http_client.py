"""The SDK-side HTTP clients: URL rewriting, Retry-After, and the async JSON body fix."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.twilio.http_client import AsyncRewritingHttpClient, retry_after_seconds, rewrite_url
from tests.support import serve

BASE = "http://127.0.0.1:4010"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://content.twilio.com/v1/Content", f"{BASE}/v1/Content"),
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=x&Page=1",
            f"{BASE}/2010-04-01/Accounts/AC1/Messages.json?To=x&Page=1",
        ),
        ("https://events.us1.twilio.com/v1/Sinks", f"{BASE}/v1/Sinks"),
        ("https://api.twilio.com", BASE),
        ("https://example.com/v1/Content", "https://example.com/v1/Content"),
        ("https://api.twilio.com.evil.com/x", "https://api.twilio.com.evil.com/x"),
        ("http://api.twilio.com/x", "http://api.twilio.com/x"),
    ],
)
def test_rewrite_url(url: str, expected: str) -> None:
    assert rewrite_url(url, BASE + "/") == expected
    assert rewrite_url(url, None) == url


def test_retry_after_seconds() -> None:
    assert retry_after_seconds({"Retry-After": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "-1"}) == 0.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = retry_after_seconds({"Retry-After": later})
    assert seconds is not None and 25 < seconds <= 30
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None and retry_after_seconds(None) is None


async def test_async_client_sends_json_bodies_as_json_and_lists_as_repeated_fields() -> None:
    seen: list[dict[str, Any]] = []

    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        seen.append(
            {
                "type": request.headers.get("content-type"),
                "body": body.decode(),
                "auth": request.headers.get("authorization"),
            }
        )
        return JSONResponse({}, headers={"Retry-After": "4"})

    app = Starlette(routes=[Route("/{p:path}", echo, methods=["POST"])])
    client = AsyncRewritingHttpClient(None)
    async with serve(app) as url:
        client.base_url = url
        nested = {"language": "en", "types": {"twilio/text": {"body": "Hi"}}}
        await client.request(
            "POST",
            "https://content.twilio.com/v1/Content",
            data=nested,
            headers={"Content-Type": "application/json"},
            auth=("AC1", "t"),
        )
        await client.request(
            "POST",
            "https://api.twilio.com/x",
            data={"MediaUrl": ["a", "b"], "To": "y"},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        await client.close()
    assert seen[0]["type"] == "application/json" and json.loads(seen[0]["body"]) == nested
    assert seen[0]["auth"] == "Basic QUMxOnQ="
    assert seen[1]["body"] == "MediaUrl=a&MediaUrl=b&To=y"
    assert client.retry_after() == 4.0
