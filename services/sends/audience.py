"""Who a send goes to: the active leads, each checked before anything is sent."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignType, LedgerState
from db.models import Campaign, CampaignLead, ConversationUser, Merchant
from repositories import recipients
from repositories.leads import LeadRow, PersonRow
from services.campaigns.rendering import LeadData, Rendered, render, values_for
from services.errors import ErrorCode

# Numbers are fully validated (libphonenumber) when stored; at send time, which runs for
# every message, checking the form is enough.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class SkipReason(StrEnum):
    OPTED_OUT = "opted_out"
    ALREADY_RECEIVED = "already_received"
    MISSING_VARIABLE = "missing_variable"
    EMPTY_VARIABLE = "empty_variable"
    INVALID_VARIABLE = "invalid_variable"
    BODY_TOO_LONG = "body_too_long"
    INVALID_PHONE = "invalid_phone"
    # The merchant's marketing frequency cap (services/policy): the person had their
    # marketing messages for the cap's days.
    FREQUENCY_CAPPED = "frequency_capped"


_REASON_OF = {
    ErrorCode.MISSING_VARIABLE: SkipReason.MISSING_VARIABLE,
    ErrorCode.EMPTY_VARIABLE: SkipReason.EMPTY_VARIABLE,
    ErrorCode.INVALID_VARIABLE_VALUE: SkipReason.INVALID_VARIABLE,
    ErrorCode.BODY_TOO_LONG: SkipReason.BODY_TOO_LONG,
}


@dataclass(frozen=True)
class Recipient:
    lead: CampaignLead | LeadRow
    person: ConversationUser | PersonRow


@dataclass(frozen=True)
class Verdict:
    rendered: Rendered
    skipped: SkipReason | None


def hydrate(
    campaign: Campaign,
    merchant: Merchant,
    recipient: Recipient,
    extra: dict[str, Any] | None = None,
) -> Rendered:
    data = LeadData(merchant.name, recipient.person.name, recipient.person.phone)
    custom = {**recipient.lead.custom_variables, **(extra or {})}
    values = values_for(data, custom, recipient.person.attributes)
    return render(campaign.body, campaign.variables, values)


def check(
    campaign: Campaign,
    merchant: Merchant,
    recipient: Recipient,
    received: set[int],
    extra: dict[str, Any] | None = None,
) -> Verdict:
    """Why this recipient must be skipped, if at all (first reason wins)."""
    rendered = hydrate(campaign, merchant, recipient, extra)
    person = recipient.person
    if not E164.fullmatch(person.phone):
        return Verdict(rendered, SkipReason.INVALID_PHONE)
    if person.opted_out_at is not None:
        return Verdict(rendered, SkipReason.OPTED_OUT)
    if campaign.campaign_type is CampaignType.MARKETING and person.id in received:
        return Verdict(rendered, SkipReason.ALREADY_RECEIVED)
    if rendered.problems:
        return Verdict(
            rendered, _REASON_OF.get(rendered.problems[0].code, SkipReason.INVALID_VARIABLE)
        )
    return Verdict(rendered, None)


async def active_recipients(session: AsyncSession, campaign_id: int) -> list[Recipient]:
    return [
        Recipient(lead, person)
        for lead, person in await recipients.active_leads(session, campaign_id)
    ]


async def already_received(
    session: AsyncSession,
    campaign: Campaign,
    people: Sequence[int] | None = None,
    states: Sequence[LedgerState] = (LedgerState.SENT, LedgerState.SENDING, LedgerState.PENDING),
) -> set[int]:
    """People who were sent (or are being sent) any version of this template."""
    return await recipients.already_received(session, campaign, people, states)
