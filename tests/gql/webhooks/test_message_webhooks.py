"""Twilio's message webhooks over real HTTP: signatures, bad input, and their effects."""

import asyncio
from datetime import timedelta

import httpx
from twilio.request_validator import RequestValidator

from db.database import Database
from db.enums import MessageStatus
from services.messages.statuses import replaceable_by
from tests.services.messages.ledger import (
    SentMessage,
    campaign_with_lead,
    message_row,
    new_merchant_id,
    new_phone,
    new_sid,
    person_row,
    send_message,
)
from tests.support import EMULATOR_SID, EMULATOR_TOKEN

STATUS = "/webhooks/twilio/messages/status"
INBOUND = "/webhooks/twilio/messages/inbound"
SENDER = "whatsapp:+14155238886"


def signature(url: str, params: dict[str, str]) -> str:
    return str(RequestValidator(EMULATOR_TOKEN).compute_signature(url, params))


async def post(
    http: httpx.AsyncClient,
    path: str,
    params: dict[str, str],
    *,
    signed: dict[str, str] | None = None,
    header: str | None = None,
) -> httpx.Response:
    """POST the form as Twilio would, signed over the public URL and `signed` (by
    default, exactly the params sent); `header` replaces the signature."""
    url = str(http.base_url).rstrip("/") + path
    value = header if header is not None else signature(url, params if signed is None else signed)
    return await http.post(path, data=params, headers={"X-Twilio-Signature": value})


def status_callback(sid: str, status: str, **extra: str) -> dict[str, str]:
    """The fields Twilio sends with a WhatsApp status callback."""
    return {
        "AccountSid": EMULATOR_SID,
        "ApiVersion": "2010-04-01",
        "ChannelPrefix": "whatsapp",
        "EventType": status.upper(),
        "From": SENDER,
        "MessageSid": sid,
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        "To": "whatsapp:+14155550101",
        **extra,
    }


async def sent(db: Database) -> SentMessage:
    merchant_id = await new_merchant_id(db)
    lead = await campaign_with_lead(db, merchant_id, new_phone())
    return await send_message(db, merchant_id, lead)


async def test_out_of_order_and_repeated_callbacks(http: httpx.AsyncClient, db: Database) -> None:
    message = await sent(db)
    for status in ("delivered", "sent", "delivered", "sending", "read", "sent", "read"):
        response = await post(http, STATUS, status_callback(message.sid, status))
        assert response.status_code == 200, response.text
    stored = await message_row(db, message.message_id)
    assert stored.status is MessageStatus.READ
    assert stored.sent_at == stored.delivered_at, "delivered came first and implied sent"
    assert stored.read_at is not None and stored.delivered_at is not None
    assert stored.read_at >= stored.delivered_at


async def test_concurrent_callbacks_end_monotonic(http: httpx.AsyncClient, db: Database) -> None:
    message = await sent(db)
    statuses = ["sent", "read", "sending", "delivered", "sent", "read", "delivered", "queued"]
    responses = await asyncio.gather(
        *(post(http, STATUS, status_callback(message.sid, s)) for s in statuses)
    )
    assert [r.status_code for r in responses] == [200] * len(statuses)
    stored = await message_row(db, message.message_id)
    assert stored.status is MessageStatus.READ
    assert stored.sent_at and stored.delivered_at and stored.read_at
    assert stored.sent_at <= stored.delivered_at <= stored.read_at
    changed = [r.json()["message"]["status"] for r in responses if r.json()["message"]["changed"]]
    assert len(set(changed)) == len(changed), f"a status was applied twice: {changed}"


async def test_failures_stick_with_their_error(http: httpx.AsyncClient, db: Database) -> None:
    message = await sent(db)
    failed = status_callback(
        message.sid, "undelivered", ErrorCode="63024", ErrorMessage="Not a WhatsApp user"
    )
    assert (await post(http, STATUS, failed)).status_code == 200
    late = await post(http, STATUS, status_callback(message.sid, "delivered"))
    assert late.json() == {"message": {"status": "undelivered", "changed": False}}
    stored = await message_row(db, message.message_id)
    assert (stored.status, stored.error_code, stored.error_message) == (
        MessageStatus.UNDELIVERED,
        63024,
        "Not a WhatsApp user",
    )
    assert stored.failed_at is not None and stored.delivered_at is None


async def test_a_malformed_error_code_still_applies_the_status(
    http: httpx.AsyncClient, db: Database
) -> None:
    message = await sent(db)
    params = status_callback(message.sid, "failed", ErrorCode="9" * 20, ErrorMessage="Oops")
    assert (await post(http, STATUS, params)).status_code == 200
    stored = await message_row(db, message.message_id)
    assert (stored.status, stored.error_code, stored.error_message) == (
        MessageStatus.FAILED,
        None,
        "Oops",
    )


async def test_new_fields_from_twilio_are_signed_and_accepted(
    http: httpx.AsyncClient, db: Database
) -> None:
    message = await sent(db)
    params = status_callback(message.sid, "sent", RawDlrDoneDate="2604011200", Brand="new")
    assert (await post(http, STATUS + "?attempt=2", params)).status_code == 200
    assert (await message_row(db, message.message_id)).status is MessageStatus.SENT


async def test_bad_signatures_are_refused_and_change_nothing(
    http: httpx.AsyncClient, db: Database
) -> None:
    message = await sent(db)
    params = status_callback(message.sid, "delivered")
    wrong_token = str(RequestValidator("not-the-token").compute_signature(STATUS, params))
    added = {**params, "ErrorCode": "30008"}
    for response in [
        await post(http, STATUS, params, header=""),
        await http.post(STATUS, data=params),  # no header at all
        await post(http, STATUS, params, header=wrong_token),
        await post(http, STATUS, added, signed=params),  # a param added after signing
        await post(http, STATUS, {**params, "MessageStatus": "read"}, signed=params),
    ]:
        assert response.status_code == 403, response.text
        assert response.json()["error"]
    # Signed over another URL: the query string is part of what Twilio signs.
    url = str(http.base_url).rstrip("/") + STATUS
    response = await http.post(
        STATUS + "?attempt=2",
        data=params,
        headers={"X-Twilio-Signature": signature(url, params)},
    )
    assert response.status_code == 403
    assert (await message_row(db, message.message_id)).status is MessageStatus.QUEUED


async def test_a_repeated_parameter_is_refused(http: httpx.AsyncClient, db: Database) -> None:
    message = await sent(db)
    params = status_callback(message.sid, "sent")
    url = str(http.base_url).rstrip("/") + STATUS
    body = httpx.QueryParams(params).add("MessageStatus", "read")
    response = await http.post(
        STATUS,
        content=str(body),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature(url, params),
        },
    )
    assert response.status_code == 403
    assert (await message_row(db, message.message_id)).status is MessageStatus.QUEUED


async def test_missing_fields_are_bad_requests(http: httpx.AsyncClient) -> None:
    for params in (
        {"AccountSid": EMULATOR_SID, "MessageStatus": "sent"},
        {"AccountSid": EMULATOR_SID, "MessageSid": new_sid()},
        {"AccountSid": EMULATOR_SID, "MessageSid": " ", "MessageStatus": "sent"},
        {},
    ):
        response = await post(http, STATUS, params)
        assert response.status_code == 400, response.text
        assert "Missing" in response.json()["error"]
    response = await post(http, INBOUND, {"MessageSid": new_sid(), "Body": "STOP"})
    assert response.status_code == 400
    assert response.json() == {"error": "Missing From."}


async def test_malformed_sids_are_bad_requests(http: httpx.AsyncClient) -> None:
    for sid in ("SM" + "0" * 40, "SM\x00" + "0" * 31, "SM 0"):
        response = await post(http, STATUS, status_callback(sid, "sent"))
        assert response.status_code == 400, response.text
        assert response.json() == {"error": "MessageSid is not a Twilio message sid."}


async def test_unknown_sids_are_acknowledged(http: httpx.AsyncClient) -> None:
    response = await post(http, STATUS, status_callback(new_sid(), "delivered"))
    assert response.status_code == 200
    assert response.json() == {"message": None}


async def test_unreadable_bodies_are_never_server_errors(http: httpx.AsyncClient) -> None:
    url = str(http.base_url).rstrip("/") + STATUS
    for content, content_type in (
        (b"\xff\xfe=\xff&MessageSid", "application/x-www-form-urlencoded"),
        (b"&".join(b"f%d=1" % n for n in range(1001)), "application/x-www-form-urlencoded"),
        (b'{"MessageSid": "SM1"}', "application/json"),
        (b"--x\r\nnot multipart", "multipart/form-data; boundary=x"),
    ):
        response = await http.post(
            STATUS,
            content=content,
            headers={"Content-Type": content_type, "X-Twilio-Signature": signature(url, {})},
        )
        assert 400 <= response.status_code < 500, (content, response.status_code)


def inbound_message(phone: str, body: str, sid: str | None = None) -> dict[str, str]:
    return {
        "AccountSid": EMULATOR_SID,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": f"whatsapp:{phone}",
        "MessageSid": sid or new_sid(),
        "NumMedia": "0",
        "ProfileName": "Ana",
        "To": SENDER,
        "WaId": phone.removeprefix("+"),
    }


async def test_stop_and_start_over_the_inbound_webhook(
    http: httpx.AsyncClient, db: Database
) -> None:
    phone = new_phone()
    mine, theirs = await new_merchant_id(db), await new_merchant_id(db)
    my_lead = await campaign_with_lead(db, mine, phone)
    their_lead = await campaign_with_lead(db, theirs, phone)
    await send_message(db, mine, my_lead)
    await send_message(db, theirs, their_lead, age=timedelta(days=31))

    stop = inbound_message(phone, "stop")
    refused = await post(http, INBOUND, {**stop, "Body": "hello"}, signed=stop)
    assert refused.status_code == 403
    assert (await person_row(db, my_lead.conversation_user_id)).opted_out_at is None

    response = await post(http, INBOUND, stop)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response/>" in response.text
    assert (await person_row(db, my_lead.conversation_user_id)).opted_out_at is not None
    assert (await person_row(db, their_lead.conversation_user_id)).opted_out_at is None

    assert (await post(http, INBOUND, inbound_message(phone, "START"))).status_code == 200
    assert (await person_row(db, my_lead.conversation_user_id)).opted_out_at is None


async def test_inbound_from_strangers_and_odd_sids(http: httpx.AsyncClient) -> None:
    stranger = await post(http, INBOUND, inbound_message(new_phone(), "STOP"))
    assert stranger.status_code == 200
    long_sid = await post(http, INBOUND, inbound_message(new_phone(), "hi", "SM" + "0" * 40))
    assert long_sid.status_code == 400


async def test_concurrent_callbacks_are_answered_once_visible(
    http: httpx.AsyncClient, db: Database
) -> None:
    """Callbacks arriving together are applied as one batch: for the same and for
    different messages they end monotonic, and each 200 comes after its commit."""
    messages = [await sent(db) for _ in range(4)]
    statuses = ["sent", "read", "sending", "delivered", "sent", "read", "delivered", "queued"]

    async def one(message: SentMessage, status: str) -> httpx.Response:
        response = await post(http, STATUS, status_callback(message.sid, status))
        assert response.status_code == 200, response.text
        # Read on another connection the moment the answer arrives: the callback's
        # status (or a further one) is already committed.
        stored = await message_row(db, message.message_id)
        assert stored.status not in replaceable_by(MessageStatus(status)), (status, stored.status)
        return response

    responses = await asyncio.gather(*(one(m, s) for m in messages for s in statuses))
    for position, message in enumerate(messages):
        stored = await message_row(db, message.message_id)
        assert stored.status is MessageStatus.READ
        assert stored.sent_at and stored.delivered_at and stored.read_at
        assert stored.sent_at <= stored.delivered_at <= stored.read_at
        mine = responses[position * len(statuses) : (position + 1) * len(statuses)]
        answers = [r.json()["message"] for r in mine]
        changed = [a["status"] for a in answers if a["changed"]]
        assert len(set(changed)) == len(changed), f"a status was applied twice: {changed}"
        assert "read" in changed
