from collections.abc import AsyncGenerator

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.ids import decode_pk
from gql.types.campaign import Campaign
from gql.types.enums import CampaignStatus
from services.events.messages import CampaignStatusChanged, Event


@strawberry.type
class CampaignStatusChange:
    previous_status: CampaignStatus
    campaign: Campaign


@strawberry.subscription(
    permission_classes=AUTHENTICATED,
    description="Status changes of one campaign, or of all the viewer's campaigns when "
    "campaignId is null; events from every server process.",
)
async def campaign_status_changed(
    info: Info, campaign_id: strawberry.ID | None = None
) -> AsyncGenerator[CampaignStatusChange, None]:
    context = info.context
    wanted = decode_pk(campaign_id, "Campaign") if campaign_id is not None else None
    if campaign_id is not None and wanted is None:
        return  # no such campaign: an empty stream, as for another merchant's id

    def accept(event: Event) -> bool:
        return isinstance(event, CampaignStatusChanged) and wanted in (None, event.campaign_id)

    async with context.bus.subscribe(context.merchant_id, accept) as events:
        async for event in events:
            assert isinstance(event, CampaignStatusChanged)
            # Fresh loaders per event: the connection's context outlives many changes.
            campaign = await context.fresh_loaders().campaign.load(event.campaign_id)
            if campaign is None:
                continue
            changed = Campaign.from_model(campaign)
            # The row may already have moved on (changes committed in quick succession):
            # each event shows the status it reports, so the stream reads as a sequence.
            changed.status = CampaignStatus(event.status)
            yield CampaignStatusChange(
                previous_status=CampaignStatus(event.previous_status), campaign=changed
            )
