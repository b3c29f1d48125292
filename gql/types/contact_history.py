"""What happened to a contact, per campaign: beside ConversationUser (gql/types/people.py),
since campaigns and ledger rows import that module."""

from datetime import datetime

import strawberry

from db import models
from gql.context import Info
from gql.loaders import load_required
from gql.types.campaign import Campaign
from gql.types.enums import MessageStatus
from gql.types.lead import CampaignLeadMessage


@strawberry.type(description="One campaign version a contact was in a send of.")
class ContactCampaign:
    row: strawberry.Private[models.CampaignLeadMessage]
    status: MessageStatus | None = strawberry.field(
        description="The status of its latest message; null when there is none (skipped, "
        "not sent yet): `lastMessage` says why."
    )
    at: datetime = strawberry.field(
        description="When that status was reached, or the ledger row written when there "
        "is no message."
    )
    last_message: CampaignLeadMessage = strawberry.field(
        description="The latest ledger row of the contact for this campaign."
    )

    @strawberry.field
    async def campaign(self, info: Info) -> Campaign:
        campaign = await load_required(info.context.loaders.campaign, self.row.campaign_id)
        return Campaign.from_model(campaign)


async def contact_campaigns(info: Info, person_id: int) -> list[ContactCampaign]:
    loaders = info.context.loaders
    found = await loaders.contact_campaigns.load(person_id)
    history = []
    for row, message in found:
        if message is not None:  # read already: `lastMessage { message }` costs nothing
            loaders.message.prime(message.id, message)
        history.append(
            ContactCampaign(
                row=row,
                status=message.status if message else None,
                at=_latest(row, message),
                last_message=CampaignLeadMessage.from_model(row),
            )
        )
    return history


def _latest(row: models.CampaignLeadMessage, message: models.Message | None) -> datetime:
    if message is None:
        return row.created_at
    times = (message.sent_at, message.delivered_at, message.read_at, message.failed_at)
    return max((t for t in times if t is not None), default=message.created_at)
