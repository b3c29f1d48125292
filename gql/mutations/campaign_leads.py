"""addCampaignLeads and removeCampaignLeads."""

import strawberry
from strawberry.scalars import JSON

from gql.coerced_inputs import take_as_coerced
from gql.context import AUTHENTICATED, Context, Info
from gql.errors import in_transaction
from gql.ids import decode_pk, require_pk
from gql.input_guard import InputGuard
from gql.types.common import UserError
from gql.types.lead import CampaignLead
from services.campaigns.leads import LeadInput, LeadService, LeadsResult
from services.cooperative import cooperatively


@strawberry.input
class CampaignLeadInput:
    phone: str = strawberry.field(description="E.164, e.g. +14155550123.")
    name: str | None = None
    custom_variables: JSON | None = strawberry.field(
        default=None, description='Variable type -> value, e.g. {"order_id": "1042"}.'
    )


take_as_coerced(CampaignLeadInput)


@strawberry.type
class CampaignLeadsPayload:
    leads: list[CampaignLead] = strawberry.field(description="The leads that were changed.")
    errors: list[UserError]


async def _payload(context: Context, result: LeadsResult) -> CampaignLeadsPayload:
    """The leads changed, and the ones refused by index (a partial success)."""
    # The people were just written: their fields need not be read again.
    async for person in cooperatively(result.people.values()):
        context.loaders.person.prime(person.id, person)
    return CampaignLeadsPayload(
        leads=[CampaignLead.from_model(lead) async for lead in cooperatively(result.leads)],
        errors=UserError.list_from(result.errors),
    )


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Add up to 10,000 leads. Valid ones are added even when others are "
    "reported in `errors` by index; adding a lead already in the audience reactivates it "
    "and applies the name and custom variables given. Codes: INVALID_PHONE; DUPLICATE_LEAD "
    "(the phone, once normalised, was given earlier in the same list: the first is kept); "
    "UNKNOWN_VARIABLE and INVALID (custom variables); TOO_MANY_LEADS; NOT_FOUND, "
    "NOT_HEAD_VERSION and ARCHIVED (the campaign); BAD_USER_INPUT (text that cannot be "
    "stored, or over its length limit).",
    extensions=[InputGuard(batch="leads")],
)
async def add_campaign_leads(
    info: Info, campaign_id: strawberry.ID, leads: list[CampaignLeadInput]
) -> CampaignLeadsPayload:
    context = info.context
    pk = require_pk(campaign_id, "Campaign", "Campaign", ("campaignId",))
    inputs = [LeadInput(lead.phone, lead.name, lead.custom_variables) for lead in leads]
    service_limit = context.settings.max_leads_per_call
    return await _payload(
        context,
        await in_transaction(
            context,
            lambda session: LeadService(session, service_limit).add(
                context.merchant_id, pk, inputs
            ),
        ),
    )


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Deactivate leads; they stay in the campaign's history.",
)
async def remove_campaign_leads(
    info: Info, campaign_id: strawberry.ID, lead_ids: list[strawberry.ID]
) -> CampaignLeadsPayload:
    context = info.context
    pk = require_pk(campaign_id, "Campaign", "Campaign", ("campaignId",))
    ids = [decode_pk(lead_id, "CampaignLead") for lead_id in lead_ids]
    return await _payload(
        context,
        await in_transaction(
            context, lambda session: LeadService(session).remove(context.merchant_id, pk, ids)
        ),
    )
