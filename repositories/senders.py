"""SQL for merchants' WhatsApp senders. A removed sender keeps its row (removed_at)."""

from collections.abc import Sequence

from sqlalchemy import Select, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CampaignSend, Sender
from repositories.twilio_accounts import LIVE_SENDS

_OLDEST_FIRST = (Sender.created_at, Sender.id)


class SenderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _live(self, merchant_id: int) -> Select[Sender]:
        return select(Sender).where(Sender.merchant_id == merchant_id, Sender.removed_at.is_(None))

    async def live(self, merchant_id: int) -> list[Sender]:
        """The merchant's live senders, oldest first."""
        statement = self._live(merchant_id).order_by(*_OLDEST_FIRST)
        return list((await self.session.execute(statement)).scalars())

    async def live_by_merchants(self, merchant_ids: Sequence[int]) -> dict[int, list[Sender]]:
        statement = (
            select(Sender)
            .where(Sender.merchant_id.in_(merchant_ids), Sender.removed_at.is_(None))
            .order_by(*_OLDEST_FIRST)
        )
        found: dict[int, list[Sender]] = {}
        for sender in (await self.session.execute(statement)).scalars():
            found.setdefault(sender.merchant_id, []).append(sender)
        return found

    async def by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, Sender]:
        """The merchant's senders by id, removed ones included (history names them)."""
        statement = select(Sender).where(Sender.merchant_id == merchant_id, Sender.id.in_(ids))
        return {sender.id: sender for sender in (await self.session.execute(statement)).scalars()}

    async def in_live_send(self, sender_id: int) -> bool:
        """Whether a scheduled, running or paused send goes out from this sender."""
        statement = select(
            exists().where(CampaignSend.sender_id == sender_id, CampaignSend.status.in_(LIVE_SENDS))
        )
        return bool(await self.session.scalar(statement))

    async def live_one(self, merchant_id: int, sender_id: int) -> Sender | None:
        """The merchant's live sender; None for a removed one, another merchant's or none."""
        statement = self._live(merchant_id).where(Sender.id == sender_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def live_address(self, merchant_id: int, address: str) -> Sender | None:
        statement = self._live(merchant_id).where(Sender.address == address)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def receives_at(self, merchant_id: int, address: str) -> bool:
        """Whether a message to `address` reached one of the merchant's senders: that
        number (removed or not: people answer old messages), or any number when the
        merchant has a Messaging Service sender (its numbers are Twilio's to know)."""
        statement = select(
            exists().where(
                Sender.merchant_id == merchant_id,
                or_(Sender.address == address, Sender.address.startswith("MG")),
            )
        )
        return bool(await self.session.scalar(statement))

    async def default_of(self, merchant_id: int) -> Sender | None:
        statement = self._live(merchant_id).where(Sender.is_default)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(
        self, merchant_id: int, address: str, rate_limit: int, *, is_default: bool
    ) -> Sender:
        sender = Sender(
            merchant_id=merchant_id, address=address, rate_limit=rate_limit, is_default=is_default
        )
        self.session.add(sender)
        await self.session.flush()
        return sender

    async def clear_default(self, merchant_id: int) -> None:
        await self.session.execute(
            update(Sender)
            .where(Sender.merchant_id == merchant_id, Sender.is_default)
            .values(is_default=False)
            .execution_options(synchronize_session="fetch")
        )

    async def make_default(self, sender_id: int) -> None:
        await self.session.execute(
            update(Sender)
            .where(Sender.id == sender_id)
            .values(is_default=True)
            .execution_options(synchronize_session="fetch")
        )

    async def remove(self, merchant_id: int, sender_id: int) -> Sender | None:
        """The live sender, removed now (and no longer the default); None if there is no
        such live sender of the merchant."""
        statement = (
            update(Sender)
            .where(
                Sender.id == sender_id,
                Sender.merchant_id == merchant_id,
                Sender.removed_at.is_(None),
            )
            .values(removed_at=func.now(), is_default=False)
            .returning(Sender)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()
