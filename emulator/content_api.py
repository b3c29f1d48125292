"""Content API handlers: /v1/Content, /v1/Content/{Sid}, ApprovalRequests, ContentAndApprovals.

Contents belong to the account whose credentials created them (there is no account in
the path): each account sees, changes and submits only its own; another account's sid is
404 / 20404, as an unknown one. Lists are newest first. Every URL in an answer is on
https://content.twilio.com, as Twilio sends it: a client pointed at the emulator has to
rewrite them (next_page_url included)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response

from emulator import approvals
from emulator.core import Emulator
from emulator.errors import bad_request, not_found
from emulator.openapi import Validated
from emulator.paging import Page, paginate
from emulator.rules import CATEGORIES
from emulator.state import CONTENT_HOST, Content, new_sid, now

TWILIO_TEXT_MAX = 1600


def _content(emulator: Emulator, request: Validated, sid: str) -> Content:
    content = emulator.state.contents.get(sid)
    if content is None or content.account_sid != request.caller:
        raise not_found(f"/v1/Content/{sid}")
    return content


async def create_content(emulator: Emulator, request: Validated) -> Response:
    body: dict[str, Any] = request.body
    types: dict[str, Any] = body["types"]
    if not types:
        raise bad_request(20001, "Invalid parameter types: at least one content type is required")
    text = types.get("twilio/text")
    if text is not None and len(text["body"]) > TWILIO_TEXT_MAX:
        raise bad_request(20001, f"twilio/text body is over {TWILIO_TEXT_MAX} characters")
    content = Content(
        sid=new_sid("HX"),
        account_sid=request.caller,
        friendly_name=body.get("friendly_name", ""),
        language=body["language"],
        variables=dict(body.get("variables", {})),
        types=types,
    )
    emulator.state.contents[content.sid] = content
    emulator.content_changed(content)
    return JSONResponse(content.resource(), status_code=201)


async def fetch_content(emulator: Emulator, request: Validated) -> Response:
    return JSONResponse(_content(emulator, request, request.path["Sid"]).resource())


async def delete_content(emulator: Emulator, request: Validated) -> Response:
    content = _content(emulator, request, request.path["Sid"])
    del emulator.state.contents[content.sid]
    task = emulator.state.lifecycles.pop(content.sid, None)
    if task is not None:
        task.cancel()
    blocked: tuple[str, datetime] | None = None
    if content.approval is not None:
        # WhatsApp keeps a deleted template's name blocked for 30 days.
        blocked = (content.approval.name, now())
        emulator.state.deleted_names[content.account_sid, blocked[0]] = blocked[1]
    if emulator.store is not None:
        emulator.store.delete_content(content, blocked)
    return Response(status_code=204)


async def create_approval(emulator: Emulator, request: Validated) -> Response:
    content = _content(emulator, request, request.path["ContentSid"])
    name, category = request.body["name"], request.body["category"]
    if category not in CATEGORIES:
        raise bad_request(20001, f"Invalid category {category}: use one of {', '.join(CATEGORIES)}")
    if content.approval is not None and content.approval.status != "rejected":
        raise bad_request(20001, "This content has already been submitted for WhatsApp approval")
    approval = approvals.submit(emulator, content, name, category)
    return JSONResponse(approval.flat(), status_code=201)


async def fetch_approval(emulator: Emulator, request: Validated) -> Response:
    return JSONResponse(_content(emulator, request, request.path["Sid"]).approval_fetch())


async def list_contents(emulator: Emulator, request: Validated) -> Response:
    return _list(emulator, request, "/v1/Content", Content.resource)


async def list_contents_and_approvals(emulator: Emulator, request: Validated) -> Response:
    return _list(emulator, request, "/v1/ContentAndApprovals", Content.with_approvals)


def _list(emulator: Emulator, request: Validated, path: str, shape: Any) -> Response:
    contents = emulator.state.contents.values()
    records = [c for c in reversed(contents) if c.account_sid == request.caller]
    query = request.query
    page = paginate(
        records, lambda c: c.sid, query.get("PageSize"), query.get("Page"), query.get("PageToken")
    )
    return JSONResponse(
        {
            "contents": [shape(c) for c in page.items],
            "meta": _meta(path, page, query.get("PageToken")),
        }
    )


def _meta(path: str, page: Page[Content], token: str | None) -> dict[str, Any]:
    def url(number: int, page_token: str | None) -> str:
        params: dict[str, Any] = {"PageSize": page.page_size, "Page": number}
        if page_token:
            params["PageToken"] = page_token
        return f"{CONTENT_HOST}{path}?{urlencode(params)}"

    return {
        "page": page.page,
        "page_size": page.page_size,
        "first_page_url": url(0, None),
        "previous_page_url": (
            url(max(page.page - 1, 0), page.previous_token) if page.previous_token else None
        ),
        "url": url(page.page, token),
        "next_page_url": url(page.page + 1, page.next_token) if page.next_token else None,
        "key": "contents",
    }


HANDLERS = {
    "CreateContent": create_content,
    "FetchContent": fetch_content,
    "DeleteContent": delete_content,
    "CreateApprovalCreate": create_approval,
    "FetchApprovalFetch": fetch_approval,
    "ListContent": list_contents,
    "ListContentAndApprovals": list_contents_and_approvals,
}
