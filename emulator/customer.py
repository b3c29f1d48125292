"""Playing the customer (admin API): a WhatsApp user's reply to the sender, and a status
of a message given by hand, each reaching the application as Twilio's webhook would."""

from __future__ import annotations

import re
import uuid
from typing import Any

from emulator import delivery
from emulator.core import Emulator
from emulator.state import Delivery, Message, new_sid

WHATSAPP_ADDRESS = re.compile(r"^(whatsapp:)?(\+[1-9]\d{7,14})$")
STATUSES = ("queued", "sending", "sent", "delivered", "read", "undelivered", "failed", "canceled")


def whatsapp_address(value: Any, field: str) -> str:
    """`+E164` or `whatsapp:+E164`, as `whatsapp:+E164`; ValueError otherwise."""
    match = WHATSAPP_ADDRESS.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{field} must be a phone number in E.164 form, e.g. +14155550101")
    return "whatsapp:" + match.group(2)


def receiving_account(emulator: Emulator, to: str, explicit: Any) -> str:
    """Whose sender `to` is, for an incoming message: the account given, else the account
    that last sent from that address, else the main account. ValueError for an unknown
    account."""
    if explicit is not None:
        if not isinstance(explicit, str) or explicit not in emulator.state.accounts:
            raise ValueError("account_sid must be the sid of an account of this emulator")
        return explicit
    for message in reversed(emulator.state.messages.values()):
        if message.from_ == to:
            return message.account_sid
    return emulator.config.account_sid


def inbound_params(account_sid: str, from_: str, to: str, body: str, name: str) -> dict[str, str]:
    """The parameters of Twilio's incoming-message webhook for a WhatsApp text."""
    sid = new_sid("SM")
    params = {
        "AccountSid": account_sid,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": from_,
        "MessageSid": sid,
        "MessageType": "text",
        "NumMedia": "0",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": to,
        "WaId": from_.removeprefix("whatsapp:+"),
    }
    if name:
        params["ProfileName"] = name
    return params


async def reply(emulator: Emulator, url: str, params: dict[str, str]) -> Delivery:
    """POST the incoming message to the sender's webhook, signed; not retried."""
    return await emulator.webhooks.form_post("inbound", url, params, uuid.uuid4().hex)


async def set_status(
    emulator: Emulator, message: Message, status: str, code: int | None
) -> Delivery | None:
    """The message takes `status` now; its callback is sent, if it asked for them."""
    delivery.script(emulator, message, status, code)
    if message.status_callback is None:
        return None
    params = delivery.callback_params(message)
    return await emulator.webhooks.status_callback(
        message.status_callback, params, uuid.uuid4().hex
    )
