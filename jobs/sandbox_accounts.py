"""Sandbox mode: an emulated subaccount and a sender for every merchant that has no
account of its own (services/accounts/sandbox.py), at start and when a merchant is made.

Twilio (the emulator) is asked with no transaction open, then each merchant's account is
stored in a short transaction. Two processes doing this at once (two servers starting,
or `campaigns merchant create` beside a running server) take turns on an advisory lock,
so a merchant never gets two subaccounts: whoever comes second finds it provisioned. A
subaccount made for a merchant that could not take it is closed again.
"""

import logging

from db.database import Database
from jobs.twilio_accounts import close_orphan
from repositories import locks
from repositories.twilio_accounts import TwilioAccountRepository
from services.accounts.credentials import CredentialsCipher
from services.accounts.sandbox import store_sandbox_account
from services.settings import Settings
from services.twilio.errors import TwilioError
from services.twilio.gateway import TwilioGateway

logger = logging.getLogger(__name__)

PROVISION_LOCK = 7_406_522_010  # beside the approval job's leader lock (…002)


async def provision_sandbox_accounts(
    db: Database, gateway: TwilioGateway, settings: Settings
) -> dict[int, str]:
    """Give every merchant without an account a subaccount (and a sender when it has
    none); returns the account sid given to each merchant provisioned now."""
    cipher = CredentialsCipher.from_settings(settings)
    provisioned: dict[int, str] = {}
    async with db.engine.connect() as connection:
        holder = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await locks.lock(holder, PROVISION_LOCK)
        try:
            async with db.session() as session:
                waiting = await TwilioAccountRepository(session).merchants_without_account()
            for merchant_id, name in waiting:
                try:
                    sid = await _provision(db, gateway, cipher, merchant_id, name)
                except Exception:  # one merchant's problem must not hold up the others
                    logger.exception("provisioning merchant %s's sandbox account", merchant_id)
                    continue
                if sid is not None:
                    provisioned[merchant_id] = sid
        finally:
            await locks.unlock(holder, PROVISION_LOCK)
    if provisioned:
        logger.debug("sandbox subaccounts made for merchants %s", sorted(provisioned))
    return provisioned


async def _provision(
    db: Database, gateway: TwilioGateway, cipher: CredentialsCipher, merchant_id: int, name: str
) -> str | None:
    try:
        made = await gateway.create_subaccount(name)
    except TwilioError as error:
        logger.error("no sandbox subaccount for merchant %s: %s", merchant_id, error)
        return None
    assert made.auth_token is not None  # a new subaccount's answer carries its token
    stored = None
    try:
        async with db.transaction() as session:
            stored = await store_sandbox_account(
                session, cipher, merchant_id, made.sid, made.auth_token, made.friendly_name or name
            )
    finally:
        if stored is None:
            await close_orphan(gateway, made.sid)
    return made.sid if stored is not None else None
