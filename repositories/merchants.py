from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Merchant


class MerchantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, merchant_id: int) -> Merchant | None:
        return await self.session.get(Merchant, merchant_id)

    async def one(self, merchant_id: int) -> Merchant:
        """The merchant, which must exist (raises otherwise)."""
        return await self.session.get_one(Merchant, merchant_id)

    async def after(self, after_id: int, limit: int) -> list[Merchant]:
        """Merchants in id order, for jobs that walk all of them in batches."""
        statement = select(Merchant).where(Merchant.id > after_id).order_by(Merchant.id)
        return list((await self.session.execute(statement.limit(limit))).scalars())

    async def add(self, merchant: Merchant) -> Merchant:
        self.session.add(merchant)
        await self.session.flush()
        return merchant
