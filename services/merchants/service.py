"""Merchants and their API tokens."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Merchant
from repositories.merchants import MerchantRepository
from services.campaigns.default_templates import create_default_templates
from services.merchants.tokens import TokenService


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


async def issue_token(session: AsyncSession, merchant: Merchant, name: str = "default") -> str:
    return (await TokenService(session).issue(merchant.id, name)).secret
