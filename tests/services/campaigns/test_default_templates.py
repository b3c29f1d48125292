"""The system templates a merchant is onboarded with, and how they change over time."""

import pytest
from sqlalchemy import func, select

from db.database import Database
from db.enums import (
    CampaignAuthorType,
    CampaignStatus,
    CampaignType,
    CommerceDefaultCampaigns,
    DefaultCampaigns,
)
from db.models import Campaign, Merchant
from services.campaigns.default_templates import (
    COMMERCE_TEMPLATES,
    DEFAULT_TEMPLATES,
    TemplateDefinition,
    create_default_templates,
)
from services.campaigns.drafts import CampaignDraft, compile_draft
from services.campaigns.placeholders import PLACEHOLDER
from services.campaigns.rendering import SAMPLES
from services.campaigns.service import CampaignChanges, CampaignService
from services.campaigns.whatsapp_rules import check_template
from services.merchants.service import create_merchant

BASIC = {member.value for member in DefaultCampaigns}
COMMERCE = {member.value for member in CommerceDefaultCampaigns}


async def _campaigns(db: Database, merchant_id: int) -> list[Campaign]:
    async with db.session() as session:
        statement = select(Campaign).where(Campaign.merchant_id == merchant_id)
        return list((await session.execute(statement)).scalars())


async def _count(db: Database, merchant_id: int) -> int:
    async with db.session() as session:
        statement = select(func.count()).where(Campaign.merchant_id == merchant_id)
        return (await session.execute(statement)).scalar_one()


async def _merchant(db: Database, *, commerce: bool = False) -> Merchant:
    async with db.transaction() as session:
        return (await create_merchant(session, "Template Shop", commerce=commerce)).merchant


async def _sync(db: Database, merchant_id: int) -> list[Campaign]:
    async with db.transaction() as session:
        merchant = await session.get(Merchant, merchant_id)
        assert merchant is not None
        return await create_default_templates(session, merchant)


def test_every_template_has_a_definition() -> None:
    assert {member.value for member in DEFAULT_TEMPLATES} == BASIC
    assert {member.value for member in COMMERCE_TEMPLATES} == COMMERCE


@pytest.mark.parametrize(
    ("commerce", "expected"), [(False, BASIC), (True, BASIC | COMMERCE)], ids=["plain", "commerce"]
)
async def test_onboarding_creates_the_system_templates(
    db: Database, commerce: bool, expected: set[str]
) -> None:
    merchant = await _merchant(db, commerce=commerce)
    campaigns = await _campaigns(db, merchant.id)

    assert sorted(c.name for c in campaigns) == sorted(expected)
    assert len(campaigns) == (23 if commerce else 5)
    definitions = {k.value: v for k, v in (DEFAULT_TEMPLATES | COMMERCE_TEMPLATES).items()}
    for campaign in campaigns:
        assert campaign.author_type == CampaignAuthorType.SYSTEM, campaign.name
        assert campaign.campaign_type == CampaignType.SERVICE, campaign.name
        assert campaign.status == CampaignStatus.UNSUBMITTED, campaign.name
        assert campaign.version == 1 and campaign.next_campaign_id is None, campaign.name
        assert campaign.content_sid is None, campaign.name
        # The stored variables are exactly the names written in the definition's body.
        named = {m.group(1) for m in PLACEHOLDER.finditer(definitions[campaign.name].body)}
        assert set(campaign.variables.values()) == named, campaign.name
        positions = {m.group(1) for m in PLACEHOLDER.finditer(campaign.body)}
        assert positions == set(campaign.variables), campaign.name


SEED_BASIC = {
    "hello_world",
    "merchant_user_welcome",
    "merchant_user_override_request",
    "merchant_user_question_request",
    "merchant_user_question_answer",
}
SEED_COMMERCE = {
    "out_of_stock",
    "low_stock",
    "in_stock",
    "sku_price_change",
    "merchant_user_order_placed",
    "customer_order_processing",
    "customer_order_delivering",
    "customer_order_fulfilled",
    "merchant_user_order_fulfilled",
    "customer_order_failed",
    "merchant_user_order_failed",
    "customer_cash_on_delivery_confirmation",
    "customer_order_confirmation",
    "customer_order_confirmation_with_receipt",
    "customer_order_status_update",
    "customer_order_shipping_fee_changed",
    "driver_order_request",
    "driver_order_request_not_available",
}


def test_the_names_are_the_seeds() -> None:
    assert BASIC == SEED_BASIC
    assert COMMERCE == SEED_COMMERCE
    assert len(BASIC) == 5 and len(BASIC | COMMERCE) == 23


async def test_every_template_is_a_twilio_text_template(db: Database) -> None:
    merchant = await _merchant(db, commerce=True)
    for campaign in await _campaigns(db, merchant.id):
        assert campaign.language == "en", campaign.name
        assert campaign.channel == "twilio", campaign.name
        assert campaign.content_type == "twilio/text", campaign.name
        assert campaign.content_context == {"twilio/text": {"body": campaign.body}}


async def test_variables_fit_the_message(db: Database) -> None:
    merchant = await _merchant(db, commerce=True)
    by_name = {c.name: set(c.variables.values()) for c in await _campaigns(db, merchant.id)}
    expectations = {
        "hello_world": {"lead_name", "merchant_name"},
        "merchant_user_override_request": {"merchant_user_name", "customer_name", "request_text"},
        "merchant_user_question_request": {"merchant_user_name", "customer_name", "question_text"},
        "merchant_user_question_answer": {"lead_name", "question_text", "answer_text"},
        "low_stock": {"merchant_user_name", "sku_name", "stock_quantity"},
        "sku_price_change": {"sku_name", "old_price", "new_price"},
        "merchant_user_order_placed": {"merchant_user_name", "order_id", "customer_name"},
        "customer_order_failed": {"lead_name", "order_id", "failure_reason"},
        "customer_cash_on_delivery_confirmation": {"order_id", "order_total"},
        "customer_order_confirmation_with_receipt": {"order_id", "receipt_url"},
        "customer_order_shipping_fee_changed": {"shipping_fee", "order_total"},
        "driver_order_request": {"driver_name", "pickup_address", "delivery_address"},
        "driver_order_request_not_available": {"driver_name", "order_id"},
    }
    for name, needed in expectations.items():
        assert needed <= by_name[name], name
    # Staff and drivers are addressed as such, never as the customer (the lead).
    for name, variables in by_name.items():
        if name.startswith("driver_"):
            assert "driver_name" in variables and "lead_name" not in variables, name
        if name.startswith("merchant_user_") and name != "merchant_user_question_answer":
            assert "merchant_user_name" in variables and "lead_name" not in variables, name


async def test_syncing_again_writes_nothing(db: Database) -> None:
    merchant = await _merchant(db, commerce=True)
    before = await _count(db, merchant.id)

    assert await _sync(db, merchant.id) == []
    assert await _sync(db, merchant.id) == []
    assert await _count(db, merchant.id) == before == 23


async def test_becoming_a_commerce_merchant_adds_only_the_commerce_templates(
    db: Database,
) -> None:
    merchant = await _merchant(db)
    async with db.transaction() as session:
        stored = await session.get(Merchant, merchant.id)
        assert stored is not None
        stored.commerce = True

    written = await _sync(db, merchant.id)

    assert {c.name for c in written} == COMMERCE
    assert await _count(db, merchant.id) == 23


async def test_a_changed_definition_becomes_a_new_version(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchant = await _merchant(db)
    [old] = [c for c in await _campaigns(db, merchant.id) if c.name == "hello_world"]
    monkeypatch.setitem(
        DEFAULT_TEMPLATES,
        DefaultCampaigns.HELLO_WORLD,
        TemplateDefinition("Hi {{lead_name}}, {{merchant_name}} is now on WhatsApp. Say hello!"),
    )

    [new] = await _sync(db, merchant.id)

    assert new.name == "hello_world"
    assert new.version == old.version + 1
    assert new.body == "Hi {{1}}, {{2}} is now on WhatsApp. Say hello!"
    assert new.variables == {"1": "lead_name", "2": "merchant_name"}
    assert new.author_type == CampaignAuthorType.SYSTEM
    assert new.status == CampaignStatus.UNSUBMITTED
    versions = [c for c in await _campaigns(db, merchant.id) if c.name == "hello_world"]
    by_id = {c.id: c for c in versions}
    assert by_id[old.id].next_campaign_id == new.id
    assert by_id[old.id].body == old.body, "the old version is kept as it was"
    assert [c.id for c in versions if c.next_campaign_id is None] == [new.id]
    assert await _count(db, merchant.id) == 6

    assert await _sync(db, merchant.id) == [], "the new version now matches"


async def test_an_archived_template_stays_archived(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchant = await _merchant(db)
    [hello] = [c for c in await _campaigns(db, merchant.id) if c.name == "hello_world"]
    async with db.transaction() as session:
        await CampaignService(session).archive(merchant.id, hello.id)
    monkeypatch.setitem(
        DEFAULT_TEMPLATES,
        DefaultCampaigns.HELLO_WORLD,
        TemplateDefinition("Hi {{lead_name}}, {{merchant_name}} is now on WhatsApp. Say hello!"),
    )

    assert await _sync(db, merchant.id) == []
    assert await _count(db, merchant.id) == 5


async def test_a_merchant_template_with_a_system_name_is_left_alone(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.transaction() as session:
        merchant = (await create_merchant(session, "Own Shop", with_templates=False)).merchant
        await CampaignService(session).create(
            merchant.id, CampaignDraft(name="hello_world", body="Welcome to our shop, friend!")
        )

    written = await _sync(db, merchant.id)

    assert {c.name for c in written} == BASIC - {"hello_world"}
    [own] = [c for c in await _campaigns(db, merchant.id) if c.name == "hello_world"]
    assert own.author_type == CampaignAuthorType.MERCHANT
    assert own.body == "Welcome to our shop, friend!"


async def test_a_customised_system_template_survives_a_changed_definition(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchant = await _merchant(db)
    [hello] = [c for c in await _campaigns(db, merchant.id) if c.name == "hello_world"]
    body = "Hello {{lead_name}}, the {{merchant_name}} team answers here on WhatsApp."
    async with db.transaction() as session:
        await CampaignService(session).update(merchant.id, hello.id, CampaignChanges(body=body))
    monkeypatch.setitem(
        DEFAULT_TEMPLATES,
        DefaultCampaigns.HELLO_WORLD,
        TemplateDefinition("Hi {{lead_name}}, {{merchant_name}} is now on WhatsApp. Say hello!"),
    )

    assert await _sync(db, merchant.id) == []
    [kept] = [c for c in await _campaigns(db, merchant.id) if c.name == "hello_world"]
    assert (kept.author_type, kept.campaign_type) == (
        CampaignAuthorType.MERCHANT,
        CampaignType.SERVICE,
    )
    assert kept.body == "Hello {{1}}, the {{2}} team answers here on WhatsApp."


@pytest.mark.parametrize("name", sorted(BASIC | COMMERCE), ids=lambda name: str(name))
def test_every_default_template_follows_the_whatsapp_rules(name: str) -> None:
    definitions = {k.value: v for k, v in (DEFAULT_TEMPLATES | COMMERCE_TEMPLATES).items()}
    definition = definitions[name]
    compiled = compile_draft(
        CampaignDraft(name=name, body=definition.body, campaign_type=CampaignType.SERVICE)
    )
    assert check_template(compiled.body, compiled.variables, SAMPLES) == []
