"""The system service templates every merchant is onboarded with."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignAuthorType, CampaignType, CommerceDefaultCampaigns, DefaultCampaigns
from db.models import Campaign, Merchant
from services.campaigns.drafts import CampaignDraft, compile_draft
from services.campaigns.repository import CampaignRepository
from services.campaigns.service import CampaignService

SERVICE = CampaignType.SERVICE


@dataclass(frozen=True)
class TemplateDefinition:
    body: str  # named placeholders
    language: str = "en"


DEFAULT_TEMPLATES: dict[DefaultCampaigns, TemplateDefinition] = {
    DefaultCampaigns.HELLO_WORLD: TemplateDefinition(
        "Hello {{lead_name}}, this is {{merchant_name}} on WhatsApp. Reply here any time."
    ),
}

COMMERCE_TEMPLATES: dict[CommerceDefaultCampaigns, TemplateDefinition] = {}


def definitions_for(merchant: Merchant) -> dict[str, TemplateDefinition]:
    definitions: dict[str, TemplateDefinition] = {k.value: v for k, v in DEFAULT_TEMPLATES.items()}
    if merchant.commerce:
        definitions.update({k.value: v for k, v in COMMERCE_TEMPLATES.items()})
    return definitions


def _draft(name: str, definition: TemplateDefinition) -> CampaignDraft:
    return CampaignDraft(
        name=name, body=definition.body, language=definition.language, campaign_type=SERVICE
    )


def _matches(campaign: Campaign, draft: CampaignDraft) -> bool:
    compiled = compile_draft(draft)
    assert not isinstance(compiled, list), f"invalid default template {draft.name}: {compiled}"
    return (
        campaign.body == compiled.body
        and campaign.variables == compiled.variables
        and campaign.language == draft.language
        and campaign.campaign_type == draft.campaign_type
    )


async def create_default_templates(session: AsyncSession, merchant: Merchant) -> list[Campaign]:
    """Create the merchant's missing system templates; a definition that changed since
    its head version was made becomes a new version. Idempotent: returns what it wrote."""
    service = CampaignService(session)
    definitions = definitions_for(merchant)
    heads = await CampaignRepository(session).heads_by_names(merchant.id, list(definitions))
    written: list[Campaign] = []
    for name, definition in definitions.items():
        draft = _draft(name, definition)
        head = heads.get(name)
        if head is None:
            written.append(await service.create(merchant.id, draft, CampaignAuthorType.SYSTEM))
        elif head.author_type == CampaignAuthorType.SYSTEM and not _matches(head, draft):
            written.append(await service.new_version(merchant.id, head.id, draft))
    return written
