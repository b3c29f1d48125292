"""Audience members and the ledger rows of what was sent to them."""

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from db import models
from gql.context import Info
from gql.loaders import load_required
from gql.types.common import Node
from gql.types.enums import LedgerState
from gql.types.people import ConversationUser, Message
from gql.types.rows import node_from_row
from repositories.leads import LeadRow


@strawberry.type(description="One person in a campaign's audience.")
class CampaignLead(Node):
    conversation_user_id: strawberry.Private[int]
    active: bool = strawberry.field(description="Still queued for the next send.")
    custom_variables: JSON = strawberry.field(
        description="Variable type -> value, overriding lead and merchant data."
    )
    created_at: datetime

    @classmethod
    def from_model(cls, model: models.CampaignLead | LeadRow) -> "CampaignLead":
        return node_from_row(cls, model, conversation_user_id=model.conversation_user_id)

    @strawberry.field
    async def conversation_user(self, info: Info) -> ConversationUser:
        person = await load_required(info.context.loaders.person, self.conversation_user_id)
        return ConversationUser.from_model(person)


@strawberry.type(description="What one lead was sent (or why not), with the variables used.")
class CampaignLeadMessage(Node):
    model: strawberry.Private[models.CampaignLeadMessage]
    context: JSON = strawberry.field(description="Variables as hydrated at send time.")
    state: LedgerState
    skipped_reason: str | None
    last_error: str | None = strawberry.field(
        description="Why the row is not sent yet (waiting for a retry, in doubt) or failed."
    )
    clicks: int
    limits: int = strawberry.field(
        description="Times Meta limited this row's message (63049: the person had their "
        "share of marketing templates from all businesses)."
    )
    created_at: datetime

    @classmethod
    def from_model(cls, model: models.CampaignLeadMessage) -> "CampaignLeadMessage":
        return node_from_row(cls, model, model=model)

    @strawberry.field(
        description="Meta limited its last message (63049) and no later one went out: it "
        "waits for a retry (`retryAt`) or is not retried (`lastError` says why)."
    )
    def limited(self) -> bool:
        return self.model.limited_at is not None

    @strawberry.field(description="When a pending row is tried next; null once it is not pending.")
    def retry_at(self) -> datetime | None:
        if self.model.state is not LedgerState.PENDING:
            return None
        return self.model.next_attempt_at

    @strawberry.field
    async def lead(self, info: Info) -> CampaignLead:
        lead = await load_required(info.context.loaders.lead, self.model.campaign_lead_id)
        return CampaignLead.from_model(lead)

    @strawberry.field
    async def message(self, info: Info) -> Message | None:
        if self.model.message_id is None:
            return None
        message = await info.context.loaders.message.load(self.model.message_id)
        return Message.from_model(message) if message else None
