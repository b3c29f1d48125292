"""Credentials encryption and key rotation, the sandbox's key file, and which account and
sender a merchant's message would go through."""

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from cli.sandbox import credentials_key
from db.database import Database
from db.enums import TwilioAccountKind
from services.accounts.accounts import TwilioAccountService
from services.accounts.credentials import CredentialsCipher, TwilioCredentials
from services.accounts.routing import twilio_route
from services.accounts.senders import SenderService
from services.errors import ErrorCode, ServiceError
from services.merchants.service import create_merchant
from services.settings import Settings

SID = "AC" + "2" * 32


def test_a_new_key_in_front_still_reads_credentials_stored_under_the_old_one() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = CredentialsCipher(old).encrypt(TwilioCredentials(auth_token="tok-123"))
    rotated_cipher = CredentialsCipher(f"{new},{old}")
    assert rotated_cipher.decrypt(stored).auth_token == "tok-123"
    rotated = rotated_cipher.rotate(stored)
    assert CredentialsCipher(new).decrypt(rotated).auth_token == "tok-123"
    with pytest.raises(ServiceError) as refused:
        CredentialsCipher(new).decrypt(stored)
    assert refused.value.errors[0].code == ErrorCode.CREDENTIALS_UNAVAILABLE


def test_no_key_or_a_bad_key_is_a_coded_refusal_that_names_the_setting() -> None:
    for settings in (Settings(), Settings(CAMPAIGNS_CREDENTIALS_KEY="not-a-key")):
        with pytest.raises(ServiceError) as refused:
            CredentialsCipher.from_settings(settings)
        error = refused.value.errors[0]
        assert error.code == ErrorCode.CREDENTIALS_UNAVAILABLE
        assert "CAMPAIGNS_CREDENTIALS_KEY" in error.message and "not-a-key" not in error.message


def test_credentials_do_not_show_in_their_repr() -> None:
    shown = repr(TwilioCredentials(auth_token="tok-123", api_key_sid="SK1", api_key_secret="sec"))
    assert "tok-123" not in shown and "sec'" not in shown


def test_the_sandbox_key_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    key = credentials_key(tmp_path)
    Fernet(key)
    assert credentials_key(tmp_path) == key
    mode = stat.S_IMODE(os.stat(tmp_path / "credentials.key").st_mode)
    assert mode == 0o600


async def test_the_route_is_the_merchants_account_and_chosen_sender(scratch_db: Database) -> None:
    key = Fernet.generate_key().decode()
    settings = Settings(CAMPAIGNS_CREDENTIALS_KEY=key, TWILIO_WHATSAPP_FROM="whatsapp:+1999")
    async with scratch_db.transaction() as session:
        mine = (await create_merchant(session, "Mine", with_templates=False)).merchant
        theirs = (await create_merchant(session, "Theirs", with_templates=False)).merchant
        await TwilioAccountService(session, CredentialsCipher(key)).store(
            mine.id, SID, TwilioAccountKind.SUBACCOUNT, TwilioCredentials(auth_token="t"), "Mine"
        )
        senders = SenderService(session)
        default = await senders.add(mine.id, "whatsapp:+14155238886", 40)
        other = await senders.add(mine.id, "whatsapp:+447911123456", 200)
        foreign = await senders.add(theirs.id, "whatsapp:+33612345678")
    async with scratch_db.session() as session:
        route = await twilio_route(session, settings, mine.id)
        chosen = await twilio_route(session, settings, mine.id, other.id)
        with pytest.raises(ServiceError) as refused:
            await twilio_route(session, settings, mine.id, foreign.id)
        plain = await twilio_route(session, settings, theirs.id)
    assert (route.account_sid, route.credentials and route.credentials.auth_token) == (SID, "t")
    assert (route.sender, route.rate_limit, route.sender_id) == (default.address, 40, default.id)
    assert (chosen.sender, chosen.rate_limit) == ("whatsapp:+447911123456", 200)
    assert refused.value.errors[0].code == ErrorCode.NOT_FOUND
    assert plain.on_platform_account and plain.sender == "whatsapp:+33612345678"
