"""Message webhooks by account, over real HTTP: each callback is verified with the token
of the account it names, and touches only that account's messages and merchant."""

import asyncio
import secrets
from dataclasses import dataclass

import httpx
from twilio.request_validator import RequestValidator

from db.database import Database
from db.enums import MessageStatus, TwilioAccountKind
from db.models import Message
from repositories.senders import SenderRepository
from services.accounts.accounts import TwilioAccountService
from services.accounts.credentials import CredentialsCipher, TwilioCredentials
from tests.conftest import RunningEmulator
from tests.gql.accounts.support import emulator_subaccount
from tests.gql.webhooks.test_message_webhooks import (
    INBOUND,
    STATUS,
    inbound_message,
    status_callback,
)
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
from tests.support import CREDENTIALS_KEY, EMULATOR_SID, EMULATOR_TOKEN


@dataclass(frozen=True)
class OwnAccount:
    merchant_id: int
    sid: str
    token: str
    sender: str


async def merchant_on_own_account(db: Database, emulator: RunningEmulator) -> OwnAccount:
    """A merchant with a subaccount of the emulator's and a sender of its own."""
    merchant_id = await new_merchant_id(db, "Own Account Shop")
    account = await emulator_subaccount(emulator, f"Shop {merchant_id}")
    sender = f"whatsapp:+1555{secrets.randbelow(10**7):07d}"
    async with db.transaction() as session:
        await TwilioAccountService(session, CredentialsCipher(CREDENTIALS_KEY)).store(
            merchant_id,
            account["sid"],
            TwilioAccountKind.SUBACCOUNT,
            TwilioCredentials(auth_token=account["auth_token"]),
            account["friendly_name"],
        )
        await SenderRepository(session).add(merchant_id, sender, 80, is_default=True)
    return OwnAccount(merchant_id, account["sid"], account["auth_token"], sender)


async def sent_through(db: Database, merchant_id: int, account_sid: str | None) -> SentMessage:
    """A message of the merchant that went through that account (None: recorded
    without one, as before accounts existed)."""
    lead = await campaign_with_lead(db, merchant_id, new_phone())
    return await sent_to(db, merchant_id, lead, account_sid)


async def sent_to(
    db: Database, merchant_id: int, lead: object, account_sid: str | None
) -> SentMessage:
    message = await send_message(db, merchant_id, lead)  # type: ignore[arg-type]
    async with db.transaction() as session:
        (await session.get_one(Message, message.message_id)).twilio_account_sid = account_sid
    return message


async def post_signed(
    http: httpx.AsyncClient, path: str, params: dict[str, str], token: str
) -> httpx.Response:
    url = str(http.base_url).rstrip("/") + path
    signature = RequestValidator(token).compute_signature(url, params)
    return await http.post(path, data=params, headers={"X-Twilio-Signature": signature})


def callback_of(account: str, sid: str, status: str) -> dict[str, str]:
    return {**status_callback(sid, status), "AccountSid": account}


async def test_a_callback_of_one_merchants_account_never_touches_anothers_message(
    http: httpx.AsyncClient, db: Database, emulator: RunningEmulator
) -> None:
    a, b = [await merchant_on_own_account(db, emulator) for _ in range(2)]
    message = await sent_through(db, b.merchant_id, b.sid)
    forged = await post_signed(http, STATUS, callback_of(a.sid, message.sid, "failed"), a.token)
    assert forged.status_code == 200, forged.text
    assert forged.json() == {"message": None}, "nothing of another account is told either"
    assert (await message_row(db, message.message_id)).status is MessageStatus.QUEUED
    own = await post_signed(http, STATUS, callback_of(b.sid, message.sid, "delivered"), b.token)
    assert own.json() == {"message": {"status": "delivered", "changed": True}}
    assert (await message_row(db, message.message_id)).status is MessageStatus.DELIVERED


async def test_forged_and_genuine_callbacks_in_one_batch(
    http: httpx.AsyncClient, db: Database, emulator: RunningEmulator
) -> None:
    a, b = [await merchant_on_own_account(db, emulator) for _ in range(2)]
    message = await sent_through(db, b.merchant_id, b.sid)
    # Arriving together they share a batch: the forged `read` goes further than the
    # genuine `sent` and must not stand in for it.
    forged, genuine = await asyncio.gather(
        post_signed(http, STATUS, callback_of(a.sid, message.sid, "read"), a.token),
        post_signed(http, STATUS, callback_of(b.sid, message.sid, "sent"), b.token),
    )
    assert (forged.json(), genuine.json()["message"]["status"]) == ({"message": None}, "sent")
    stored = await message_row(db, message.message_id)
    assert (stored.status, stored.read_at) == (MessageStatus.SENT, None)


async def test_the_platform_account_touches_only_its_own_messages(
    http: httpx.AsyncClient, db: Database, emulator: RunningEmulator
) -> None:
    own = await merchant_on_own_account(db, emulator)
    theirs = await sent_through(db, own.merchant_id, own.sid)
    platform_sid = await sent_through(db, await new_merchant_id(db), EMULATOR_SID)
    legacy = await sent_through(db, await new_merchant_id(db), None)
    for message in (theirs, platform_sid, legacy):
        params = callback_of(EMULATOR_SID, message.sid, "delivered")
        assert (await post_signed(http, STATUS, params, EMULATOR_TOKEN)).status_code == 200
    statuses = [
        (await message_row(db, m.message_id)).status for m in (theirs, platform_sid, legacy)
    ]
    assert statuses == [MessageStatus.QUEUED, MessageStatus.DELIVERED, MessageStatus.DELIVERED]
    # Without AccountSid (requests from before Twilio sent it): the platform's too.
    bare = {k: v for k, v in callback_of("", theirs.sid, "read").items() if k != "AccountSid"}
    assert (await post_signed(http, STATUS, bare, EMULATOR_TOKEN)).json() == {"message": None}


async def test_unknown_or_mismatched_accounts_are_refused(
    http: httpx.AsyncClient, db: Database, emulator: RunningEmulator
) -> None:
    own = await merchant_on_own_account(db, emulator)
    message = await sent_through(db, own.merchant_id, own.sid)
    stranger = "AC" + secrets.token_hex(16)
    cases = [
        (callback_of(stranger, message.sid, "read"), EMULATOR_TOKEN, "Unknown AccountSid"),
        (callback_of("AC\x00nope", message.sid, "read"), EMULATOR_TOKEN, "not a Twilio account"),
        # The merchant's account named, but signed with the platform's token: not its.
        (callback_of(own.sid, message.sid, "read"), EMULATOR_TOKEN, "X-Twilio-Signature"),
    ]
    for params, token, reason in cases:
        for path in (STATUS, INBOUND):
            response = await post_signed(http, path, params, token)
            assert response.status_code == 403, response.text
            assert reason in response.json()["error"]
    assert (await message_row(db, message.message_id)).status is MessageStatus.QUEUED


async def test_stop_to_a_merchants_sender_opts_out_at_that_merchant_only(
    http: httpx.AsyncClient, db: Database, emulator: RunningEmulator
) -> None:
    a, b = [await merchant_on_own_account(db, emulator) for _ in range(2)]
    phone = new_phone()
    at_a = await sent_to(
        db, a.merchant_id, await campaign_with_lead(db, a.merchant_id, phone), a.sid
    )
    at_b = await sent_to(
        db, b.merchant_id, await campaign_with_lead(db, b.merchant_id, phone), b.sid
    )
    # Through the emulator: it signs the incoming message with A's token, as Twilio does.
    async with httpx.AsyncClient(base_url=emulator.url, auth=emulator.credentials) as client:
        delivered = await client.post(
            "/_emulator/inbound",
            json={
                "from": f"whatsapp:{phone}",
                "to": a.sender,
                "body": "STOP",
                "account_sid": a.sid,
                "url": str(http.base_url).rstrip("/") + INBOUND,
            },
        )
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["delivery"]["http_status"] == 200, delivered.json()
    assert (await person_row(db, at_a.person_id)).opted_out_at is not None
    assert (await person_row(db, at_b.person_id)).opted_out_at is None
    # A's account naming B's sender: not A's sender, so nobody is opted out.
    to_b = {**inbound_message(phone, "STOP"), "AccountSid": a.sid, "To": b.sender}
    assert (await post_signed(http, INBOUND, to_b, a.token)).status_code == 200
    assert (await person_row(db, at_b.person_id)).opted_out_at is None


async def test_a_message_of_another_account_is_unknown_to_inbound_too(
    http: httpx.AsyncClient, db: Database, emulator: RunningEmulator
) -> None:
    own = await merchant_on_own_account(db, emulator)
    phone = new_phone()
    lead = await campaign_with_lead(db, own.merchant_id, phone)
    message = await sent_to(db, own.merchant_id, lead, own.sid)
    # A STOP to the platform's sender does not opt out of a merchant's own sender.
    stop = inbound_message(phone, "STOP", new_sid())
    assert (await post_signed(http, INBOUND, stop, EMULATOR_TOKEN)).status_code == 200
    assert (await person_row(db, message.person_id)).opted_out_at is None


async def test_a_rotated_auth_token_verifies_at_once(
    http: httpx.AsyncClient, db: Database, emulator: RunningEmulator
) -> None:
    own = await merchant_on_own_account(db, emulator)
    message = await sent_through(db, own.merchant_id, own.sid)
    sent = callback_of(own.sid, message.sid, "sent")
    assert (await post_signed(http, STATUS, sent, own.token)).status_code == 200  # now kept
    rotated = secrets.token_hex(16)
    async with db.transaction() as session:
        await TwilioAccountService(session, CredentialsCipher(CREDENTIALS_KEY)).store(
            own.merchant_id,
            own.sid,
            TwilioAccountKind.SUBACCOUNT,
            TwilioCredentials(auth_token=rotated),
            "Rotated",
        )
    delivered = callback_of(own.sid, message.sid, "delivered")
    assert (await post_signed(http, STATUS, delivered, rotated)).status_code == 200
    read = callback_of(own.sid, message.sid, "read")
    assert (await post_signed(http, STATUS, read, own.token)).status_code == 403, "old token"
    assert (await message_row(db, message.message_id)).status is MessageStatus.DELIVERED
