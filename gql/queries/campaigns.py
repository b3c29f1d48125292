"""Queries over campaigns: the list, one campaign, and a preview for one lead."""

import strawberry
from strawberry.scalars import JSON

from gql.context import AUTHENTICATED, Info
from gql.ids import decode_pk
from gql.types.campaign import Campaign
from gql.types.common import UserError
from gql.types.enums import CampaignAuthorType, CampaignStatus, CampaignType
from gql.types.pagination import (
    Connection,
    connection_from_page,
    page_request,
)
from repositories.campaigns import CampaignFilter as Filter
from services.campaigns.leads import LeadService
from services.campaigns.service import CampaignService
from services.errors import ServiceError


@strawberry.input
class CampaignFilter:
    status: list[CampaignStatus] | None = None
    campaign_type: CampaignType | None = None
    author_type: CampaignAuthorType | None = None
    name: str | None = strawberry.field(default=None, description="Exact name.")
    name_contains: str | None = strawberry.field(default=None, description="Case-insensitive.")
    all_versions: bool = strawberry.field(
        default=False, description="Include replaced versions, not only the newest of each."
    )

    def to_service(self) -> Filter:
        return Filter(
            statuses=tuple(self.status or ()),
            campaign_type=self.campaign_type,
            author_type=self.author_type,
            name=self.name,
            name_contains=self.name_contains,
            all_versions=self.all_versions,
        )


@strawberry.type
class CampaignPreview:
    rendered_body: str
    content_variables: JSON = strawberry.field(description='As sent to Twilio: {"1": "Ana"}.')
    problems: list[UserError] = strawberry.field(
        description="What would stop this message to this lead."
    )
    submission_problems: list[UserError] = strawberry.field(
        description="What WhatsApp's rules find wrong with the template's body: what "
        "submitCampaign refuses it for. The same as the campaign's `submissionProblems`."
    )


@strawberry.type
class CampaignQueries:
    @strawberry.field(permission_classes=AUTHENTICATED, description="Newest first.")
    async def campaigns(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: CampaignFilter | None = None,
    ) -> Connection[Campaign]:
        request = page_request(first, after, "Campaign")
        where = (filter or CampaignFilter()).to_service()
        context = info.context
        page, total = await context.loaders.reads.read(
            lambda session: CampaignService(session).page(context.merchant_id, where, request)
        )
        for campaign in page.items:  # the nodes' own loaders need not fetch them again
            context.loaders.campaign.prime(campaign.id, campaign)
        return connection_from_page(page, total, "Campaign", Campaign.from_model)

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def campaign(self, info: Info, id: strawberry.ID) -> Campaign | None:
        pk = decode_pk(id, "Campaign")
        found = await info.context.loaders.campaign.load(pk) if pk else None
        return Campaign.from_model(found) if found else None

    @strawberry.field(
        permission_classes=AUTHENTICATED,
        description="Exactly what a lead would receive, and what would stop it. Null when "
        "the campaign or lead does not exist.",
    )
    async def campaign_preview(
        self, info: Info, campaign_id: strawberry.ID, lead_id: strawberry.ID
    ) -> CampaignPreview | None:
        campaign_pk, lead_pk = (
            decode_pk(campaign_id, "Campaign"),
            decode_pk(lead_id, "CampaignLead"),
        )
        if campaign_pk is None or lead_pk is None:
            return None
        context = info.context
        try:
            preview = await context.loaders.reads.read(
                lambda session: LeadService(session).preview(
                    context.merchant_id, campaign_pk, lead_pk
                )
            )
        except ServiceError:
            return None
        return CampaignPreview(
            rendered_body=preview.rendered.body,
            content_variables=JSON(preview.rendered.content_variables),
            problems=UserError.list_from(preview.rendered.problems),
            submission_problems=UserError.list_from(preview.submission_problems),
        )
