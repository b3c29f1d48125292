from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiToken, Merchant


class MerchantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, merchant_id: int) -> Merchant | None:
        return await self.session.get(Merchant, merchant_id)

    async def after(self, after_id: int, limit: int) -> list[Merchant]:
        """Merchants in id order, for jobs that walk all of them in batches."""
        statement = select(Merchant).where(Merchant.id > after_id).order_by(Merchant.id)
        return list((await self.session.execute(statement.limit(limit))).scalars())

    async def by_token_hash(self, token_hash: str) -> Merchant | None:
        statement = (
            select(Merchant)
            .join(ApiToken, ApiToken.merchant_id == Merchant.id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, merchant: Merchant) -> Merchant:
        self.session.add(merchant)
        await self.session.flush()
        return merchant

    async def add_token(self, merchant: Merchant, token_hash: str, label: str) -> ApiToken:
        token = ApiToken(merchant_id=merchant.id, token_hash=token_hash, label=label)
        self.session.add(token)
        await self.session.flush()
        return token
