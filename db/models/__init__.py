"""All models, imported here so that `Base.metadata` is complete for Alembic."""

from db.models.accounts import Sender, TwilioAccount
from db.models.campaign import (
    Campaign,
    CampaignApprovalEvent,
    CampaignLead,
    CampaignLeadMessage,
    CampaignSend,
)
from db.models.contact_import import ContactImport, ContactImportError, ContactImportStatus
from db.models.conversation import ConversationUser, Message
from db.models.idempotency import IdempotencyKey
from db.models.merchant import ApiToken, ApiTokenRateLimit, Merchant
from db.models.policy import SendingPolicyRow
from db.models.segment import Segment
from db.models.system import AppSecret, SenderRateLimit

__all__ = [
    "ApiToken",
    "ApiTokenRateLimit",
    "AppSecret",
    "Campaign",
    "CampaignApprovalEvent",
    "CampaignLead",
    "CampaignLeadMessage",
    "CampaignSend",
    "ContactImport",
    "ContactImportError",
    "ContactImportStatus",
    "ConversationUser",
    "IdempotencyKey",
    "Merchant",
    "Message",
    "Segment",
    "Sender",
    "SenderRateLimit",
    "SendingPolicyRow",
    "TwilioAccount",
]
