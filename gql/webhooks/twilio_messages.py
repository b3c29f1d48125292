"""Twilio's form-encoded message webhooks:

- POST /webhooks/twilio/messages/status: status callbacks of the messages we send;
- POST /webhooks/twilio/messages/inbound: messages people send to our WhatsApp sender.

Both are refused with 403 unless X-Twilio-Signature covers the public URL and every
parameter that arrived, computed with the auth token of the account named by AccountSid
(jobs/webhook_accounts.py: the platform's, or a merchant's own; an unknown one is 403),
and with 400 when a required one is missing or malformed. A status callback touches only
its own account's messages; an inbound message to a merchant's account, only that
merchant's person.
Anything else a signed request carries is acknowledged with a 2xx (an unknown sid or
status included), so Twilio does not retry what would fail again.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gql.webhooks.signed import public_url_of, refuse
from jobs.runtime import Runtime
from jobs.status_batcher import StatusBatcher
from jobs.webhook_accounts import Refusal, SigningAccount, WebhookAccounts
from services.messages.inbound import InboundOutcome, Receiver, record_inbound
from services.messages.status import StatusResult, StatusUpdate
from services.telemetry.request_ids import current
from services.twilio.signatures import WebhookVerifier

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]

# Twilio reads the answer to an inbound message as TwiML: an empty one sends no reply.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
SID_LENGTH = 34  # two letters and 32 hex digits, Message.sid's width
_INT4_MAX = 2**31 - 1  # Message.error_code is an INTEGER
# The send engine records a message just after Twilio accepts it, and a fast callback
# can beat that commit: a sid is looked up again after these pauses before it is called
# unknown, rather than losing the callback (Twilio does not resend an acknowledged one).
UNKNOWN_SID_RETRIES = (0.1, 0.3, 0.6)
MAX_FORM_FIELDS = 1000  # as Starlette's form parser


async def _form_items(request: Request) -> Sequence[tuple[str, str | UploadFile]]:
    """The form's fields in order. Twilio posts URL-encoded forms: they are split here by
    the standard library, decoded as Starlette decodes them (bytes as Latin-1, %-escapes
    as UTF-8), at a fraction of the cost of Starlette's streaming parser; other bodies
    (multipart) go through Starlette's."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        async with request.form() as form:
            return form.multi_items()
    body = (await request.body()).decode("latin-1")
    try:
        return parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as error:  # too many fields
        raise HTTPException(400, str(error)) from error


async def _form(request: Request) -> dict[str, str] | Response:
    """The form's parameters, one value each, else the refusal to send."""
    try:
        items = await _form_items(request)
    except (HTTPException, MultiPartException) as error:
        return refuse(400, f"Unreadable form body: {getattr(error, 'detail', error)}")
    params: dict[str, str] = {}
    for name, value in items:
        if not isinstance(value, str):
            return refuse(400, "File uploads are not accepted here.")
        if name in params:
            # The signature check sees one value per name, so it cannot vouch for a
            # repeated one: refuse rather than trust an unsigned value.
            return refuse(403, f"Parameter {name!r} arrived more than once.")
        params[name] = value
    return params


async def _signed_params(
    request: Request, runtime: Runtime, accounts: WebhookAccounts
) -> tuple[dict[str, str], SigningAccount] | Response:
    """The form's parameters and the account that signed them, when the token of the
    account they name (AccountSid) signed all of them; else the refusal to send."""
    if isinstance(platform := accounts.platform(), Refusal):
        return refuse(platform.status, platform.reason)
    params = await _form(request)
    if isinstance(params, Response):
        return params
    url = public_url_of(request, runtime.settings)
    signature = request.headers.get("X-Twilio-Signature")
    named = params.get("AccountSid", "").strip() or None
    signer = await accounts.verified(
        named, lambda token: WebhookVerifier(token).form(url, params, signature)
    )
    if isinstance(signer, Refusal):
        logger.warning("refused a message webhook: %s", signer.reason)
        return refuse(signer.status, signer.reason)
    if signer is None:
        logger.warning("refused a message webhook with a bad signature: %s", url)
        return refuse(403, "Invalid or missing X-Twilio-Signature.")
    return params, signer


def _invalid(params: dict[str, str], *names: str) -> Response | None:
    absent = [name for name in names if not params.get(name, "").strip()]
    if absent:
        return refuse(400, f"Missing {', '.join(absent)}.")
    sid = params["MessageSid"].strip()
    # Checked so that no value PostgreSQL would refuse (a NUL, an over-long sid) can
    # turn into a server error.
    if len(sid) > SID_LENGTH or not (sid.isascii() and sid.isalnum()):
        return refuse(400, "MessageSid is not a Twilio message sid.")
    return None


def _error_code(raw: str | None, sid: str) -> int | None:
    """Twilio's numeric ErrorCode; anything else is logged and dropped, since the status
    it came with still matters."""
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    if text.isascii() and text.isdigit() and int(text) <= _INT4_MAX:
        return int(text)
    logger.warning("message %s: ErrorCode %.40r is not a Twilio error code", sid, raw)
    return None


async def _apply(
    batcher: StatusBatcher,
    signer: SigningAccount,
    sid: str,
    status: str,
    code: int | None,
    message: str | None,
) -> StatusResult | None:
    for pause in (0.0, *UNKNOWN_SID_RETRIES):
        await asyncio.sleep(pause)
        # Answered once the callback's batch committed: acknowledging earlier could lose
        # a status that Twilio will not send again.
        update = StatusUpdate(
            sid, status, code, message, datetime.now(UTC), signer.account_sid, current()
        )
        result = await batcher.apply(update)
        if result is not None:
            return result
    return None


def twilio_message_status_endpoint(runtime: Runtime) -> Endpoint:
    # One batcher per endpoint (so per process): callbacks arriving together share a
    # transaction. It needs no start or stop: it works only while callbacks wait on it.
    # It writes through the jobs' pool, which does not ping a connection before each
    # transaction (three round trips, as many as the batch's own statements); the
    # batcher applies a batch again when its connection turns out to be gone. A callback
    # touches only its own account's messages; the platform's account also owns those
    # recorded without an account.
    platform = runtime.settings.twilio_account_sid
    batcher = StatusBatcher(
        runtime.jobs_db,
        platform_account_sid=platform,
        limited_retry_delays=runtime.settings.limited_retry_delays,
    )
    accounts = runtime.webhook_accounts

    async def endpoint(request: Request) -> Response:
        signed = await _signed_params(request, runtime, accounts)
        if isinstance(signed, Response):
            return signed
        params, signer = signed
        if refusal := _invalid(params, "MessageSid", "MessageStatus"):
            return refusal
        sid, status = params["MessageSid"].strip(), params["MessageStatus"].strip()
        code = _error_code(params.get("ErrorCode"), sid)
        error = params.get("ErrorMessage") or None
        result = await _apply(batcher, signer, sid, status, code, error)
        if result is None:
            # Another application's message on the same account, most likely (or a
            # message of another account, which this one's callback must not touch):
            # refusing it would only make Twilio report errors for it.
            logger.info("status %.40r for unknown message %s acknowledged", status, sid)
            return JSONResponse({"message": None})
        return JSONResponse({"message": {"status": result.status.value, "changed": result.changed}})

    return endpoint


def twilio_inbound_message_endpoint(runtime: Runtime) -> Endpoint:
    accounts = runtime.webhook_accounts

    async def endpoint(request: Request) -> Response:
        signed = await _signed_params(request, runtime, accounts)
        if isinstance(signed, Response):
            return signed
        params, signer = signed
        if refusal := _invalid(params, "MessageSid", "From"):
            return refusal
        sid = params["MessageSid"].strip()
        receiver = None
        if signer.merchant_id is not None:
            receiver = Receiver(signer.merchant_id, signer.account_sid)
        async with runtime.db.transaction() as session:
            result = await record_inbound(
                session,
                sid,
                params["From"],
                params.get("Body", ""),
                datetime.now(UTC),
                to=params.get("To", ""),
                receiver=receiver,
                platform_account_sid=runtime.settings.twilio_account_sid,
            )
        if result.outcome is InboundOutcome.UNKNOWN_SENDER:
            logger.info("inbound message %s from a phone no merchant messaged ignored", sid)
        elif result.outcome is InboundOutcome.UNKNOWN_RECIPIENT:
            logger.info("inbound message %s to none of its account's senders ignored", sid)
        elif result.keyword is not None:
            logger.info("inbound %s: %s for merchants %s", sid, result.keyword, result.merchant_ids)
        return Response(EMPTY_TWIML, media_type="text/xml")

    return endpoint
