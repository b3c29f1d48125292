"""A bulk send: one run of a campaign over its audience."""

from datetime import datetime

import strawberry

from db import models
from gql.context import Info
from gql.ids import encode_id
from gql.loaders import load_required
from gql.types.campaign import Campaign
from gql.types.common import Node
from gql.types.enums import CampaignSendStatus


@strawberry.type
class CampaignSend(Node):
    model: strawberry.Private[models.CampaignSend]
    status: CampaignSendStatus
    paused_reason: str | None
    waiting_reason: str | None = strawberry.field(
        description=(
            "Why a running send's rows are waiting (Twilio unavailable: 429, 5xx, "
            "unreachable); they retry with backoff, and this clears once Twilio accepts "
            "a message of the send again."
        )
    )
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    total: int
    created_at: datetime

    @classmethod
    def from_model(cls, model: models.CampaignSend) -> "CampaignSend":
        return cls(
            model=model,
            id=strawberry.ID(encode_id("CampaignSend", model.id)),
            status=model.status,
            paused_reason=model.paused_reason,
            waiting_reason=(
                model.waiting_reason if model.status is CampaignSendStatus.RUNNING else None
            ),
            scheduled_at=model.scheduled_at,
            started_at=model.started_at,
            finished_at=model.finished_at,
            total=model.total,
            created_at=model.created_at,
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

    @strawberry.field
    async def skipped(self, info: Info) -> int:
        return await self._count(info, "skipped")

    @strawberry.field
    async def campaign(self, info: Info) -> Campaign:
        found = await load_required(info.context.loaders.campaign, self.model.campaign_id)
        return Campaign.from_model(found)
