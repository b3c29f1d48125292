"""Which Twilio account and sender a merchant's message goes through.

Sending, reconciliation, submission and approval ask here (through jobs/gateways.py).
A merchant without an account of its own is on the platform's account (TWILIO_*
settings); one without live senders sends from the platform's sender at
CAMPAIGNS_SEND_RATE, as every merchant did before accounts existed.
"""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Sender, TwilioAccount
from repositories.senders import SenderRepository
from repositories.twilio_accounts import TwilioAccountRepository
from services.accounts.credentials import CredentialsCipher, TwilioCredentials
from services.errors import ErrorCode, ServiceError, not_found
from services.settings import Settings


@dataclass(frozen=True)
class TwilioRoute:
    account_sid: str | None  # None: the platform's account
    credentials: TwilioCredentials | None = field(repr=False)  # None: the platform's
    sender: str  # whatsapp:+E164 or a Messaging Service SID ("" if none is configured)
    rate_limit: float  # messages/s for this sender, across all processes; 0: no cap
    sender_id: int | None = None  # None: the platform's sender

    @property
    def on_platform_account(self) -> bool:
        return self.account_sid is None

    @property
    def pacing_key(self) -> str:
        """The sender's row in sender_rate_limits: the platform's sender keeps today's key;
        a merchant's is its account and address (the same number in two accounts is two
        senders), hashed when longer than the column."""
        if self.account_sid is None:
            return self.sender
        key = f"{self.account_sid}:{self.sender}"
        if len(key) <= 64:
            return key
        return f"{self.account_sid}:{hashlib.sha256(self.sender.encode()).hexdigest()[:29]}"


def platform_route(settings: Settings) -> TwilioRoute:
    return TwilioRoute(None, None, settings.platform_sender, settings.send_rate)


RouteKey = tuple[int, int | None]  # (merchant id, sender id or None for the platform's)


async def routes_of(
    session: AsyncSession, settings: Settings, keys: Iterable[RouteKey]
) -> dict[RouteKey, TwilioRoute]:
    """The routes of a batch's rows, two statements per merchant with senders: a row
    without a sender goes from the platform's sender in the platform's account; a row's
    sender is used even if removed since (its send was snapshotted with it)."""
    wanted: dict[int, set[int]] = {}
    for merchant_id, sender_id in keys:
        senders_of = wanted.setdefault(merchant_id, set())
        if sender_id is not None:
            senders_of.add(sender_id)
    routes: dict[RouteKey, TwilioRoute] = {}
    for merchant_id, sender_ids in wanted.items():
        routes[(merchant_id, None)] = platform_route(settings)
        if not sender_ids:
            continue
        account = await TwilioAccountRepository(session).of_merchant(merchant_id)
        credentials = _credentials(settings, account)
        found = await SenderRepository(session).by_ids(merchant_id, sorted(sender_ids))
        for sender_id, sender in found.items():
            routes[(merchant_id, sender_id)] = _route(settings, account, credentials, sender)
    return routes


def _credentials(settings: Settings, account: TwilioAccount | None) -> TwilioCredentials | None:
    if account is None:
        return None
    return CredentialsCipher.from_settings(settings).decrypt(account.credentials)


def _route(
    settings: Settings,
    account: TwilioAccount | None,
    credentials: TwilioCredentials | None,
    sender: Sender | None,
) -> TwilioRoute:
    """A merchant's route: its account (the platform's when None) from its sender (the
    platform's sender when None)."""
    return TwilioRoute(
        account_sid=account.account_sid if account else None,
        credentials=credentials,
        sender=sender.address if sender else settings.platform_sender,
        rate_limit=float(sender.rate_limit) if sender else settings.send_rate,
        sender_id=sender.id if sender else None,
    )


async def twilio_route(
    session: AsyncSession,
    settings: Settings,
    merchant_id: int,
    sender_id: int | None = None,
    path: Sequence[str] = ("senderId",),
) -> TwilioRoute:
    """The merchant's account and the given sender (its default when None). A sender
    that is not the merchant's live sender is NOT_FOUND."""
    account = await TwilioAccountRepository(session).of_merchant(merchant_id)
    senders = SenderRepository(session)
    if sender_id is not None:
        sender = await senders.live_one(merchant_id, sender_id)
        if sender is None:
            raise not_found("Sender", path)
    else:
        sender = await senders.default_of(merchant_id)
    return _route(settings, account, _credentials(settings, account), sender)


async def sending_route(
    session: AsyncSession,
    settings: Settings,
    merchant_id: int,
    sender_id: int | None = None,
    path: Sequence[str] = ("senderId",),
) -> TwilioRoute:
    """The route a new send or one-off goes out by. A merchant on an account of its own
    needs a sender there: its templates live in that account, so the platform's sender
    (in the platform's account) could not send them (NO_SENDER, before anything is
    written, rather than a failure at Twilio for every lead)."""
    route = await twilio_route(session, settings, merchant_id, sender_id, path)
    if route.account_sid is not None and route.sender_id is None:
        raise ServiceError.single(
            ErrorCode.NO_SENDER,
            "Your Twilio account has no sender here: add one (addSender) to send from it.",
            path,
        )
    return route


async def account_routes(
    session: AsyncSession, settings: Settings, account_sids: Iterable[str]
) -> dict[str, TwilioRoute]:
    """The routes of merchants' own accounts by SID, for reading what went through them
    (no sender); an account no merchant has now is left out."""
    routes: dict[str, TwilioRoute] = {}
    for account_sid in set(account_sids) - {settings.twilio_account_sid}:
        owned = await TwilioAccountRepository(session).owner_of(account_sid)
        if owned is None:
            continue
        routes[account_sid] = TwilioRoute(account_sid, _credentials(settings, owned[1]), "", 0.0)
    return routes
