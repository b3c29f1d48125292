"""Audiences: adding and removing leads, and previewing what a lead would receive."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignStatus
from db.models import Campaign
from repositories.campaigns import CampaignRepository
from repositories.leads import LeadRepository, LeadRow, PersonRow
from repositories.merchants import MerchantRepository
from services.batch_checks import checked_phone, clean_name, first_occurrence, within_limit
from services.campaigns.placeholders import VARIABLE_TYPES
from services.campaigns.rendering import LeadData, Rendered, render, values_for
from services.campaigns.submission_rules import submission_problems
from services.cooperative import cooperatively
from services.errors import ErrorCode, FieldError, ServiceError, not_found


@dataclass(frozen=True)
class LeadInput:
    phone: str
    name: str | None = None
    custom_variables: Any = None


@dataclass
class LeadsResult:
    leads: list[LeadRow] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    people: dict[int, PersonRow] = field(default_factory=dict)  # of `leads`, when known


@dataclass(frozen=True)
class LeadPreview:
    rendered: Rendered  # what the lead would receive, and what would stop that message
    submission_problems: list[FieldError]  # what would stop the template being submitted


@dataclass
class _Valid:
    phone: str
    name: str | None
    custom_variables: dict[str, str] | None


class LeadService:
    def __init__(self, session: AsyncSession, max_leads_per_call: int = 10_000) -> None:
        self.session = session
        self.max_leads_per_call = max_leads_per_call
        self.campaigns = CampaignRepository(session)
        self.leads = LeadRepository(session)

    async def audience_campaign(self, merchant_id: int, campaign_id: int) -> Campaign:
        """The campaign, if it may take leads: NOT_FOUND, NOT_HEAD_VERSION, ARCHIVED."""
        return await self._audience_campaign(merchant_id, campaign_id)

    async def _audience_campaign(self, merchant_id: int, campaign_id: int) -> Campaign:
        campaign = await self.campaigns.get(merchant_id, campaign_id)
        if campaign is None:
            raise not_found("Campaign", ("campaignId",))
        if campaign.next_campaign_id is not None:
            raise ServiceError.single(
                ErrorCode.NOT_HEAD_VERSION,
                "Leads belong to the newest version of a campaign.",
                ("campaignId",),
            )
        if campaign.status == CampaignStatus.ARCHIVED:
            raise ServiceError.single(
                ErrorCode.ARCHIVED, "An archived campaign takes no leads.", ("campaignId",)
            )
        return campaign

    async def add(
        self, merchant_id: int, campaign_id: int, inputs: Sequence[LeadInput]
    ) -> LeadsResult:
        """Add valid leads; report invalid ones by index. A phone given twice in one call
        is added once, as first given; each later occurrence is reported. Adding a lead
        already in the audience reactivates it and applies its new name and custom
        variables, where given."""
        within_limit(inputs, self.max_leads_per_call, ErrorCode.TOO_MANY_LEADS, "leads", "leads")
        campaign = await self._audience_campaign(merchant_id, campaign_id)
        result = LeadsResult()
        valid: dict[str, _Valid] = {}  # by phone, unique: later occurrences are errors
        first_index: dict[str, int] = {}
        # Phone numbers take ~50 µs each to check: 10,000 of them would hold the loop.
        async for index, lead_input in cooperatively(enumerate(inputs)):
            checked = _check(index, lead_input, first_index, result.errors)
            if checked is not None:
                valid[checked.phone] = checked
        if not valid:
            return result
        people = await self.leads.upsert_people(
            merchant_id, [(v.phone, v.name) for v in valid.values()]
        )
        leads = await self.leads.upsert_leads(
            campaign.id,
            [(people[v.phone].id, v.custom_variables) for v in valid.values()],
        )
        order = {people[phone].id: position for position, phone in enumerate(valid)}
        result.leads = sorted(leads, key=lambda lead: order[lead.conversation_user_id])
        result.people = {person.id: person for person in people.values()}
        return result

    async def remove(
        self, merchant_id: int, campaign_id: int, lead_ids: Sequence[int | None]
    ) -> LeadsResult:
        """Deactivate leads (they stay for history). Unknown ids are reported by index."""
        campaign = await self._audience_campaign(merchant_id, campaign_id)
        known = await self.leads.by_ids(merchant_id, [i for i in lead_ids if i is not None])
        result = LeadsResult()
        wanted: list[int] = []
        for index, lead_id in enumerate(lead_ids):
            lead = known.get(lead_id) if lead_id is not None else None
            if lead is None or lead.campaign_id != campaign.id:
                result.errors.append(
                    FieldError(
                        ErrorCode.NOT_FOUND,
                        "No such lead in this campaign.",
                        ("leadIds", str(index)),
                    )
                )
            else:
                wanted.append(lead.id)
        if wanted:
            removed = {lead.id: lead for lead in await self.leads.deactivate(campaign.id, wanted)}
            result.leads = [removed[i] for i in dict.fromkeys(wanted)]
        return result

    async def preview(self, merchant_id: int, campaign_id: int, lead_id: int) -> LeadPreview:
        """Exactly what the lead would receive, with every problem that would stop it."""
        campaign = await self.campaigns.get(merchant_id, campaign_id)
        if campaign is None:
            raise not_found("Campaign", ("campaignId",))
        lead = (await self.leads.by_ids(merchant_id, [lead_id])).get(lead_id)
        if lead is None or lead.campaign_id != campaign.id:
            raise not_found("Lead", ("leadId",))
        person = (await self.leads.people_by_ids(merchant_id, [lead.conversation_user_id]))[
            lead.conversation_user_id
        ]
        merchant = await MerchantRepository(self.session).get(merchant_id)
        assert merchant is not None
        data = LeadData(merchant.name, person.name, person.phone)
        rendered = render(
            campaign.body,
            campaign.variables,
            values_for(data, lead.custom_variables, person.attributes),
        )
        return LeadPreview(rendered, submission_problems(campaign))


def _check(
    index: int, lead: LeadInput, first_index: dict[str, int], errors: list[FieldError]
) -> _Valid | None:
    """The lead as it would be stored, or None after reporting why it cannot be.
    `first_index` records where each phone was first given in this call."""
    path = ("leads", str(index))
    before = len(errors)
    phone = checked_phone(lead.phone, (*path, "phone"), errors)
    if phone is not None:
        first_occurrence(
            phone, index, first_index, ErrorCode.DUPLICATE_LEAD, (*path, "phone"), errors
        )
    custom = _custom_variables(lead.custom_variables, (*path, "customVariables"), errors)
    name = clean_name(lead.name)
    if len(errors) > before or phone is None:
        return None
    return _Valid(phone, name, custom)


def _custom_variables(
    given: Any, path: tuple[str, ...], errors: list[FieldError]
) -> dict[str, str] | None:
    if given is None:
        return None
    if not isinstance(given, dict):
        errors.append(FieldError(ErrorCode.INVALID, "Must be a JSON object.", path))
        return None
    custom: dict[str, str] = {}
    for key, value in given.items():
        where = (*path, key)
        if key not in VARIABLE_TYPES:
            errors.append(
                FieldError(ErrorCode.UNKNOWN_VARIABLE, f"{key!r} is not a known variable.", where)
            )
        elif not isinstance(value, str | int | float) or isinstance(value, bool):
            errors.append(FieldError(ErrorCode.INVALID, "Use a string or a number.", where))
        else:
            custom[key] = str(value)
    return custom
