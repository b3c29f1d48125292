from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiToken, Merchant


class MerchantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, merchant_id: int) -> Merchant | None:
        return await self.session.get(Merchant, merchant_id)

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
