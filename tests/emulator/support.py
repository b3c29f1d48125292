"""Helpers shared by the emulator tests: SDK calls that several tests make."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList
from twilio.rest.content.v1.content.approval_create import ApprovalCreateList

SENDER = "whatsapp:+15550001111"
GREETING = "Hello {{1}}, your order {{2}} is ready for pickup at our store today"


async def create_text(
    twilio: Client, body: str = GREETING, variables: dict[str, str] | None = None
) -> Any:
    request = ContentList.ContentCreateRequest(
        {
            "friendly_name": "greeting",
            "language": "en",
            "variables": {"1": "Ana", "2": "A-1"} if variables is None else variables,
            "types": {"twilio/text": {"body": body}},
        }
    )
    return await twilio.content.v1.contents.create_async(request)


async def submit(twilio: Client, sid: str, name: str, category: str = "UTILITY") -> Any:
    request = ApprovalCreateList.ContentApprovalRequest({"name": name, "category": category})
    return await twilio.content.v1.contents(sid).approval_create.create_async(request)


async def approval_status(twilio: Client, sid: str) -> dict[str, Any]:
    fetched = await twilio.content.v1.contents(sid).approval_fetch().fetch_async()
    whatsapp: dict[str, Any] = fetched.whatsapp
    return whatsapp


async def wait_for_status(
    twilio: Client, sid: str, *final: str, within: float = 5.0
) -> dict[str, Any]:
    """Poll the approval as a server would, until it reaches one of `final`."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        whatsapp = await approval_status(twilio, sid)
        if whatsapp["status"] in final:
            return whatsapp
        assert asyncio.get_running_loop().time() < deadline, whatsapp
        await asyncio.sleep(0.02)


async def approved_content(twilio: Client, name: str = "order_ready") -> str:
    content = await create_text(twilio)
    await submit(twilio, content.sid, name)
    await wait_for_status(twilio, content.sid, "approved")
    sid: str = content.sid
    return sid


async def send(
    twilio: Client, to: str, content_sid: str, callback: str | None = None, **extra: Any
) -> Any:
    return await twilio.messages.create_async(
        to=to,
        from_=extra.pop("from_", SENDER),
        content_sid=content_sid,
        content_variables=json.dumps(extra.pop("variables", {"1": "Bob", "2": "B-2"})),
        status_callback=callback,
        **extra,
    )
