"""Audiences: adding and removing leads, and previewing what a lead would receive."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignStatus
from db.models import Campaign, CampaignLead
from services.campaigns.leads_repository import LeadRepository
from services.campaigns.placeholders import VARIABLE_TYPES
from services.campaigns.rendering import LeadData, Rendered, render, values_for
from services.campaigns.repository import CampaignRepository
from services.errors import ErrorCode, FieldError, ServiceError, not_found
from services.merchants.repository import MerchantRepository
from services.phones import normalize_e164


@dataclass(frozen=True)
class LeadInput:
    phone: str
    name: str | None = None
    custom_variables: Any = None


@dataclass
class LeadsResult:
    leads: list[CampaignLead] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


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
        """Add valid leads; report invalid ones by index. Adding a lead again is a no-op
        except that it reactivates the lead and applies new custom variables."""
        if len(inputs) > self.max_leads_per_call:
            raise ServiceError.single(
                ErrorCode.TOO_MANY_LEADS,
                f"Add at most {self.max_leads_per_call} leads per call.",
                ("leads",),
            )
        campaign = await self._audience_campaign(merchant_id, campaign_id)
        result = LeadsResult()
        valid: dict[str, _Valid] = {}  # by phone; a later duplicate wins
        for index, lead_input in enumerate(inputs):
            checked = _check(index, lead_input, result.errors)
            if checked is not None:
                valid.pop(checked.phone, None)
                valid[checked.phone] = checked
        if not valid:
            return result
        ids_by_phone = await self.leads.upsert_people(
            merchant_id, [(v.phone, v.name) for v in valid.values()]
        )
        leads = await self.leads.upsert_leads(
            campaign.id,
            [(ids_by_phone[v.phone], v.custom_variables) for v in valid.values()],
        )
        order = {ids_by_phone[phone]: position for position, phone in enumerate(valid)}
        result.leads = sorted(leads, key=lambda lead: order[lead.conversation_user_id])
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

    async def preview(self, merchant_id: int, campaign_id: int, lead_id: int) -> Rendered:
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
        return render(campaign.body, campaign.variables, values_for(data, lead.custom_variables))


def _check(index: int, lead: LeadInput, errors: list[FieldError]) -> _Valid | None:
    path = ("leads", str(index))
    before = len(errors)
    phone = normalize_e164(lead.phone)
    if phone is None:
        errors.append(
            FieldError(
                ErrorCode.INVALID_PHONE,
                f"{lead.phone!r} is not a valid phone number in E.164 form (+14155550123).",
                (*path, "phone"),
            )
        )
    custom: dict[str, str] | None = None
    if lead.custom_variables is not None:
        if not isinstance(lead.custom_variables, dict):
            errors.append(
                FieldError(ErrorCode.INVALID, "Must be a JSON object.", (*path, "customVariables"))
            )
        else:
            custom = {}
            for key, value in lead.custom_variables.items():
                where = (*path, "customVariables", key)
                if key not in VARIABLE_TYPES:
                    errors.append(
                        FieldError(
                            ErrorCode.UNKNOWN_VARIABLE, f"{key!r} is not a known variable.", where
                        )
                    )
                elif not isinstance(value, str | int | float) or isinstance(value, bool):
                    errors.append(FieldError(ErrorCode.INVALID, "Use a string or a number.", where))
                else:
                    custom[key] = str(value)
    name = lead.name.strip() if lead.name and lead.name.strip() else None
    if len(errors) > before or phone is None:
        return None
    return _Valid(phone, name, custom)
