"""The JSON admin API under /_emulator/, for tests: no faults, and the main account's HTTP
Basic credentials (account SID, auth token) on every call, since its lists hold every
message body and tracked link sent, of every account; without them (a subaccount's
included) 401 / 20003 in Twilio's error body.

GET   /_emulator/health                    {"ok": true}
POST  /_emulator/reset                     drop all state, restore start-up knobs and dice
GET   /_emulator/knobs                     the knobs (emulator.config.Knobs)
PATCH /_emulator/knobs                     change some: {"error_rate": 0.5, ...}; 400 on a bad one
GET   /_emulator/accounts                  the main account and its subaccounts, with tokens
GET   /_emulator/contents                  contents received, with their approval
GET   /_emulator/approvals                 approval requests received
GET   /_emulator/messages                  messages received, with their status history
GET   /_emulator/webhooks[?kind=event|status_callback]  deliveries and how they went
GET   /_emulator/requests                  every API request: method, path, status, fault
POST  /_emulator/contents/{sid}/approval   {"status": "approved|rejected|paused|disabled|
      pending", "rejection_reason": "...", "category": "MARKETING", "immediately": false}
      A final status for a template still in review (or not yet submitted) is the outcome
      its review will reach; anything else, or "immediately": true, applies now and sends
      the event(s).
GET   /_emulator/messages?to=PHONE&account_sid=AC...  only the messages to that number, of
      that account, newest last
POST  /_emulator/inbound                   {"from": "+44...", "body": "STOP", "to": sender,
      "profile_name": "...", "url": ..., "account_sid": ...}: the person's reply, POSTed
      signed to `url` or the `inbound_url` knob as Twilio's incoming-message webhook, as
      the sender's account (customer.receiving_account); answers the delivery
POST  /_emulator/messages/{sid}/status     {"status": "delivered", "error_code": null}: the
      message takes that status now (its automatic progression stops) and its status
      callback is sent; answers the message and the delivery
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator import approvals, auth, customer
from emulator.core import Emulator
from emulator.delivery import SERVICE_SENDER
from emulator.rules import CATEGORIES
from emulator.state import Message, iso


class RequireCredentials:
    """Middleware of the /_emulator mount: every request under it, unknown paths and
    methods included, shows the account's credentials before anything is routed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            emulator: Emulator = scope["app"].state.emulator
            if not auth.authorized(emulator, Headers(scope=scope).get("authorization", "")):
                await auth.refusal(auth.ADMIN_REALM).response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def reset(request: Request) -> Response:
    await _emulator(request).reset()
    return JSONResponse({"reset": True})


async def knobs(request: Request) -> Response:
    emulator = _emulator(request)
    if request.method == "PATCH":
        changes = await request.json()
        if not isinstance(changes, dict):
            return _error(400, "send a JSON object of knobs")
        try:
            emulator.knobs = emulator.knobs.update(changes)
        except ValueError as error:
            return _error(400, str(error))
    return JSONResponse(emulator.knobs.as_dict())


async def accounts(request: Request) -> Response:
    return JSONResponse([a.resource() for a in _emulator(request).state.accounts.values()])


async def contents(request: Request) -> Response:
    items = []
    for content in _emulator(request).state.contents.values():
        item = content.with_approvals()
        item["forced_outcome"] = list(content.forced_outcome) if content.forced_outcome else None
        items.append(item)
    return JSONResponse(items)


async def approval_requests(request: Request) -> Response:
    items = [
        {"content_sid": c.sid, **c.approval.flat(), "date_updated": iso(c.date_updated)}
        for c in _emulator(request).state.contents.values()
        if c.approval is not None
    ]
    return JSONResponse(items)


def _message_summary(m: Message) -> dict[str, Any]:
    return {
        **m.resource(),
        "content_sid": m.content_sid,
        "status_callback": m.status_callback,
        "validity_period": m.validity_period,
        "history": m.history,
    }


async def messages(request: Request) -> Response:
    to = request.query_params.get("to")
    if to is not None:
        try:
            to = customer.whatsapp_address(to, "to")
        except ValueError as error:
            return _error(400, str(error))
    account = request.query_params.get("account_sid")
    all_messages = _emulator(request).state.messages.values()
    return JSONResponse(
        [
            _message_summary(m)
            for m in all_messages
            if to in (None, m.to) and account in (None, m.account_sid)
        ]
    )


async def inbound(request: Request) -> Response:
    emulator = _emulator(request)
    body = await _json_object(request)
    if body is None:
        return _error(400, "send a JSON object")
    try:
        from_ = customer.whatsapp_address(body.get("from"), "from")
        to = customer.whatsapp_address(body.get("to", SERVICE_SENDER), "to")
        account = customer.receiving_account(emulator, to, body.get("account_sid"))
    except ValueError as error:
        return _error(400, str(error))
    text, name = body.get("body", ""), body.get("profile_name", "")
    if not isinstance(text, str) or not isinstance(name, str):
        return _error(400, "body and profile_name must be strings")
    url = body.get("url") or emulator.knobs.inbound_url
    if not isinstance(url, str) or not url.startswith("http"):
        return _error(409, "no url given and no inbound_url knob set: nowhere to send it")
    params = customer.inbound_params(account, from_, to, text, name)
    sent = await customer.reply(emulator, url, params)
    return JSONResponse({"message_sid": params["MessageSid"], "delivery": sent.summary()})


async def message_status(request: Request) -> Response:
    emulator = _emulator(request)
    message = emulator.state.messages.get(request.path_params["sid"])
    if message is None:
        return _error(404, "no such message")
    body = await _json_object(request)
    if body is None:
        return _error(400, "send a JSON object")
    status, code = body.get("status"), body.get("error_code")
    if status not in customer.STATUSES:
        return _error(400, f"status must be one of {', '.join(customer.STATUSES)}")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int) or code <= 0):
        return _error(400, "error_code must be a positive integer or null")
    sent = await customer.set_status(emulator, message, status, code)
    return JSONResponse(
        {"message": _message_summary(message), "delivery": sent.summary() if sent else None}
    )


async def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def webhooks(request: Request) -> Response:
    kind = request.query_params.get("kind")
    deliveries = _emulator(request).state.deliveries
    return JSONResponse([d.summary() for d in deliveries if kind in (None, d.kind)])


async def requests_received(request: Request) -> Response:
    log = _emulator(request).state.requests
    return JSONResponse([vars(r) for r in log])


async def force_approval(request: Request) -> Response:
    emulator = _emulator(request)
    content = emulator.state.contents.get(request.path_params["sid"])
    if content is None:
        return _error(404, "no such content")
    body: dict[str, Any] = await request.json()
    status, category = body.get("status"), body.get("category")
    if status is not None and status not in approvals.STATUSES:
        return _error(400, f"status must be one of {', '.join(approvals.STATUSES)}")
    if category is not None and category not in CATEGORIES:
        return _error(400, f"category must be one of {', '.join(CATEGORIES)}")
    try:
        effect = approvals.force(
            emulator,
            content,
            status,
            str(body.get("rejection_reason", "")),
            category,
            bool(body.get("immediately", False)),
        )
    except ValueError as error:
        return _error(409, str(error))
    return JSONResponse({"effect": effect, **content.approval_fetch()})


routes = [
    Route("/health", health),
    Route("/reset", reset, methods=["POST"]),
    Route("/knobs", knobs, methods=["GET", "PATCH"]),
    Route("/accounts", accounts),
    Route("/contents", contents),
    Route("/approvals", approval_requests),
    Route("/messages", messages),
    Route("/webhooks", webhooks),
    Route("/requests", requests_received),
    Route("/contents/{sid}/approval", force_approval, methods=["POST"]),
    Route("/inbound", inbound, methods=["POST"]),
    Route("/messages/{sid}/status", message_status, methods=["POST"]),
]
