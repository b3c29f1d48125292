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
from repositories.campaigns import CampaignRepository
from repositories.rows import write_pending
from services.campaigns.content import TEXT
from services.campaigns.drafts import CampaignDraft, compile_draft
from services.campaigns.service import CampaignService

SERVICE = CampaignType.SERVICE


@dataclass(frozen=True)
class TemplateDefinition:
    """As the seed defines a default template: a text body (Twilio's `twilio/text`)."""

    body: str  # named placeholders
    language: str = "en"
    content_type: str = TEXT


# Bodies are held to services.campaigns.whatsapp_rules (no placeholder at either end or
# side by side, enough words around them) and stay utility messages: anything that reads
# as a promotion gets recategorised as marketing by Meta. Editing a body here makes a new
# version of that template for every merchant on the next sync (the approval job's).
#
# Who reads them: customer_* and hello_world go to the customer (the lead, {{lead_name}});
# merchant_user_* go to the merchant's staff ({{merchant_user_name}}), except
# merchant_user_question_answer, which carries a staff member's answer back to the
# customer who asked; the stock and price alerts (the seed's "inventory management") go to
# staff; driver_* go to drivers. In messages to staff or drivers the customer they are
# about is {{customer_name}}, since the lead is the recipient.
DEFAULT_TEMPLATES: dict[DefaultCampaigns, TemplateDefinition] = {
    DefaultCampaigns.HELLO_WORLD: TemplateDefinition(
        "Hello {{lead_name}}, this is {{merchant_name}} on WhatsApp. Reply here any time."
    ),
    DefaultCampaigns.MERCHANT_USER_WELCOME: TemplateDefinition(
        "Hi {{merchant_user_name}}, you have been added to the {{merchant_name}} team on "
        "WhatsApp. Customer questions and store notifications will arrive in this chat."
    ),
    DefaultCampaigns.MERCHANT_USER_OVERRIDE_REQUEST: TemplateDefinition(
        "Hi {{merchant_user_name}}, there is a new support request for the {{merchant_name}} "
        "team. {{customer_name}}, phone {{customer_phone}}, asked to speak with a person "
        "instead of the automated replies and wrote: {{request_text}}\n\nOpen the "
        "conversation at {{conversation_url}} to take it over."
    ),
    DefaultCampaigns.MERCHANT_USER_QUESTION_REQUEST: TemplateDefinition(
        "Hi {{merchant_user_name}}, a customer of {{merchant_name}} has a question we could "
        "not answer. {{customer_name}} asked:\n\n{{question_text}}\n\nReply to this message "
        "with your answer and we will send it to them."
    ),
    DefaultCampaigns.MERCHANT_USER_QUESTION_ANSWER: TemplateDefinition(
        "Hi {{lead_name}}, here is the answer to your question from {{merchant_user_name}} at "
        "{{merchant_name}}.\n\nYou asked: {{question_text}}\n\nOur answer: {{answer_text}}"
        "\n\nReply to this message if you need anything else."
    ),
}

COMMERCE_TEMPLATES: dict[CommerceDefaultCampaigns, TemplateDefinition] = {
    CommerceDefaultCampaigns.OUT_OF_STOCK: TemplateDefinition(
        "Hi {{merchant_user_name}}, heads up: {{merchant_name}} has sold out of {{sku_name}} "
        "and customers can no longer order it. Restock it to start selling it again."
    ),
    CommerceDefaultCampaigns.LOW_STOCK: TemplateDefinition(
        "Hi {{merchant_user_name}}, stock is running low for {{sku_name}}: only "
        "{{stock_quantity}} left. Restock it soon so {{merchant_name}} customers can keep "
        "ordering it."
    ),
    CommerceDefaultCampaigns.IN_STOCK: TemplateDefinition(
        "Hi {{merchant_user_name}}, good news: {{sku_name}} is back in stock at "
        "{{merchant_name}} with {{stock_quantity}} available, and customers can order it again."
    ),
    CommerceDefaultCampaigns.SKU_PRICE_CHANGE: TemplateDefinition(
        "Hi {{merchant_user_name}}, the price of {{sku_name}} at {{merchant_name}} has changed "
        "from {{old_price}} to {{new_price}}. Customers will pay the new price from their next "
        "order on."
    ),
    CommerceDefaultCampaigns.MERCHANT_USER_ORDER_PLACED: TemplateDefinition(
        "Hi {{merchant_user_name}}, a new order just came in for {{merchant_name}}. Order "
        "#{{order_id}} from {{customer_name}} comes to {{order_total}}, with delivery to "
        "{{delivery_address}}. Open it at {{order_url}} to start preparing it."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_PROCESSING: TemplateDefinition(
        "Hi {{lead_name}}, thank you for your order! {{merchant_name}} has confirmed order "
        "#{{order_id}} and is now preparing it. We will let you know as soon as it is on its "
        "way."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_DELIVERING: TemplateDefinition(
        "Hi {{lead_name}}, your order #{{order_id}} from {{merchant_name}} is on its way and "
        "should arrive {{delivery_eta}}. Follow the delivery at {{tracking_url}} and reply "
        "here if you have any questions."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_FULFILLED: TemplateDefinition(
        "Hi {{lead_name}}, your order #{{order_id}} has been delivered. Thank you for "
        "shopping with {{merchant_name}}! If anything is wrong with your order, just reply "
        "to this message."
    ),
    CommerceDefaultCampaigns.MERCHANT_USER_ORDER_FULFILLED: TemplateDefinition(
        "Hi {{merchant_user_name}}, order #{{order_id}} from {{customer_name}} has been "
        "delivered and is now complete. The details are at {{order_url}} for your records."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_FAILED: TemplateDefinition(
        "Hi {{lead_name}}, we are sorry, but your order #{{order_id}} with {{merchant_name}} "
        "could not be completed: {{failure_reason}}. If you already paid, the "
        "{{order_total}} will be refunded to you. Reply to this message if you need help."
    ),
    CommerceDefaultCampaigns.MERCHANT_USER_ORDER_FAILED: TemplateDefinition(
        "Hi {{merchant_user_name}}, order #{{order_id}} from {{customer_name}} has failed: "
        "{{failure_reason}}. Please check it at {{order_url}} and contact the customer on "
        "{{customer_phone}} if needed."
    ),
    CommerceDefaultCampaigns.CUSTOMER_CASH_ON_DELIVERY_CONFIRMATION: TemplateDefinition(
        "Hi {{lead_name}}, please confirm your cash on delivery order #{{order_id}} from "
        "{{merchant_name}}. You will pay {{order_total}} in cash when it is delivered to "
        "{{delivery_address}}. Reply YES to confirm the order or NO to cancel it."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_CONFIRMATION: TemplateDefinition(
        "Hi {{lead_name}}, this confirms your order #{{order_id}} with {{merchant_name}} for "
        "{{order_total}}. You can view the details at {{order_url}} and we will keep you "
        "updated here."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_CONFIRMATION_WITH_RECEIPT: TemplateDefinition(
        "Hi {{lead_name}}, this confirms your order #{{order_id}} with {{merchant_name}}. We "
        "have received your payment of {{payment_amount}}, and your receipt is at "
        "{{receipt_url}} for your records."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_STATUS_UPDATE: TemplateDefinition(
        "Hi {{lead_name}}, the status of your order #{{order_id}} with {{merchant_name}} is "
        "now: {{order_status}}. See the details at {{order_url}} or reply here with any "
        "questions."
    ),
    CommerceDefaultCampaigns.CUSTOMER_ORDER_SHIPPING_FEE_CHANGED: TemplateDefinition(
        "Hi {{lead_name}}, the shipping fee for your order #{{order_id}} with "
        "{{merchant_name}} has changed to {{shipping_fee}}, so the new order total is "
        "{{order_total}}. Reply to this message if you have any questions about it."
    ),
    CommerceDefaultCampaigns.DRIVER_ORDER_REQUEST: TemplateDefinition(
        "Hi {{driver_name}}, there is a new delivery request from {{merchant_name}} for order "
        "#{{order_id}}. Pick it up at {{pickup_address}} and deliver it to {{customer_name}} "
        "at {{delivery_address}}. Reply YES to accept it or NO if you are not available."
    ),
    CommerceDefaultCampaigns.DRIVER_ORDER_REQUEST_NOT_AVAILABLE: TemplateDefinition(
        "Hi {{driver_name}}, the delivery request for order #{{order_id}} from "
        "{{merchant_name}} is no longer available: another driver has taken it or it was "
        "cancelled. No action is needed from you."
    ),
}


def definitions_for(merchant: Merchant) -> dict[str, TemplateDefinition]:
    definitions: dict[str, TemplateDefinition] = {k.value: v for k, v in DEFAULT_TEMPLATES.items()}
    if merchant.commerce:
        definitions.update({k.value: v for k, v in COMMERCE_TEMPLATES.items()})
    return definitions


def _draft(name: str, definition: TemplateDefinition) -> CampaignDraft:
    return CampaignDraft(
        name=name,
        body=definition.body,
        language=definition.language,
        campaign_type=SERVICE,
        content_type=definition.content_type,
    )


def _matches(campaign: Campaign, draft: CampaignDraft) -> bool:
    compiled = compile_draft(draft)  # a default template that breaks a rule raises
    return (
        campaign.body == compiled.body
        and campaign.variables == compiled.variables
        and campaign.language == draft.language
        and campaign.content_type == draft.content_type
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
    await write_pending(session)
    return written
