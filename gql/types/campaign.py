"""A campaign: one version of a WhatsApp template."""

from collections.abc import Awaitable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from db import models
from gql.context import Info
from gql.types.common import Node, UserError
from gql.types.enums import CampaignAuthorType, CampaignStatus, CampaignType, CampaignVariableType
from gql.types.lead import CampaignLead, CampaignLeadMessage
from gql.types.pagination import Connection, connection_from_page, page_request
from gql.types.rows import node_from_row
from repositories.pagination import Page
from services.campaigns.placeholders import to_named
from services.campaigns.submission_rules import submission_problems

if TYPE_CHECKING:
    from gql.types.send import CampaignSend


@strawberry.type
class CampaignVariable:
    key: str = strawberry.field(description='Positional placeholder as sent to Twilio: "1", "2", …')
    type: CampaignVariableType


@strawberry.type(description="Counts over the campaign's audience and its ledger.")
class CampaignStats:
    leads: int
    active_leads: int
    queued: int
    sent: int = strawberry.field(description="Messages that reached at least `sent`.")
    delivered: int = strawberry.field(description="Messages that reached at least `delivered`.")
    read: int
    failed: int
    limited: int = strawberry.field(
        description="Messages Meta limited (63049: the person had their share of marketing "
        "templates from all businesses), waiting for a retry or not retried; not in `failed`."
    )
    skipped: int


# A campaign's own type, for fields declared before the class exists.
_MAYBE = Annotated["Campaign", strawberry.lazy("gql.types.campaign")] | None


@strawberry.type
class Campaign(Node):
    model: strawberry.Private[models.Campaign]
    name: str
    version: int
    body: str = strawberry.field(
        description="The body as sent to Twilio, with {{1}}-style placeholders."
    )
    language: str
    status: CampaignStatus
    rejection_reason: str | None
    content_sid: str | None
    content_type: str
    content_context: JSON = strawberry.field(description="The `types` object sent to Twilio.")
    samples: JSON
    campaign_type: CampaignType
    author_type: CampaignAuthorType
    channel: str
    twilio_status: str | None = strawberry.field(
        description="Twilio's approval status as last reported, raw (it may be one we do not know)."
    )
    category: str | None = strawberry.field(
        description="WhatsApp category as last reported (Meta may change it)."
    )
    submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, model: models.Campaign) -> "Campaign":
        # A rejection reason is stored as '' until Twilio gives one.
        return node_from_row(
            cls, model, model=model, rejection_reason=model.rejection_reason or None
        )

    @strawberry.field(description="The body with named placeholders, as the merchant wrote it.")
    def named_body(self) -> str:
        return to_named(self.model.body, self.model.variables)

    @strawberry.field(
        description="What WhatsApp's rules find wrong with this body, with the samples it "
        "would be submitted with: exactly the errors submitCampaign refuses it for (same "
        'codes, messages and paths such as ["body"]). Empty when the body can be submitted.'
    )
    def submission_problems(self) -> list[UserError]:
        return UserError.list_from(submission_problems(self.model))

    @strawberry.field
    def variables(self) -> list[CampaignVariable]:
        items = sorted(self.model.variables.items(), key=lambda item: int(item[0]))
        return [CampaignVariable(key=k, type=CampaignVariableType(v)) for k, v in items]

    # next_campaign and previous_campaign are plain functions that return None, or an
    # awaitable when there is something to load: most campaigns have neither, and two
    # async fields per object cost graphql-core a coroutine each and a gather of tasks
    # (about a tenth of the execution of a page of campaigns).
    @strawberry.field(description="The version that replaced this one.", graphql_type=_MAYBE)
    def next_campaign(self, info: Info) -> Awaitable["Campaign | None"] | None:
        if self.model.next_campaign_id is None:
            return None
        return _campaign(info.context.loaders.campaign.load(self.model.next_campaign_id))

    @strawberry.field(description="The version this one replaced.", graphql_type=_MAYBE)
    def previous_campaign(self, info: Info) -> Awaitable["Campaign | None"] | None:
        if self.model.version == 1:  # versions count from 1: the first replaced nothing
            return None
        return _campaign(info.context.loaders.previous_campaign.load(self.model.id))

    @strawberry.field(description="Every version of this template, oldest first.")
    async def versions(self, info: Info) -> list["Campaign"]:
        found = await info.context.loaders.versions.load(self.model.name)
        return [Campaign.from_model(c) for c in found]

    @strawberry.field
    async def stats(self, info: Info) -> CampaignStats:
        counts = await info.context.loaders.campaign_counts.load(self.model.id)
        ledger = counts.ledger
        return CampaignStats(
            leads=counts.leads,
            active_leads=counts.active_leads,
            queued=ledger.queued,
            sent=ledger.sent,
            delivered=ledger.delivered,
            read=ledger.read,
            failed=ledger.failed,
            limited=ledger.limited,
            skipped=ledger.skipped,
        )

    @strawberry.field
    async def leads(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[CampaignLead]:
        request = page_request(first, after, "CampaignLead")
        loaders = info.context.loaders
        page: Page[models.CampaignLead] = await loaders.lead_page.load(
            (self.model.id, request.limit, request.after_id)
        )
        counts = await loaders.campaign_counts.load(self.model.id)
        return connection_from_page(page, counts.leads, "CampaignLead", CampaignLead.from_model)

    @strawberry.field(description="The ledger: what each lead was sent, oldest first.")
    async def messages(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[CampaignLeadMessage]:
        request = page_request(first, after, "CampaignLeadMessage")
        loaders = info.context.loaders
        page: Page[models.CampaignLeadMessage] = await loaders.ledger_page.load(
            (self.model.id, request.limit, request.after_id)
        )
        counts = await loaders.campaign_counts.load(self.model.id)
        return connection_from_page(
            page, counts.ledger.total, "CampaignLeadMessage", CampaignLeadMessage.from_model
        )

    @strawberry.field(description="Bulk sends of this version, newest first.")
    async def sends(
        self, info: Info
    ) -> list[Annotated["CampaignSend", strawberry.lazy("gql.types.send")]]:
        from gql.types.send import CampaignSend

        found = await info.context.loaders.sends_of_campaign.load(self.model.id)
        return [CampaignSend.from_model(s) for s in found]


async def _campaign(loading: Awaitable[models.Campaign | None]) -> Campaign | None:
    found = await loading
    return Campaign.from_model(found) if found else None
