"""Giving a merchant its own Twilio account, Twilio first and then one short transaction
(no transaction is open while Twilio is asked).

- `onboard_merchant` (`campaigns merchant create`): with platform credentials, a new
  subaccount named after the merchant, or the existing account given, verified; then the
  merchant, its token, templates and account in one transaction. A subaccount made for a
  merchant that could not be saved is closed again.
- `connect_account` (the connectTwilioAccount mutation): verify, then store in place of
  the merchant's current account (services/accounts/accounts.py says when that is refused).

The credentials key is checked before Twilio is called, so a server without one refuses
with nothing created at Twilio.
"""

import logging

from db.database import Database
from db.enums import TwilioAccountKind
from db.models import TwilioAccount
from services.accounts.accounts import AccountToConnect, TwilioAccountService
from services.accounts.credentials import CredentialsCipher, TwilioCredentials
from services.errors import ErrorCode, ServiceError
from services.merchants.service import NewMerchant, create_merchant
from services.settings import Settings
from services.twilio.errors import ErrorKind, TwilioError
from services.twilio.gateway import TwilioAccountInfo, TwilioGateway

logger = logging.getLogger(__name__)


def _refused(error: TwilioError, path: tuple[str, ...]) -> ServiceError:
    if error.status in (401, 403, 404):
        return ServiceError.single(
            ErrorCode.INVALID_CREDENTIALS,
            "Twilio did not accept these credentials for this account "
            f"(Twilio error {error.code or error.status}).",
            path,
        )
    unavailable = error.kind in (ErrorKind.RETRYABLE, ErrorKind.IN_DOUBT)
    code = ErrorCode.TWILIO_UNAVAILABLE if unavailable else ErrorCode.TWILIO_ERROR
    return ServiceError.single(code, f"Twilio could not check the account: {error}", path)


async def verify_account(
    gateway: TwilioGateway, account: AccountToConnect, path: tuple[str, ...] = ("input",)
) -> TwilioAccountInfo:
    """The account as Twilio has it, checked with each credential given (an API key and
    an auth token given together must both work), and active. The auth token fetches the
    account (its name and status); an API key is tried on the account's messages, as a
    Standard key may not fetch the account. A key alone says the account is active (a
    suspended or closed account's keys are refused) but not its name: it is left empty."""
    sid, credentials = account.account_sid, account.credentials
    fetched = TwilioAccountInfo(sid=sid, friendly_name="", status="active")
    try:
        if credentials.api_key_sid and credentials.api_key_secret:
            await gateway.check_api_key(sid, credentials.api_key_sid, credentials.api_key_secret)
        if credentials.auth_token:
            fetched = await gateway.fetch_account(sid, credentials.auth_token)
    except TwilioError as error:
        raise _refused(error, (*path, "accountSid")) from error
    if fetched.status != "active":
        raise ServiceError.single(
            ErrorCode.INVALID_CREDENTIALS,
            f"This Twilio account is {fetched.status or 'not active'}.",
            (*path, "accountSid"),
        )
    return fetched


async def connect_account(
    db: Database,
    gateway: TwilioGateway,
    settings: Settings,
    merchant_id: int,
    account: AccountToConnect,
) -> TwilioAccount:
    cipher = CredentialsCipher.from_settings(settings)
    fetched = await verify_account(gateway, account)
    async with db.transaction() as session:
        return await TwilioAccountService(session, cipher).store(
            merchant_id,
            account.account_sid,
            TwilioAccountKind.CONNECTED,
            account.credentials,
            fetched.friendly_name,
        )


async def onboard_merchant(
    db: Database,
    gateway: TwilioGateway,
    settings: Settings,
    name: str,
    *,
    commerce: bool = False,
    existing: AccountToConnect | None = None,
) -> tuple[NewMerchant, TwilioAccount]:
    """A merchant on its own Twilio account: `existing` if given, else a new subaccount."""
    cipher = CredentialsCipher.from_settings(settings)
    if existing is not None:
        fetched = await verify_account(gateway, existing)
        sid, credentials, kind = existing.account_sid, existing.credentials, "connected"
    else:
        try:
            fetched = await gateway.create_subaccount(name)
        except TwilioError as error:
            raise ServiceError.single(
                ErrorCode.TWILIO_ERROR, f"Twilio could not create a subaccount: {error}"
            ) from error
        sid, kind = fetched.sid, "subaccount"
        credentials = TwilioCredentials(auth_token=fetched.auth_token)
    try:
        async with db.transaction() as session:
            created = await create_merchant(session, name, commerce=commerce)
            account = await TwilioAccountService(session, cipher).store(
                created.merchant.id,
                sid,
                TwilioAccountKind(kind),
                credentials,
                fetched.friendly_name or name,
            )
    except BaseException:
        if existing is None:
            await close_orphan(gateway, sid)
        raise
    return created, account


async def close_orphan(gateway: TwilioGateway, sid: str) -> None:
    """Close a subaccount made for a merchant that could not take it (logged if Twilio
    cannot: it is then left open, empty)."""
    try:
        await gateway.close_subaccount(sid)
    except TwilioError as error:
        logger.error("could not close subaccount %s made for no merchant: %s", sid, error)
