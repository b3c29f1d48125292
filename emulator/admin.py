"""The JSON admin API under /_emulator/, for tests: no auth, no faults.

GET   /_emulator/health                    {"ok": true}
POST  /_emulator/reset                     drop all state, restore start-up knobs and dice
GET   /_emulator/knobs                     the knobs (emulator.config.Knobs)
PATCH /_emulator/knobs                     change some: {"error_rate": 0.5, ...}; 400 on a bad one
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
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator import approvals
from emulator.core import Emulator
from emulator.rules import CATEGORIES
from emulator.state import iso


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


async def messages(request: Request) -> Response:
    items = [
        {
            **m.resource(),
            "content_sid": m.content_sid,
            "status_callback": m.status_callback,
            "history": m.history,
        }
        for m in _emulator(request).state.messages.values()
    ]
    return JSONResponse(items)


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
    Route("/contents", contents),
    Route("/approvals", approval_requests),
    Route("/messages", messages),
    Route("/webhooks", webhooks),
    Route("/requests", requests_received),
    Route("/contents/{sid}/approval", force_approval, methods=["POST"]),
]
