"""The bare Strawberry app's schema: the floors of bench/http_paths.py.

`ok` is the floor of `{ __typename }`. `campaigns` answers the contract's `Campaigns`
document (the same fields, types and enum names as ours) with 23 campaigns made in
memory, as many as a merchant's default templates: what Strawberry and graphql-core
alone cost to execute and serialise that page, with no database, token or limits, served
at /campaigns. Its
resolvers have the shapes of ours: `stats` is async (ours loads through a DataLoader),
`nextCampaign` and `previousCampaign` are plain functions that find nothing to load.
"""

from datetime import UTC, datetime
from enum import Enum

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

PAGE = 23


@strawberry.enum
class CampaignStatus(Enum):
    UNSUBMITTED = "unsubmitted"


@strawberry.enum
class CampaignType(Enum):
    MARKETING = "marketing"


@strawberry.enum
class CampaignAuthorType(Enum):
    SYSTEM = "system"


@strawberry.enum
class CampaignVariableType(Enum):
    LEAD_NAME = "lead_name"


@strawberry.input
class CampaignFilter:
    name: str | None = None


@strawberry.type
class CampaignVariable:
    key: str
    type: CampaignVariableType


@strawberry.type
class CampaignStats:
    leads: int = 0
    active_leads: int = 0
    queued: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    skipped: int = 0


@strawberry.type
class Campaign:
    id: strawberry.ID
    name: str
    body: str
    language: str
    status: CampaignStatus
    rejection_reason: str | None
    content_sid: str | None
    content_type: str
    campaign_type: CampaignType
    author_type: CampaignAuthorType
    channel: str
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    def variables(self) -> list[CampaignVariable]:
        return [CampaignVariable(key="1", type=CampaignVariableType.LEAD_NAME)]

    @strawberry.field
    def next_campaign(self) -> "Campaign | None":
        return None

    @strawberry.field
    def previous_campaign(self) -> "Campaign | None":
        return None

    @strawberry.field
    async def stats(self) -> CampaignStats:
        return CampaignStats()


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class CampaignEdge:
    cursor: str
    node: Campaign


@strawberry.type
class CampaignConnection:
    total_count: int
    page_info: PageInfo
    edges: list[CampaignEdge]


def _campaign(number: int) -> Campaign:
    now = datetime.now(UTC)
    return Campaign(
        id=strawberry.ID(f"Q2FtcGFpZ246{number}"),
        name=f"template_{number}",
        body="Hi {{1}}, your order is on its way. Reply STOP to opt out." * 2,
        language="en",
        status=CampaignStatus.UNSUBMITTED,
        rejection_reason=None,
        content_sid=None,
        content_type="twilio/text",
        campaign_type=CampaignType.MARKETING,
        author_type=CampaignAuthorType.SYSTEM,
        channel="whatsapp",
        created_at=now,
        updated_at=now,
    )


@strawberry.type
class Query:
    ok: bool = True

    @strawberry.field
    async def campaigns(
        self, first: int | None = 50, after: str | None = None, filter: CampaignFilter | None = None
    ) -> CampaignConnection:
        edges = [CampaignEdge(cursor=str(n), node=_campaign(n)) for n in range(PAGE)]
        page_info = PageInfo(has_next_page=False, end_cursor=edges[-1].cursor)
        return CampaignConnection(total_count=PAGE, page_info=page_info, edges=edges)


schema = strawberry.Schema(query=Query)
# Parsed and validated once per document, as ours does (Strawberry's own extensions): the
# floor of the campaigns path is execution. The `ok` floor validates every request.
cached_schema = strawberry.Schema(query=Query, extensions=[ParserCache, ValidationCache])
