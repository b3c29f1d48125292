"""Outgoing webhooks, signed exactly as Twilio signs them, with the auth token of the
account that owns the resource: the account their `AccountSid` (events: `data.accountSid`)
names, so what a webhook says and who signed it cannot disagree.

- Status callbacks, and incoming messages (played through the admin API): form POSTs;
  X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + every param name and value,
  sorted by name)). Sent once, as Twilio does without a connection override: a failed
  callback is recorded, not retried.
- Event Streams: a JSON array of CloudEvents; the sink URL gets `bodySHA256=<hex sha256 of
  the body>` in its query string and the HMAC covers that URL alone. Retried
  (`event_retries`, `event_retry_delay`) and delivered one at a time, in order.

The signature comes from the SDK's own `RequestValidator.compute_signature`, so it is the
algorithm receivers verify with. The POSTs go through emulator.sender (see there why not
httpx).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from emulator.sender import Sender, SendError
from emulator.state import Delivery, iso, now

if TYPE_CHECKING:
    from emulator.core import Emulator

USER_AGENT = "TwilioProxy/1.1"
TEMPLATE_EVENT = "com.twilio.messaging.template.approval.updated"


def with_body_hash(url: str, body: str) -> str:
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return f"{url}{'&' if '?' in url else '?'}bodySHA256={digest}"


def template_event(
    account_sid: str, sid: str, kind: str, previous: str, current: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """One CloudEvent; `data.template` values are lower case, as Twilio sends them."""
    return {
        "specversion": "1.0",
        "type": TEMPLATE_EVENT,
        "source": f"/v1/Content/{sid}",
        "id": str(uuid.uuid4()),
        "datacontenttype": "application/json",
        "time": iso(now()),
        "data": {
            "accountSid": account_sid,
            "type": kind,  # status_update or category_update
            "template": {
                "sid": sid,
                "previousValue": previous.lower(),
                "currentValue": current.lower(),
                **extra,
            },
        },
    }


class Webhooks:
    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._sender: Sender | None = None
        self._event_order = asyncio.Lock()
        self._validators: dict[str, RequestValidator] = {}  # by auth token

    def _client(self) -> Sender:
        # Created on first use, inside the running loop that serves the emulator.
        if self._sender is None:
            self._sender = Sender(timeout=5.0)
        return self._sender

    async def aclose(self) -> None:
        if self._sender is not None:
            await self._sender.aclose()
            self._sender = None

    def _sign(self, account_sid: str, url: str, params: dict[str, str]) -> str:
        token = self._emulator.auth_token_of(account_sid)
        validator = self._validators.get(token)
        if validator is None:
            validator = self._validators[token] = RequestValidator(token)
        return str(validator.compute_signature(url, params))

    async def status_callback(self, url: str, params: dict[str, str], token: str) -> Delivery:
        """POST one status callback; `token` is the idempotency token, kept on duplicates."""
        return await self.form_post("status_callback", url, params, token)

    async def form_post(self, kind: str, url: str, params: dict[str, str], token: str) -> Delivery:
        """A signed form POST, as status callbacks and incoming messages reach their URL."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
            "I-Twilio-Idempotency-Token": token,
            "X-Twilio-Signature": self._sign(params["AccountSid"], url, params),
        }
        delivery = self._emulator.state.new_delivery(kind, url, urlencode(params), headers)
        await self._attempt(delivery)
        return delivery

    def emit_event(self, event: dict[str, Any]) -> None:
        sink = self._emulator.knobs.events_sink
        if sink is None:
            return
        body = json.dumps([event], separators=(",", ":"))
        url = with_body_hash(sink, body)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "I-Twilio-Idempotency-Token": event["id"],
            "X-Twilio-Signature": self._sign(event["data"]["accountSid"], url, {}),
        }
        delivery = self._emulator.state.new_delivery("event", url, body, headers)
        self._emulator.spawn(self._deliver_event(delivery))

    async def _deliver_event(self, delivery: Delivery) -> None:
        # asyncio.Lock wakes waiters first come, first served: events keep their order.
        async with self._event_order:
            knobs = self._emulator.knobs
            for attempt in range(knobs.event_retries + 1):
                if attempt:
                    await asyncio.sleep(knobs.event_retry_delay * 2 ** (attempt - 1))
                if await self._attempt(delivery):
                    return

    async def _attempt(self, delivery: Delivery) -> bool:
        delivery.attempts += 1
        try:
            status = await self._client().post(
                delivery.url, delivery.body.encode("utf-8"), delivery.headers
            )
        except SendError as error:
            delivery.status, delivery.error = "failed", str(error)
            return False
        delivery.http_status = status
        ok = 200 <= status < 300
        delivery.status, delivery.error = ("delivered", None) if ok else ("failed", None)
        return ok
