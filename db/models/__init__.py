"""All models, imported here so that `Base.metadata` is complete for Alembic."""

from db.models.campaign import Campaign, CampaignLead, CampaignLeadMessage, CampaignSend
from db.models.conversation import ConversationUser, Message
from db.models.merchant import ApiToken, Merchant

__all__ = [
    "ApiToken",
    "Campaign",
    "CampaignLead",
    "CampaignLeadMessage",
    "CampaignSend",
    "ConversationUser",
    "Merchant",
    "Message",
]
