"""SQL for merchants' own Twilio accounts."""

from collections.abc import Sequence

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignSendStatus, TwilioAccountKind
from db.models import CampaignSend, Merchant, Message, TwilioAccount

# A send that may still call Twilio (in the account it started with).
LIVE_SENDS = (CampaignSendStatus.SCHEDULED, CampaignSendStatus.RUNNING, CampaignSendStatus.PAUSED)


class TwilioAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_merchant(self, merchant_id: int) -> TwilioAccount | None:
        """The merchant's own account; None: it uses the platform's."""
        statement = select(TwilioAccount).where(TwilioAccount.merchant_id == merchant_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_merchants(self, merchant_ids: Sequence[int]) -> dict[int, TwilioAccount]:
        statement = select(TwilioAccount).where(TwilioAccount.merchant_id.in_(merchant_ids))
        accounts = (await self.session.execute(statement)).scalars()
        return {account.merchant_id: account for account in accounts}

    async def merchants_without_account(self) -> list[tuple[int, str]]:
        """(id, name) of every merchant on the platform's account, oldest first."""
        statement = (
            select(Merchant.id, Merchant.name)
            .where(~exists().where(TwilioAccount.merchant_id == Merchant.id))
            .order_by(Merchant.id)
        )
        return [(row[0], row[1]) for row in (await self.session.execute(statement)).all()]

    async def owner_of(self, account_sid: str) -> tuple[Merchant, TwilioAccount] | None:
        """The merchant owning the account (a webhook's AccountSid), with the account."""
        statement = (
            select(Merchant, TwilioAccount)
            .join(TwilioAccount, TwilioAccount.merchant_id == Merchant.id)
            .where(TwilioAccount.account_sid == account_sid)
        )
        row = (await self.session.execute(statement)).one_or_none()
        return (row[0], row[1]) if row else None

    async def sid_taken(self, account_sid: str, merchant_id: int) -> bool:
        """Whether another merchant already has this account."""
        statement = select(
            exists().where(
                TwilioAccount.account_sid == account_sid,
                TwilioAccount.merchant_id != merchant_id,
            )
        )
        return bool(await self.session.scalar(statement))

    async def has_live_send(self, merchant_id: int) -> bool:
        statement = select(
            exists().where(
                CampaignSend.merchant_id == merchant_id, CampaignSend.status.in_(LIVE_SENDS)
            )
        )
        return bool(await self.session.scalar(statement))

    async def add(
        self,
        merchant_id: int,
        account_sid: str,
        kind: TwilioAccountKind,
        credentials: bytes,
        friendly_name: str,
    ) -> TwilioAccount:
        account = TwilioAccount(
            merchant_id=merchant_id,
            account_sid=account_sid,
            kind=kind,
            credentials=credentials,
            friendly_name=friendly_name,
        )
        self.session.add(account)
        await self.session.flush()
        return account

    async def replace(
        self,
        merchant_id: int,
        account_sid: str,
        kind: TwilioAccountKind,
        credentials: bytes,
        friendly_name: str,
    ) -> TwilioAccount | None:
        """The merchant's account row, now describing another account (or new credentials
        of the same one); None when the merchant has none."""
        statement = (
            update(TwilioAccount)
            .where(TwilioAccount.merchant_id == merchant_id)
            .values(
                account_sid=account_sid,
                kind=kind,
                credentials=credentials,
                friendly_name=friendly_name,
            )
            .returning(TwilioAccount)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def lock_merchant(self, merchant_id: int) -> bool:
        """Serialise changes to one merchant's account and senders (two first senders
        added at once must not both become the default). False: no such merchant."""
        statement = select(Merchant.id).where(Merchant.id == merchant_id).with_for_update()
        return (await self.session.scalar(statement)) is not None


async def accounts_of_messages(
    session: AsyncSession, message_ids: Sequence[int]
) -> dict[int, str | None]:
    """The Twilio account each message went through (None: the platform's, older rows)."""
    statement = select(Message.id, Message.twilio_account_sid).where(Message.id.in_(message_ids))
    return {row.id: row.twilio_account_sid for row in await session.execute(statement)}
