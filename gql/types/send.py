"""A bulk send: one run of a campaign over its audience."""

from datetime import datetime

import strawberry

from db import models
from gql.context import Info
from gql.loaders import load_required
from gql.types.campaign import Campaign
from gql.types.common import Node
from gql.types.enums import CampaignSendStatus
from gql.types.rows import node_from_row


@strawberry.type
class CampaignSend(Node):
    model: strawberry.Private[models.CampaignSend]
    status: CampaignSendStatus
    paused_reason: str | None
    waiting_reason: str | None = strawberry.field(
        description=(
            "Why a running send's rows are waiting: Twilio unavailable (429, 5xx, "
            "unreachable; they retry with backoff, and this clears once Twilio accepts "
            "a message of the send again), or a retry that Meta's per-person marketing "
            "limit allows (63049; until the last such retry went out)."
        )
    )
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    created_at: datetime

    @classmethod
    def from_model(cls, model: models.CampaignSend) -> "CampaignSend":
        # Waiting only means something while the send runs.
        running = model.status is CampaignSendStatus.RUNNING
        return node_from_row(
            cls, model, model=model, waiting_reason=model.waiting_reason if running else None
        )

    async def _count(self, info: Info, name: str) -> int:
        counts = await info.context.loaders.send_counts.load(self.model.id)
        return int(getattr(counts, name))

    @strawberry.field
    async def queued(self, info: Info) -> int:
        return await self._count(info, "queued")

    @strawberry.field
    async def sent(self, info: Info) -> int:
        return await self._count(info, "sent")

    @strawberry.field
    async def delivered(self, info: Info) -> int:
        return await self._count(info, "delivered")

    @strawberry.field
    async def read(self, info: Info) -> int:
        return await self._count(info, "read")

    @strawberry.field
    async def failed(self, info: Info) -> int:
        return await self._count(info, "failed")

    @strawberry.field(
        description="Messages Meta limited (63049: the person had their share of marketing "
        "templates from all businesses), waiting for a retry or not retried; not in `failed`."
    )
    async def limited(self, info: Info) -> int:
        return await self._count(info, "limited")

    @strawberry.field
    async def skipped(self, info: Info) -> int:
        return await self._count(info, "skipped")

    @strawberry.field
    async def campaign(self, info: Info) -> Campaign:
        found = await load_required(info.context.loaders.campaign, self.model.campaign_id)
        return Campaign.from_model(found)
