import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.types.common import UserError
from services.contacts.segments import SegmentService


@strawberry.type
class AddCampaignLeadsFromSegmentPayload:
    added: int = strawberry.field(
        default=0,
        description="Leads added or reactivated; contacts already active leads are not "
        "counted (and keep their custom variables).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Make every contact the segment chooses now an active lead of the "
    "campaign, in one statement whatever the segment's size. Opted-out contacts and "
    "people who already received a marketing template are added too and skipped when the "
    "campaign is sent (OPTED_OUT, ALREADY_RECEIVED), as for addCampaignLeads. Errors: "
    "NOT_FOUND (campaignId, segmentId), NOT_HEAD_VERSION, ARCHIVED.",
)
async def add_campaign_leads_from_segment(
    info: Info, campaign_id: strawberry.ID, segment_id: strawberry.ID
) -> AddCampaignLeadsFromSegmentPayload:
    merchant_id = info.context.merchant_id
    timeout_ms = info.context.settings.audience_statement_timeout_ms
    campaign_pk = require_pk(campaign_id, "Campaign", "Campaign", ("campaignId",))
    segment_pk = require_pk(segment_id, "Segment", "Segment", ("segmentId",))
    added = await in_transaction(
        info.context,
        lambda session: SegmentService(session).add_to_campaign(
            merchant_id, campaign_pk, segment_pk, timeout_ms
        ),
    )
    return AddCampaignLeadsFromSegmentPayload(added=added, errors=[])
