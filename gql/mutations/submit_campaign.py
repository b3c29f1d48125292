import strawberry

from gql.context import AUTHENTICATED, Context
from gql.mutations.campaign_action import run_campaign_action
from gql.types.campaign import Campaign
from gql.types.common import UserError
from services.campaigns.submission import SubmissionService


@strawberry.type
class SubmitCampaignPayload:
    campaign: Campaign | None
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Create the template at Twilio and request WhatsApp approval. Submitting "
    "an already submitted campaign returns it unchanged. A body breaking WhatsApp's rules "
    "is refused with the errors the campaign's `submissionProblems` lists beforehand.",
)
async def submit_campaign(
    info: strawberry.Info[Context], id: strawberry.ID
) -> SubmitCampaignPayload:
    context = info.context
    campaign, errors = await run_campaign_action(
        context, id, lambda session: SubmissionService(session, context.gateway).submit
    )
    return SubmitCampaignPayload(campaign=campaign, errors=errors)
