"""Inputs shared by the campaign mutations."""

import strawberry
from strawberry.scalars import JSON

from gql.types.enums import CampaignType
from services.campaigns.content import TEXT


@strawberry.input
class CreateCampaignInput:
    name: str = strawberry.field(description="Lower-case letters, digits and underscores.")
    body: str = strawberry.field(description="Text with named placeholders such as {{lead_name}}.")
    language: str = "en"
    campaign_type: CampaignType = CampaignType.MARKETING
    content_type: str = strawberry.field(
        default=TEXT,
        description="twilio/text, twilio/media, twilio/call-to-action or twilio/quick-reply.",
    )
    content_context: JSON | None = strawberry.field(
        default=None,
        description='Type-specific fields besides the body, e.g. {"actions": [...]}.',
    )
    samples: JSON | None = strawberry.field(
        default=None, description="Variable type -> sample value shown to Meta's reviewers."
    )


@strawberry.input
class UpdateCampaignInput:
    name: str | None = None
    body: str | None = None
    language: str | None = None
    campaign_type: CampaignType | None = None
    content_type: str | None = None
    content_context: JSON | None = None
    samples: JSON | None = None
