"""A message's life after the create answer: the per-sender cap, the statuses one
`status_delay` apart, and a signed status callback for each (see emulator.outcomes and,
for what Meta decides at dispatch, emulator.meta).

The per-sender messages-per-second cap queues, as the facts sheet says Twilio does: over
the rate a message stays `queued` until its sender has a free slot, and fails with 30001
(queue overflow) when that slot is more than `max_queue_seconds` away (Twilio: 4 h),
instead of holding it that long. 429/20429 is for too many REST requests (throttle_rate),
not for the sender cap.

ValidityPeriod: a message whose slot comes after its validity period has run out (counted
from its creation, as Twilio's 30036 page says: "the time elapsed since the message was
submitted") stays `queued` until it runs out, then fails with 30036 ("Validity Period
Expired") without being sent. It takes no slot: the messages behind it move up.

Faults: with `reorder_rate` a message's callbacks are held back and sent in reverse order
once it reached its last status; with `duplicate_rate` a callback is sent twice, with the
same I-Twilio-Idempotency-Token, as a redelivery would be.
"""

from __future__ import annotations

import asyncio
import uuid

from emulator import meta
from emulator.core import Emulator
from emulator.errors import MESSAGES
from emulator.outcomes import DELIVER, outcome_for
from emulator.rules import WHATSAPP_MAX_BODY
from emulator.state import Message, now

SERVICE_SENDER = "whatsapp:+14155238886"  # what a Messaging Service picks from its pool
Step = tuple[str, int | None]
FINAL = ("read", "failed", "undelivered", "canceled")


def start(emulator: Emulator, message: Message) -> None:
    emulator.spawn(_run(emulator, message))


def _reserve_slot(emulator: Emulator, message: Message) -> tuple[float, Step | None]:
    """Seconds the message waits queued, and the failure it meets then (None: its sender
    sends it then). A sender is one account's: the same address in two accounts is two
    senders. Only a message that will be sent takes a slot."""
    clock = asyncio.get_running_loop().time()
    sender = (message.account_sid, message.sender)
    slot = max(clock, emulator.state.sender_next_slot.get(sender, clock))
    if slot - clock > emulator.knobs.max_queue_seconds:
        return 0.0, ("failed", 30001)
    valid_for = message.validity_period - (now() - message.date_created).total_seconds()
    if slot - clock > valid_for:
        return max(0.0, valid_for), ("failed", 30036)
    emulator.state.sender_next_slot[sender] = slot + 1 / emulator.knobs.mps
    return slot - clock, None


def _plan(emulator: Emulator, message: Message) -> list[Step]:
    """Decided at dispatch: a template paused while messages wait in the queue fails them."""
    content = emulator.state.contents.get(message.content_sid or "")
    approval = content.approval if content is not None else None
    if approval is None or approval.status != "approved":
        return [("failed", 63016)]
    if len(message.body) > WHATSAPP_MAX_BODY:
        return [("failed", 63021)]
    outcome = outcome_for(message.to, message.from_)
    if outcome == DELIVER:
        outcome = meta.judge(emulator, message, approval.category) or DELIVER
    if outcome.kind == "fail":
        return [("failed", outcome.code)]
    if outcome.kind == "undeliver":
        return [("sent", None), ("undelivered", outcome.code)]
    return [("sent", None), ("delivered", None), ("read", None)]


async def _run(emulator: Emulator, message: Message) -> None:
    held: list[dict[str, str]] = []
    reverse = emulator.chance(emulator.knobs.reorder_rate)

    async def step(status: str, code: int | None) -> None:
        await asyncio.sleep(emulator.knobs.status_delay)
        if message.scripted:
            return
        _apply(message, status, code)
        emulator.message_changed(message)
        if message.status_callback is None:
            return
        params = callback_params(message)
        if reverse:
            held.append(params)
        else:
            await _send(emulator, message.status_callback, params)

    if message.status == "accepted":
        await step("queued", None)
    steps: list[Step]
    if message.status != "queued":  # resumed after a restart, past the queue
        steps = _after(_plan(emulator, message), message.status)
    else:
        wait, failure = _reserve_slot(emulator, message)
        if failure is not None:  # its failure's status comes when it expires, not later
            await asyncio.sleep(max(0.0, wait - emulator.knobs.status_delay))
            steps = [failure]
        else:
            await asyncio.sleep(wait)
            steps = _plan(emulator, message)
    for status, code in steps:
        await step(status, code)
    for params in reversed(held):
        assert message.status_callback is not None
        await _send(emulator, message.status_callback, params)


def _after(plan: list[Step], status: str) -> list[Step]:
    statuses = [planned for planned, _ in plan]
    return plan[statuses.index(status) + 1 :] if status in statuses else []


def resume(emulator: Emulator) -> None:
    """After a restart with a state file: messages on their way go on from their status."""
    for message in emulator.state.messages.values():
        if message.status not in FINAL and not message.scripted:
            start(emulator, message)


def script(emulator: Emulator, message: Message, status: str, code: int | None) -> None:
    """A status given through the admin API, applied now; the automatic ones stop."""
    message.scripted = True
    _apply(message, status, code)
    emulator.message_changed(message)


def _apply(message: Message, status: str, code: int | None) -> None:
    moment = now()
    message.status = status
    message.date_updated = moment
    # milliseconds: enough to see the per-sender cap spacing the messages out
    message.history.append(f"{moment.isoformat(timespec='milliseconds')} {status}")
    if message.from_ is None:
        message.from_ = SERVICE_SENDER
    if status == "sent":
        message.date_sent = moment
    if code is not None:
        message.error_code, message.error_message = code, MESSAGES.get(code, "Error")


def callback_params(message: Message) -> dict[str, str]:
    params = {
        "AccountSid": message.account_sid,
        "ApiVersion": "2010-04-01",
        "ChannelPrefix": "whatsapp",
        "ChannelToAddress": message.to.removeprefix("whatsapp:"),
        "EventType": message.status.upper(),
        "From": message.from_ or "",
        "MessageSid": message.sid,
        "MessageStatus": message.status,
        "SmsSid": message.sid,
        "SmsStatus": message.status,
        "To": message.to,
    }
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if message.error_code is not None:
        params["ErrorCode"] = str(message.error_code)
        params["ErrorMessage"] = message.error_message or ""
    return params


async def _send(emulator: Emulator, url: str, params: dict[str, str]) -> None:
    token = uuid.uuid4().hex
    await emulator.webhooks.status_callback(url, params, token)
    if emulator.chance(emulator.knobs.duplicate_rate):
        await emulator.webhooks.status_callback(url, params, token)
