"""A merchant's named API tokens: issue, list and revoke.

A token is `cmp_` and 43 characters of randomness; only its SHA-256 is stored, with its
first characters (`prefix`) so a merchant can tell tokens apart. The secret is shown
once, when issued. Revoking publishes a `TokenRevoked` event in the same transaction, so
every server process forgets the token when (and only if) the revocation commits.
"""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiToken
from repositories.tokens import TokenRepository
from services.errors import ErrorCode, ServiceError, not_found
from services.events.messages import TokenRevoked, publish

TOKEN_PREFIX = "cmp_"
SHOWN_PREFIX_LENGTH = 12  # "cmp_" and 8 random characters: 48 bits, enough to tell apart
MAX_NAME_LENGTH = 64


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 suffices (no slow KDF needed).
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    # 4 + 43 characters; anything much longer is not ours and not worth hashing.
    return token.startswith(TOKEN_PREFIX) and len(token) <= 128


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once


class TokenService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = TokenRepository(session)

    async def issue(self, merchant_id: int, name: str, path: tuple[str, ...] = ()) -> IssuedToken:
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise ServiceError.single(
                ErrorCode.INVALID_NAME,
                f"A token's name must have 1 to {MAX_NAME_LENGTH} characters.",
                path,
            )
        if await self.repository.active_named(merchant_id, name) is not None:
            raise ServiceError.single(
                ErrorCode.DUPLICATE_NAME, f"A live token is already named {name!r}.", path
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = await self.repository.add(
            merchant_id, name, hash_token(secret), secret[:SHOWN_PREFIX_LENGTH]
        )
        return IssuedToken(token, secret)

    async def list(self, merchant_id: int) -> list[ApiToken]:
        """The merchant's live tokens, oldest first."""
        return await self.repository.active(merchant_id)

    async def revoke(self, merchant_id: int, token_id: int) -> ApiToken:
        token = await self.repository.revoke(merchant_id, token_id)
        if token is None:  # another merchant's, already revoked, or no such token
            raise not_found("Token")
        await publish(self.session, TokenRevoked(merchant_id=merchant_id, token_id=token.id))
        return token
