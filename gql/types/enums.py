"""GraphQL enums: the stored enums, exposed by their member names (APPROVED, LEAD_NAME).

`strawberry.enum` registers the class itself, so the types below are the db enums.
"""

import strawberry

from db.enums import (
    CampaignAuthorType,
    CampaignSendStatus,
    CampaignStatus,
    CampaignType,
    CampaignVariableType,
    LedgerState,
    MessageStatus,
    TwilioAccountKind,
)
from services.errors import ErrorCode as UserErrorCode

strawberry.enum(CampaignStatus, description="Approval status of a template version.")
strawberry.enum(CampaignType)
strawberry.enum(CampaignAuthorType)
strawberry.enum(CampaignVariableType, description="What a template placeholder stands for.")
strawberry.enum(CampaignSendStatus)
strawberry.enum(MessageStatus, description="Twilio's message status.")
strawberry.enum(
    LedgerState,
    description="Where one lead's message stands in the send: PENDING, SENDING (Twilio asked, "
    "or in doubt), SENT (Twilio accepted it: its message has the status), FAILED, SKIPPED, "
    "CANCELLED.",
)
strawberry.enum(
    TwilioAccountKind,
    description="SUBACCOUNT: created by the platform for the merchant; CONNECTED: the "
    "merchant's existing account.",
)
strawberry.enum(UserErrorCode, name="UserErrorCode", description="Why an input was refused.")

__all__ = [
    "CampaignAuthorType",
    "CampaignSendStatus",
    "CampaignStatus",
    "CampaignType",
    "CampaignVariableType",
    "LedgerState",
    "MessageStatus",
    "TwilioAccountKind",
    "UserErrorCode",
]
