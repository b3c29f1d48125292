"""The system service templates every merchant is onboarded with."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import (
    CampaignAuthorType,
    CampaignStatus,
    CampaignType,
    CommerceDefaultCampaigns,
    DefaultCampaigns,
)
from db.models import Campaign, Merchant
from services.campaigns.drafts import CampaignDraft, compile_draft
from services.campaigns.repository import CampaignRepository
from services.campaigns.service import CampaignService

SERVICE = CampaignType.SERVICE


@dataclass(frozen=True)
class TemplateDefinition:
    body: str  # named placeholders
    language: str = "en"


# Bodies are held to services.campaigns.whatsapp_rules (no placeholder at either end or
# side by side, enough words around them) and stay utility messages: anything that reads
# as a promotion gets recategorised as marketing by Meta. Editing a body here makes a new
# version of that template for every merchant on their next sync.
DEFAULT_TEMPLATES: dict[DefaultCampaigns, TemplateDefinition] = {
    DefaultCampaigns.HELLO_WORLD: TemplateDefinition(
        "Hello {{lead_name}}, this is {{merchant_name}} on WhatsApp. Reply here any time."
    ),
    DefaultCampaigns.MERCHANT_USER_WELCOME: TemplateDefinition(
        "Hi {{merchant_user_name}}, you have been added to the {{merchant_name}} team on "
        "WhatsApp. Customer questions and store notifications will arrive in this chat."
    ),
    DefaultCampaigns.CUSTOMER_QUESTION_RECEIVED: TemplateDefinition(
        "Hi {{lead_name}}, thanks for your question:\n\n{{question_text}}\n\nThe "
        "{{merchant_name}} team has received it and will reply in this chat shortly."
    ),
    DefaultCampaigns.CUSTOMER_QUESTION_ANSWERED: TemplateDefinition(
        "Hi {{lead_name}}, you asked us:\n{{question_text}}\n\nOur answer:\n{{answer_text}}"
        "\n\nJust reply to this message if you need more help from {{merchant_user_name}} and "
        "the {{merchant_name}} team."
    ),
    DefaultCampaigns.CONVERSATION_REOPENED: TemplateDefinition(
        "Hi {{lead_name}}, this is {{merchant_name}} following up on your earlier "
        "conversation with us. Reply to this message whenever you would like to continue."
    ),
}

COMMERCE_TEMPLATES: dict[CommerceDefaultCampaigns, TemplateDefinition] = {
    CommerceDefaultCampaigns.CUSTOMER_ORDER_RECEIVED: TemplateDefinition(
        "Hi {{lead_name}}, thank you for your order with {{merchant_name}}! We have received "
        "order #{{order_id}} for {{order_total}}, including {{shipping_fee}} for shipping. "
        "You can view it at {{order_url}} and we will message you here when it ships."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_PROCESSING: TemplateDefinition(
        "Hi {{lead_name}}, good news: {{merchant_name}} is now preparing your order "
        "#{{order_id}}. We will let you know as soon as it is on its way."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_SHIPPED: TemplateDefinition(
        "Hi {{lead_name}}, your order #{{order_id}} from {{merchant_name}} has shipped and "
        "should arrive {{delivery_eta}}. Track your package at {{tracking_url}} and reply "
        "here if you have any questions."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_OUT_FOR_DELIVERY: TemplateDefinition(
        "Hi {{lead_name}}, your order #{{order_id}} is out for delivery. Your driver "
        "{{driver_name}} expects to arrive {{delivery_eta}} at {{delivery_address}}. You "
        "can call them on {{driver_phone}} if needed."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_DELIVERED: TemplateDefinition(
        "Hi {{lead_name}}, your order #{{order_id}} has been delivered. Thank you for "
        "shopping with {{merchant_name}}! If anything is wrong with your order, just reply "
        "to this message."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_CANCELLED: TemplateDefinition(
        "Hi {{lead_name}}, your order #{{order_id}} with {{merchant_name}} has been "
        "cancelled. If you already paid, the {{order_total}} will be refunded to your "
        "original payment method. Reply here if you have any questions."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_REFUNDED: TemplateDefinition(
        "Hi {{lead_name}}, we have refunded {{payment_amount}} for your order #{{order_id}}. "
        "It may take a few business days to show on your statement. Your receipt is at "
        "{{receipt_url}} for your records."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_STATUS_UPDATED: TemplateDefinition(
        "Hi {{lead_name}}, the status of your order #{{order_id}} with {{merchant_name}} is "
        "now: {{order_status}}. See the details at {{order_url}} or reply here with any "
        "questions."
    ),
    CommerceDefaultCampaigns.CUSTOMER_PAYMENT_RECEIVED: TemplateDefinition(
        "Hi {{lead_name}}, we have received your payment of {{payment_amount}} for order "
        "#{{order_id}}. Thank you! Your receipt is available at {{receipt_url}} whenever "
        "you need it."
    ),
    CommerceDefaultCampaigns.CUSTOMER_PAYMENT_FAILED: TemplateDefinition(
        "Hi {{lead_name}}, we could not process your payment of {{payment_amount}} for order "
        "#{{order_id}}. Please try again at {{payment_url}} so we can start preparing your "
        "order."
    ),
    CommerceDefaultCampaigns.CUSTOMER_PAYMENT_REMINDER: TemplateDefinition(
        "Hi {{lead_name}}, this is a reminder that the payment of {{payment_amount}} for "
        "order #{{order_id}} is due on {{payment_due_date}}. You can pay securely at "
        "{{payment_url}} any time before then."
    ),
    CommerceDefaultCampaigns.CUSTOMER_PRODUCT_BACK_IN_STOCK: TemplateDefinition(
        "Hi {{lead_name}}, you asked us to tell you when {{product_name}} was available "
        "again. {{merchant_name}} has {{stock_quantity}} in stock now. Reply here if you "
        "have any questions."
    ),
    CommerceDefaultCampaigns.CUSTOMER_PRICE_CHANGED: TemplateDefinition(
        "Hi {{lead_name}}, the price of {{product_name}} in your {{merchant_name}} cart has "
        "changed from {{old_price}} to {{new_price}}. Please review your cart before you "
        "check out, and reply here if you have any questions."
    ),
    CommerceDefaultCampaigns.MERCHANT_NEW_ORDER: TemplateDefinition(
        "Hi {{merchant_user_name}}, a new order just came in for {{merchant_name}}. Order "
        "#{{order_id}} from {{lead_name}} comes to {{order_total}}, with delivery to "
        "{{delivery_address}}. Open it at {{order_url}} to start preparing it."
    ),
    CommerceDefaultCampaigns.MERCHANT_LOW_STOCK: TemplateDefinition(
        "Hi {{merchant_user_name}}, stock is running low for {{sku_name}}: only "
        "{{stock_quantity}} left. Restock it soon so {{merchant_name}} customers can keep "
        "ordering it."
    ),
    CommerceDefaultCampaigns.MERCHANT_OUT_OF_STOCK: TemplateDefinition(
        "Hi {{merchant_user_name}}, heads up: {{merchant_name}} has sold out of {{sku_name}} "
        "and customers can no longer order it. Restock it to start selling it again."
    ),
    CommerceDefaultCampaigns.DRIVER_DELIVERY_ASSIGNED: TemplateDefinition(
        "Hi {{driver_name}}, you have a new delivery for {{merchant_name}}: order "
        "#{{order_id}}. Pick it up at {{pickup_address}} and take it to {{lead_name}} at "
        "{{delivery_address}}. The customer can be reached on {{lead_phone}} if needed."
    ),
    CommerceDefaultCampaigns.DRIVER_PICKUP_READY: TemplateDefinition(
        "Hi {{driver_name}}, order #{{order_id}} from {{merchant_name}} is packed and ready "
        "for pickup at {{pickup_address}}. Please reply here once you have collected it."
    ),
}


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


def _replaceable(head: Campaign) -> bool:
    # A merchant's own template of the same name is theirs to keep, and a new version of
    # an archived one would bring back a template the merchant chose to put away.
    return head.author_type == CampaignAuthorType.SYSTEM and head.status != CampaignStatus.ARCHIVED


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
        elif _replaceable(head) and not _matches(head, draft):
            written.append(await service.new_version(merchant.id, head.id, draft))
    now = datetime.now(UTC)
    for campaign in written:
        # Due for submission: the approval job submits it (when submitting is enabled).
        campaign.approval_next_check_at = now
    await session.flush()
    return written
