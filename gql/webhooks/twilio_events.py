"""POST /webhooks/twilio/events: Twilio Event Streams (a JSON array of CloudEvents)."""

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gql.webhooks.signed import public_url_of, refuse
from jobs.runtime import Runtime
from jobs.submission import apply_approval_event
from services.twilio.signatures import WebhookVerifier

logger = logging.getLogger(__name__)

APPROVAL_UPDATED = "com.twilio.messaging.template.approval.updated"


def _approval_updates(events: list[Any]) -> list[tuple[str, str, str]]:
    """(content sid, update type, new value) of each approval event; others are ignored."""
    updates: list[tuple[str, str, str]] = []
    for event in events:
        if not isinstance(event, dict) or event.get("type") != APPROVAL_UPDATED:
            continue
        data = event.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("template"), dict):
            raise ValueError("an approval event without data.template")
        sid, value = data["template"].get("sid"), data["template"].get("currentValue")
        if not isinstance(sid, str) or not isinstance(value, str):
            raise ValueError("an approval event without template sid or currentValue")
        updates.append((sid, str(data.get("type", "status_update")), value))
    return updates


def twilio_events_endpoint(runtime: Runtime) -> Any:
    async def endpoint(request: Request) -> Response:
        token = runtime.settings.twilio_auth_token
        if not token:
            return refuse(503, "Twilio is not configured on this server.")
        body = await request.body()
        url = public_url_of(request, runtime.settings)
        if not WebhookVerifier(token).json(url, body, request.headers.get("X-Twilio-Signature")):
            logger.warning("refused an event delivery with a bad signature: %s", url)
            return refuse(403, "Invalid X-Twilio-Signature (or no bodySHA256 in the URL).")
        try:
            events = json.loads(body)
            if not isinstance(events, list):
                raise ValueError("the body must be a JSON array of events")
            updates = _approval_updates(events)
        except ValueError as error:
            return refuse(400, f"Malformed event delivery: {error}")
        except RecursionError:  # json.loads recurses once per nesting level
            return refuse(400, "Malformed event delivery: the JSON is nested too deeply.")
        applied = 0
        for sid, kind, value in updates:
            # One transaction per update; a rejection's reason is fetched before it.
            if kind == "category_update":
                found = await apply_approval_event(runtime.db, runtime.gateway, sid, category=value)
            else:
                found = await apply_approval_event(runtime.db, runtime.gateway, sid, status=value)
            if not found:
                logger.info("approval event for unknown content %s acknowledged", sid)
            applied += found
        return JSONResponse({"received": len(updates), "applied": applied})

    return endpoint
