"""GraphQL enums: the stored enums, exposed by their member names (APPROVED, LEAD_NAME)."""

import strawberry

from db import enums
from services.errors import ErrorCode

CampaignStatus = strawberry.enum(enums.CampaignStatus, description="Approval status of a template version.")
CampaignType = strawberry.enum(enums.CampaignType)
CampaignAuthorType = strawberry.enum(enums.CampaignAuthorType)
CampaignVariableType = strawberry.enum(
    enums.CampaignVariableType, description="What a template placeholder stands for."
)
CampaignSendStatus = strawberry.enum(enums.CampaignSendStatus)
MessageStatus = strawberry.enum(enums.MessageStatus, description="Twilio's message status.")
UserErrorCode = strawberry.enum(ErrorCode, description="Why an input was refused.")
