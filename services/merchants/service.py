"""Merchants and their API tokens."""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Merchant
from services.campaigns.default_templates import create_default_templates
from services.merchants.repository import MerchantRepository

TOKEN_PREFIX = "cmp_"


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 suffices (no slow KDF needed).
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewMerchant:
    merchant: Merchant
    token: str


async def create_merchant(
    session: AsyncSession, name: str, *, commerce: bool = False, with_templates: bool = True
) -> NewMerchant:
    """Create a merchant, its first API token and its default templates."""
    repository = MerchantRepository(session)
    merchant = await repository.add(Merchant(name=name, commerce=commerce))
    token = await issue_token(session, merchant)
    if with_templates:
        await create_default_templates(session, merchant)
    return NewMerchant(merchant, token)


async def issue_token(session: AsyncSession, merchant: Merchant, label: str = "") -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await MerchantRepository(session).add_token(merchant, hash_token(token), label)
    return token


async def authenticate(session: AsyncSession, token: str | None) -> Merchant | None:
    """The merchant a bearer token belongs to, or None for a missing or unknown token."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    return await MerchantRepository(session).by_token_hash(hash_token(token))
