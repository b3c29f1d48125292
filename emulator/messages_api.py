"""Messages API handlers: create, fetch and list /2010-04-01/Accounts/{AccountSid}/Messages.

Refusals at create (HTTP 400) follow Twilio's codes: 21211 bad To, 21212 bad From, 21603 no
From nor MessagingServiceSid, 21604 no To, 21609 bad StatusCallback, 21610 opted out,
21619 neither ContentSid nor Body, 21624 ValidityPeriod not in 1..36000 (its spec and
error page: "integers from 1 to 36000"), 21655 unknown ContentSid, 21656 bad
ContentVariables, 21910 From and To on different channels. Everything else is accepted and
decided later (emulator.delivery, emulator.outcomes, emulator.meta).

Messages belong to the account of the path (emulator.app checked the credentials may act
on it): its fetch and list show only that account's, and a ContentSid must be a content of
that account (else 21655).

The list is newest first and filters as Twilio does: `To`, `From`, `DateSent=YYYY-MM-DD`
(that day), `DateSent>=` (on or after) and `DateSent<=` (on or before), in GMT; for the
two bounds a value with a time compares to the second. A message not sent yet (date_sent
null) is matched by its date_created, so an in-doubt send can be found while it waits in
the queue (unconfirmed on Twilio: there, list soon after the send).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import JSONResponse, Response

from emulator import delivery
from emulator.core import Emulator
from emulator.errors import bad_request, not_found
from emulator.openapi import Validated
from emulator.outcomes import outcome_for
from emulator.paging import paginate, v2010_list
from emulator.rules import VariablesError, parse_variables, render
from emulator.state import Message, new_sid

E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
WHATSAPP_RE = re.compile(r"^whatsapp:\+[1-9]\d{7,14}$")
FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")
# ValidityPeriod, seconds (the spec: "integers from 1 to 36000. Default value is 36000")
MIN_VALIDITY, MAX_VALIDITY = 1, 36000


async def create_message(emulator: Emulator, request: Validated) -> Response:
    form: dict[str, Any] = request.body
    to: str = form["To"]
    from_: str | None = form.get("From")
    service: str | None = form.get("MessagingServiceSid")
    if not WHATSAPP_RE.match(to):
        if E164_RE.match(to) and from_ is not None and from_.startswith("whatsapp:"):
            raise bad_request(21910)  # a valid number, but SMS to a WhatsApp sender
        raise bad_request(21211, f"Invalid 'To' Phone Number: {to}")
    outcome = outcome_for(to, from_)
    if outcome.kind == "refuse" and outcome.code is not None:
        raise bad_request(outcome.code, f"{outcome.message}: {to}")
    if from_ is None and service is None:
        raise bad_request(21603)
    if from_ is not None and not WHATSAPP_RE.match(from_):
        raise bad_request(21910 if E164_RE.match(from_) else 21212)
    callback: str | None = form.get("StatusCallback")
    if callback is not None and not _valid_callback(callback):
        raise bad_request(21609, f"Invalid 'StatusCallback' URL: {callback}")
    validity = _validity(form.get("ValidityPeriod"))
    content_sid: str | None = form.get("ContentSid")
    account_sid: str = request.path["AccountSid"]
    body = _body(emulator, account_sid, content_sid, form.get("ContentVariables"), form.get("Body"))
    message = Message(
        sid=new_sid("SM"),
        account_sid=account_sid,
        to=to,
        from_=from_,
        messaging_service_sid=service,
        body=body,
        content_sid=content_sid,
        status_callback=callback,
        status="accepted" if service else "queued",
        sender=from_ or service or "",
        validity_period=validity,
    )
    emulator.state.messages[message.sid] = message
    emulator.message_changed(message)
    delivery.start(emulator, message)
    return JSONResponse(message.resource(), status_code=201)


def _validity(raw: str | None) -> int:
    if raw is None:
        return MAX_VALIDITY
    # Not an integer (only when unchecked by the specs): ValueError, and openapi-core
    # judges it (20001), as a checked request would be.
    value = int(raw)
    if not MIN_VALIDITY <= value <= MAX_VALIDITY:
        raise bad_request(
            21624,
            f"Invalid validity period value: {value}. Set ValidityPeriod to an integer "
            f"between {MIN_VALIDITY} and {MAX_VALIDITY} seconds",
        )
    return value


def _valid_callback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "_" not in parts.netloc


def _body(
    emulator: Emulator,
    account_sid: str,
    content_sid: str | None,
    raw_variables: str | None,
    body: str | None,
) -> str:
    if content_sid is None:
        if not body:
            raise bad_request(21619)
        return body
    content = emulator.state.contents.get(content_sid)
    if content is None or content.account_sid != account_sid:
        raise bad_request(21655, f"The ContentSid is Invalid: {content_sid}")
    try:
        return render(content.body() or "", parse_variables(raw_variables), content.variables)
    except VariablesError as error:
        raise bad_request(21656, f"The ContentVariables Parameter is invalid: {error}") from None


def _message(emulator: Emulator, request: Validated) -> Message:
    account, sid = request.path["AccountSid"], request.path["Sid"]
    message = emulator.state.messages.get(sid)
    if message is None or message.account_sid != account:
        raise not_found(f"/2010-04-01/Accounts/{account}/Messages/{sid}.json")
    return message


async def fetch_message(emulator: Emulator, request: Validated) -> Response:
    return JSONResponse(_message(emulator, request).resource())


async def list_messages(emulator: Emulator, request: Validated) -> Response:
    query = request.query
    account = request.path["AccountSid"]
    filters = [(name, str(query[name])) for name in FILTERS if name in query]
    checks = [_filter(name, value) for name, value in filters]
    records = [
        m
        for m in reversed(emulator.state.messages.values())
        if m.account_sid == account and all(check(m) for check in checks)
    ]
    page = paginate(
        records, lambda m: m.sid, query.get("PageSize"), query.get("Page"), query.get("PageToken")
    )
    base = f"/2010-04-01/Accounts/{account}/Messages.json"
    resources = [m.resource() for m in page.items]
    return JSONResponse(
        v2010_list("messages", page, resources, base, filters, query.get("PageToken"))
    )


def _filter(name: str, value: str) -> Any:
    if name in ("To", "From"):
        key = "to" if name == "To" else "from_"
        return lambda m: getattr(m, key) == value
    moment, has_time = _parse_date(value)

    def check(m: Message) -> bool:
        sent = m.date_sent or m.date_created
        if name == "DateSent":
            return sent.date() == moment.date()
        if not has_time:  # a day: compare days, so the bound's whole day is in
            return (
                sent.date() >= moment.date()
                if name == "DateSent>"
                else sent.date() <= moment.date()
            )
        return sent >= moment if name == "DateSent>" else sent <= moment

    return check


def _parse_date(value: str) -> tuple[datetime, bool]:
    """Twilio takes YYYY-MM-DD and, per its spec examples, ISO, RFC 2822 and US datetimes."""
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC), False
    parsers = (
        lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")),
        parsedate_to_datetime,
        lambda t: datetime.strptime(t[:19], "%m/%d/%Y %H:%M:%S"),  # zone name ignored: GMT
    )
    for parse in parsers:
        try:
            moment = parse(text)
        except (ValueError, TypeError):
            continue
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), True
    raise bad_request(20001, f"Invalid DateSent value: {value}")


HANDLERS = {
    "CreateMessage": create_message,
    "FetchMessage": fetch_message,
    "ListMessage": list_messages,
}
