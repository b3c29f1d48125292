"""Sandbox mode's accounts: every merchant gets an emulated subaccount of the sandbox's
account and a WhatsApp sender number of its own, with no setup (jobs/sandbox_accounts.py
asks the emulator for the subaccount; this stores it).

A merchant's sandbox sender is `whatsapp:+1555`, its id in 7 digits (more past
9,999,999), then `0`: merchant 42 sends from `whatsapp:+155500000420`. Unique per
merchant, and never ending like the emulator's outcome numbers (a From ending in 63007
fails every message).
"""

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import TwilioAccountKind
from db.models import TwilioAccount
from repositories.senders import SenderRepository
from repositories.twilio_accounts import TwilioAccountRepository
from services.accounts.accounts import TwilioAccountService
from services.accounts.credentials import CredentialsCipher, TwilioCredentials
from services.accounts.senders import DEFAULT_SENDER_RATE


def sandbox_sender(merchant_id: int) -> str:
    return f"whatsapp:+1555{merchant_id:07d}0"


async def store_sandbox_account(
    session: AsyncSession,
    cipher: CredentialsCipher,
    merchant_id: int,
    account_sid: str,
    auth_token: str,
    friendly_name: str,
) -> TwilioAccount | None:
    """The merchant's new subaccount, and its sandbox sender as its default when it has
    no sender yet. None (nothing stored) when the merchant got an account meanwhile or
    is gone: the caller closes the subaccount again."""
    accounts = TwilioAccountRepository(session)
    if not await accounts.lock_merchant(merchant_id):
        return None
    if await accounts.of_merchant(merchant_id) is not None:
        return None
    account = await TwilioAccountService(session, cipher).store(
        merchant_id,
        account_sid,
        TwilioAccountKind.SUBACCOUNT,
        TwilioCredentials(auth_token=auth_token),
        friendly_name,
    )
    senders = SenderRepository(session)
    if not await senders.live(merchant_id):
        await senders.add(
            merchant_id, sandbox_sender(merchant_id), DEFAULT_SENDER_RATE, is_default=True
        )
    return account
