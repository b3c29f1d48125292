"""One transactional message: one template to one number, with the caller's variables."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignStatus, CampaignType, LedgerState
from db.models import Campaign, CampaignLeadMessage, Message
from repositories import ledger
from repositories.campaigns import CampaignRepository
from repositories.leads import LeadRepository
from repositories.ledger import Claim
from repositories.merchants import MerchantRepository
from services.accounts.routing import sending_route
from services.campaigns.placeholders import VARIABLE_TYPES
from services.errors import ErrorCode, FieldError, ServiceError
from services.phones import normalize_e164
from services.sends.audience import Recipient, already_received, hydrate
from services.settings import Settings

INPUT = ("input",)


@dataclass(frozen=True)
class OneOff:
    campaign_name: str
    to: str
    variables: Any  # variable type -> value, as the caller gave them
    sender_id: int | None = None  # one of the merchant's senders; its default when None


async def prepare(
    session: AsyncSession, merchant_id: int, request: OneOff, settings: Settings | None = None
) -> Claim:
    """Check everything and write the ledger row, already claimed by the caller."""
    sender_id = None
    if settings is not None:
        route = await sending_route(
            session, settings, merchant_id, request.sender_id, (*INPUT, "senderId")
        )
        sender_id = route.sender_id
    errors: list[FieldError] = []
    campaign = await CampaignRepository(session).head_by_name(merchant_id, request.campaign_name)
    if campaign is None:
        errors.append(
            FieldError(ErrorCode.NOT_FOUND, "No template by that name.", (*INPUT, "campaignName"))
        )
    elif campaign.status is not CampaignStatus.APPROVED or not campaign.content_sid:
        errors.append(
            FieldError(
                ErrorCode.NOT_APPROVED,
                f"The template is {campaign.status.value}, not approved.",
                (*INPUT, "campaignName"),
            )
        )
    phone = normalize_e164(request.to)
    if phone is None:
        errors.append(
            FieldError(ErrorCode.INVALID_PHONE, "Use E.164, e.g. +14155550123.", (*INPUT, "to"))
        )
    variables = _variables(request.variables, errors)
    if errors:
        raise ServiceError(errors)
    assert campaign is not None and phone is not None
    return await _write(session, merchant_id, campaign, phone, variables, sender_id)


def _variables(raw: Any, errors: list[FieldError]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.append(
            FieldError(ErrorCode.INVALID, "Must be a JSON object.", (*INPUT, "variables"))
        )
        return {}
    checked: dict[str, str] = {}
    for key, value in raw.items():
        where = (*INPUT, "variables", key)
        if key not in VARIABLE_TYPES:
            errors.append(
                FieldError(ErrorCode.UNKNOWN_VARIABLE, f"{key!r} is not a known variable.", where)
            )
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            errors.append(FieldError(ErrorCode.INVALID, "Use a string or a number.", where))
        else:
            checked[key] = str(value)
    return checked


async def _write(
    session: AsyncSession,
    merchant_id: int,
    campaign: Campaign,
    phone: str,
    variables: dict[str, str],
    sender_id: int | None,
) -> Claim:
    leads = LeadRepository(session)
    person = (await leads.upsert_people(merchant_id, [(phone, None)]))[phone]
    if person.opted_out_at is not None:
        raise ServiceError.single(
            ErrorCode.OPTED_OUT, "This person opted out of your messages.", (*INPUT, "to")
        )
    if campaign.campaign_type is CampaignType.MARKETING and person.id in await already_received(
        session, campaign, [person.id]
    ):
        raise ServiceError.single(
            ErrorCode.ALREADY_RECEIVED,
            "This person already received this marketing template.",
            (*INPUT, "to"),
        )
    [lead] = await leads.upsert_leads(campaign.id, [(person.id, None)])
    merchant = await MerchantRepository(session).one(merchant_id)
    rendered = hydrate(campaign, merchant, Recipient(lead, person), variables)
    if rendered.problems:
        raise ServiceError(
            [FieldError(p.code, p.message, (*INPUT, *p.field)) for p in rendered.problems]
        )
    claimed_at = datetime.now(UTC)
    row = CampaignLeadMessage(
        campaign_id=campaign.id,
        campaign_lead_id=lead.id,
        state=LedgerState.SENDING,
        context=rendered.content_variables,
        claimed_at=claimed_at,
        attempts=1,
        sender_id=sender_id,
    )
    return Claim(await ledger.add_row(session, row), claimed_at)


# Twilio's refusals that are about the number, reported like our own checks of it.
_ABOUT_THE_NUMBER = {21211: ErrorCode.INVALID_PHONE, 21610: ErrorCode.OPTED_OUT}
# Twilio was busy or did not answer: sending again later may work.
_UNAVAILABLE = {20429, 20500, 20503}
_SKIPPED_AS = {
    "opted_out": ErrorCode.OPTED_OUT,
    "already_received": ErrorCode.ALREADY_RECEIVED,
    "invalid_phone": ErrorCode.INVALID_PHONE,
}


def outcome(row: CampaignLeadMessage, message: Message | None) -> list[FieldError]:
    """Why a one-off row that was written did not go out, as the mutation's errors (none
    when Twilio accepted it). The row itself says the same: failed with a Message carrying
    Twilio's error, skipped with its reason, or still in doubt with its last error."""
    if row.state is LedgerState.SENT:
        return []
    if row.state is LedgerState.FAILED and message is not None:
        code = message.error_code
        text = message.error_message or "Not sent."
        if code in _ABOUT_THE_NUMBER:
            return [FieldError(_ABOUT_THE_NUMBER[code], text, (*INPUT, "to"))]
        if code is None or code in _UNAVAILABLE:
            return [FieldError(ErrorCode.TWILIO_UNAVAILABLE, text, INPUT)]
        return [FieldError(ErrorCode.TWILIO_ERROR, text, INPUT)]
    if row.state is LedgerState.SKIPPED:
        reason = row.skipped_reason or "skipped"
        as_code = _SKIPPED_AS.get(reason, ErrorCode.INVALID)
        return [FieldError(as_code, f"Not sent: {reason}.", INPUT)]
    # Still claimed: Twilio did not answer and could not be asked whether the message
    # exists. The reconciler settles it; messageStatusChanged reports the outcome.
    return [
        FieldError(
            ErrorCode.TWILIO_UNAVAILABLE,
            f"Not confirmed yet: {row.last_error or 'no answer from Twilio'}. Twilio's "
            "message list is checked again shortly; messageStatusChanged reports the outcome.",
            INPUT,
        )
    ]


def replayed_outcome(row: CampaignLeadMessage, message: Message | None) -> list[FieldError]:
    """`outcome` for a retry that got the row its key's first request wrote: a row that
    request is still sending is no error (messageStatusChanged reports how it ends)."""
    if row.state is LedgerState.SENDING and row.last_error is None:
        return []
    return outcome(row, message)
