"""SQL for API tokens: issuing, listing, revoking, looking up and recording use."""

from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiToken, Merchant

# One statement for many tokens; the WHERE keeps it to one write a minute per token
# whichever process reports the use.
_TOUCH = text(
    """
    UPDATE api_tokens AS t SET last_used_at = u.used_at
    FROM unnest(CAST(:ids AS bigint[]), CAST(:times AS timestamptz[])) AS u(id, used_at)
    WHERE t.id = u.id
      AND (t.last_used_at IS NULL OR t.last_used_at < u.used_at - interval '1 minute')
    """
)


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, merchant_id: int, name: str, token_hash: str, prefix: str) -> ApiToken:
        token = ApiToken(merchant_id=merchant_id, name=name, token_hash=token_hash, prefix=prefix)
        self.session.add(token)
        await self.session.flush()
        return token

    async def active_named(self, merchant_id: int, name: str) -> ApiToken | None:
        statement = select(ApiToken).where(
            ApiToken.merchant_id == merchant_id,
            ApiToken.name == name,
            ApiToken.revoked_at.is_(None),
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def active(self, merchant_id: int) -> list[ApiToken]:
        statement = (
            select(ApiToken)
            .where(ApiToken.merchant_id == merchant_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def revoke(self, merchant_id: int, token_id: int) -> ApiToken | None:
        """The token, revoked now; None when it is not the merchant's live token."""
        statement = (
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                ApiToken.merchant_id == merchant_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=func.now())
            .returning(ApiToken)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def owner(self, token_hash: str) -> tuple[Merchant, int] | None:
        """The merchant of a live token and the token's id."""
        statement = (
            select(Merchant, ApiToken.id)
            .join(ApiToken, ApiToken.merchant_id == Merchant.id)
            .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
        )
        row = (await self.session.execute(statement)).one_or_none()
        return (row[0], row[1]) if row else None

    async def touch(self, uses: dict[int, datetime]) -> None:
        ids = list(uses)
        await self.session.execute(_TOUCH, {"ids": ids, "times": [uses[i] for i in ids]})
