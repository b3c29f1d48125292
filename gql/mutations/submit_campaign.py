import strawberry

from gql.context import AUTHENTICATED, Info
from gql.ids import require_pk
from gql.types.campaign import Campaign
from gql.types.common import UserError
from jobs.submission import submit_campaign as run_submit_campaign


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
async def submit_campaign(info: Info, id: strawberry.ID) -> SubmitCampaignPayload:
    # Twilio is called between two transactions (jobs/submission.py), not inside one.
    context = info.context
    pk = require_pk(id, "Campaign", "Campaign")
    campaign = await run_submit_campaign(
        context.db, await context.merchant_gateway(), context.merchant_id, pk
    )
    return SubmitCampaignPayload(campaign=Campaign.from_model(campaign), errors=[])
