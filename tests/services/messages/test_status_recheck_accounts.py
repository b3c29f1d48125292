"""The status recheck job reads a merchant's message in the account it went through: the
merchant's own (connected) account, not the platform's, where it does not exist."""

import secrets

from sqlalchemy import func, update

from db.database import Database
from db.enums import MessageStatus, TwilioAccountKind
from db.models import Message
from repositories.twilio_accounts import TwilioAccountRepository
from services.accounts.credentials import CredentialsCipher, TwilioCredentials
from services.twilio.gateway import MessageRequest, TwilioGateway
from tests.conftest import RunningEmulator
from tests.gql.accounts.support import emulator_subaccount
from tests.gql.sending import emulator_admin
from tests.services.messages.ledger import (
    campaign_with_lead,
    message_row,
    new_merchant_id,
    new_phone,
    send_message,
)
from tests.services.messages.test_status_recheck import QUIET, TEXT, job, twilio_message
from tests.support import CREDENTIALS_KEY, eventually, free_port


async def test_a_message_of_a_merchants_own_account_is_read_in_that_account(
    scratch_db: Database, gateway: TwilioGateway, emulator: RunningEmulator
) -> None:
    sub = await emulator_subaccount(emulator, "Recheck Shop Twilio")
    own = TwilioGateway.for_account(
        gateway.settings, sub["sid"], sub["sid"], sub["auth_token"], "whatsapp:+14155230001"
    )
    try:
        name = f"recheck_own_{secrets.token_hex(4)}"
        content = await own.create_content(name, "en", {"1": "Ana", "2": "7"}, TEXT)
        await own.request_approval(content, name, "UTILITY")
        approval = {"status": "approved", "immediately": True}
        await emulator_admin(emulator, "POST", f"/contents/{content}/approval", approval)
        phone = new_phone()
        dead = f"http://127.0.0.1:{free_port()}/webhooks/twilio/messages/status"
        request = MessageRequest(phone, content, {"1": "Ana", "2": "7"}, dead)
        sent = await own.send_message(request)
    finally:
        await own.close()
    merchant_id = await new_merchant_id(scratch_db)
    credentials = CredentialsCipher(CREDENTIALS_KEY).encrypt(
        TwilioCredentials(auth_token=sub["auth_token"])
    )
    async with scratch_db.transaction() as session:
        await TwilioAccountRepository(session).add(
            merchant_id, sub["sid"], TwilioAccountKind.CONNECTED, credentials, "Recheck Shop"
        )
    lead = await campaign_with_lead(scratch_db, merchant_id, phone)
    recorded = await send_message(
        scratch_db, merchant_id, lead, status=MessageStatus.QUEUED, sid=sent.sid
    )
    async with scratch_db.transaction() as session:
        await session.execute(
            update(Message)
            .where(Message.id == recorded.message_id)
            .values(
                twilio_account_sid=sub["sid"],
                updated_at=func.now() - QUIET,
                status_check_at=func.now(),
            )
        )
    await eventually(lambda: twilio_message(emulator, sent.sid), lambda m: m["status"] == "read")
    assert await job(scratch_db, gateway).run_once() == 1
    assert (await message_row(scratch_db, recorded.message_id)).status is MessageStatus.READ
