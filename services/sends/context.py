"""Everything needed to send a batch of claimed rows, loaded in two statements."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.enums import CampaignType, LedgerState
from db.models import Campaign, CampaignLead, CampaignLeadMessage, ConversationUser, Merchant
from repositories import recipients
from repositories.ledger import Claim
from services.accounts.routing import TwilioRoute, routes_of
from services.links.tracking import link_variables
from services.sends.audience import Recipient, SkipReason, already_received, check
from services.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class Delivery:
    claim: Claim
    row: CampaignLeadMessage
    person: ConversationUser
    campaign: Campaign
    body: str  # as the recipient will read it
    context: dict[str, str]  # the template's variables as hydrated now (the ledger keeps them)
    variables: dict[str, str]  # ContentVariables: the context plus tracked-link tokens
    skip: SkipReason | None  # checked again at send time: people opt out meanwhile
    broken: str | None = None  # why the message could not be prepared at all
    route: TwilioRoute | None = None  # the account and sender it goes through (with_routes)
    account_sid: str | None = None  # that account's SID, the platform's included
    # Twilio's ValidityPeriod for the row's category (the sending policy's; policy_gate).
    validity: int | None = None


async def with_routes(
    session: AsyncSession, settings: Settings, deliveries: list[Delivery]
) -> list[Delivery]:
    """Give each delivery its route: the account and sender of its row, read once per
    merchant of the batch, not once per row."""
    keys = {(d.person.merchant_id, d.row.sender_id) for d in deliveries}
    routes = await routes_of(session, settings, keys)
    for delivery in deliveries:
        delivery.route = routes.get((delivery.person.merchant_id, delivery.row.sender_id))
        if delivery.route is not None:
            delivery.account_sid = delivery.route.account_sid or settings.twilio_account_sid
        if delivery.route is None and delivery.broken is None:
            delivery.broken = f"its sender {delivery.row.sender_id} is not its merchant's"
    return deliveries


async def load_deliveries(session: AsyncSession, claimed: Sequence[Claim]) -> list[Delivery]:
    by_id = {c.ledger_id: c for c in claimed}
    # A batch is usually one campaign: its campaign and merchant are loaded once.
    people_rows = await recipients.claimed_rows(session, list(by_id))
    owners = await recipients.campaign_owners(
        session, {row.campaign_id for row, _, _ in people_rows}
    )
    rows = [(row, lead, person, *owners[row.campaign_id]) for row, lead, person in people_rows]
    received: dict[int, set[int]] = {}
    for _, _, _, campaign, _ in rows:
        if campaign.campaign_type is CampaignType.MARKETING and campaign.id not in received:
            people = [p.id for _, _, p, c, _ in rows if c.id == campaign.id]
            received[campaign.id] = await already_received(
                session, campaign, people, states=(LedgerState.SENT,)
            )
    deliveries = []
    for row, lead, person, campaign, merchant in rows:
        try:
            delivery = await _delivery(
                session, by_id[row.id], row, lead, person, campaign, merchant, received
            )
        except Exception as error:
            # One row that cannot be prepared must not hold up its batch (claimed again
            # and again): it fails with the reason instead.
            logger.exception("preparing ledger row %s failed", row.id)
            delivery = Delivery(by_id[row.id], row, person, campaign, "", {}, {}, None, repr(error))
        deliveries.append(delivery)
    return deliveries


async def _delivery(
    session: AsyncSession,
    claim: Claim,
    row: CampaignLeadMessage,
    lead: CampaignLead,
    person: ConversationUser,
    campaign: Campaign,
    merchant: Merchant,
    received: dict[int, set[int]],
) -> Delivery:
    recipient = Recipient(lead, person)
    if row.campaign_send_id is None:  # a one-off row: the caller's values, checked then
        verdict = check(campaign, merchant, recipient, set(), _named(campaign, row.context))
    else:
        verdict = check(campaign, merchant, recipient, received.get(campaign.id, set()))
    links = await link_variables(session, campaign, row.id)
    return Delivery(
        claim=claim,
        row=row,
        person=person,
        campaign=campaign,
        body=verdict.rendered.body,
        context=dict(verdict.rendered.content_variables),
        # Tracked links travel as extra variables; `context` keeps the template's.
        variables={**verdict.rendered.content_variables, **links},
        skip=verdict.skipped,
    )


def _named(campaign: Campaign, positional: dict[str, object]) -> dict[str, object]:
    """A one-off row stores the caller's values positionally; name them again."""
    return {campaign.variables[k]: v for k, v in positional.items() if k in campaign.variables}
