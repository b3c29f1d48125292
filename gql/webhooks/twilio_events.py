"""POST /webhooks/twilio/events: Twilio Event Streams (a JSON array of CloudEvents)."""

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gql.webhooks.signed import public_url_of, refuse
from jobs.runtime import Runtime
from jobs.submission import apply_approval_event
from jobs.webhook_accounts import Refusal
from repositories.campaigns import AccountScope
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


def _account_sid(body: bytes) -> str | None:
    """The account the delivery's events name (read before the signature is checked, to
    know whose token checks it); None when unreadable or unnamed (the platform's)."""
    try:
        events = json.loads(body)
    except (ValueError, RecursionError):
        return None
    named = {
        event["data"].get("accountSid")
        for event in (events if isinstance(events, list) else [])
        if isinstance(event, dict) and isinstance(event.get("data"), dict)
    }
    sids = {sid for sid in named if isinstance(sid, str)}
    if len(sids) > 1:
        raise ValueError("events of more than one account in one delivery")
    return next(iter(sids), None)


def _parsed(body: bytes) -> list[tuple[str, str, str]]:
    try:
        events = json.loads(body)
    except RecursionError:  # json.loads recurses once per nesting level
        raise ValueError("the JSON is nested too deeply") from None
    if not isinstance(events, list):
        raise ValueError("the body must be a JSON array of events")
    return _approval_updates(events)


def twilio_events_endpoint(runtime: Runtime) -> Any:
    async def endpoint(request: Request) -> Response:
        if not runtime.settings.twilio_auth_token:
            return refuse(503, "Twilio is not configured on this server.")
        body = await request.body()
        url = public_url_of(request, runtime.settings)
        try:
            named = _account_sid(body)
        except ValueError as error:
            return refuse(400, f"Malformed event delivery: {error}")
        signature = request.headers.get("X-Twilio-Signature")
        signer = await runtime.webhook_accounts.verified(
            named, lambda token: WebhookVerifier(token).json(url, body, signature)
        )
        if isinstance(signer, Refusal):
            logger.warning("refused an event delivery: %s", signer.reason)
            return refuse(signer.status, signer.reason)
        if signer is None:
            logger.warning("refused an event delivery with a bad signature: %s", url)
            return refuse(403, "Invalid X-Twilio-Signature (or no bodySHA256 in the URL).")
        # The platform's account speaks for the merchants without one of their own; a
        # merchant's own account for that merchant only.
        scope = AccountScope(signer.merchant_id)
        try:
            updates = _parsed(body)
        except ValueError as error:
            return refuse(400, f"Malformed event delivery: {error}")
        gateway = runtime.gateway
        if runtime.gateways is not None and signer.merchant_id is not None:
            gateway = await runtime.gateways.of_merchant(runtime.db, signer.merchant_id)
        applied = 0
        for sid, kind, value in updates:
            # One transaction per update; a rejection's reason is fetched before it.
            change = {"category": value} if kind == "category_update" else {"status": value}
            found = await apply_approval_event(runtime.db, gateway, sid, account=scope, **change)
            if not found:
                logger.info("approval event for unknown content %s acknowledged", sid)
            applied += found
        return JSONResponse({"received": len(updates), "applied": applied})

    return endpoint
