"""What the circuit breaker counts, on a database of the test's own (no server's send
worker completes or sends its running sends): each form of an outcome, rows without one,
the window, breaker_since, and a send with nothing left to stop."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.database import Database
from db.enums import CampaignSendStatus, LedgerState, MessageDirection, MessageStatus
from db.models import CampaignLeadMessage, CampaignSend, ConversationUser, Message
from repositories.breaker import Outcomes, recent_outcomes
from services.campaigns.drafts import CampaignDraft
from services.campaigns.leads import LeadInput, LeadService
from services.campaigns.service import CampaignService
from services.merchants.service import create_merchant
from services.policy.policy import Breaker, SendingPolicy
from services.policy.stored import store_policy
from services.sends.breaker import trip_breakers, verdict

S, M = LedgerState, MessageStatus
START = datetime.now(UTC) - timedelta(hours=1)


@dataclass(frozen=True)
class Row:
    """One lead's row: its state, its message's status and error (None: no message),
    whether Meta limited it (limited_at), whether its person opted out after it."""

    state: LedgerState
    status: MessageStatus | None = None
    error: int | None = None
    limited: bool = False
    opted_out: bool = False


# Oldest first, claimed a minute apart.
ROWS = [
    Row(S.SENT, M.DELIVERED),
    Row(S.SENT, M.READ),
    Row(S.FAILED, M.FAILED, 21211),  # refused by Twilio: a failed message without a sid
    Row(S.SENT, M.FAILED, 63014),
    Row(S.SENT, M.UNDELIVERED, 63049),  # limited, as the status callback says it
    Row(S.SENT, M.SENT, limited=True),  # limited, as the ledger row says it
    Row(S.SENT, M.READ, opted_out=True),
    Row(S.SENT, M.FAILED, 63014, opted_out=True),  # a failure: it never reached the person
    Row(S.SENT, M.SENT),  # on its way: no outcome
    Row(S.SENDING),  # in flight: no outcome
    Row(S.PENDING),
]


async def running_send(db: Database, rows: list[Row]) -> tuple[int, int]:
    """A running send of a new merchant's campaign with these rows; (merchant, send)."""
    async with db.transaction() as session:
        merchant = (await create_merchant(session, "Breaker Shop", with_templates=False)).merchant
        draft = CampaignDraft(name="breaker", body="Hi {{lead_name}}, the promo is on now!")
        campaign = await CampaignService(session).create(merchant.id, draft)
        phones = [LeadInput(f"+1415555{i:04d}") for i in range(len(rows))]
        leads = (await LeadService(session).add(merchant.id, campaign.id, phones)).leads
        send = CampaignSend(
            merchant_id=merchant.id,
            campaign_id=campaign.id,
            status=CampaignSendStatus.RUNNING,
            started_at=START,
            total=len(rows),
        )
        session.add(send)
        await session.flush()
        for i, (lead, row) in enumerate(zip(leads, rows, strict=True)):
            claimed = None if row.state is S.PENDING else START + timedelta(minutes=i)
            message = None
            if row.status is not None:
                message = Message(
                    merchant_id=merchant.id,
                    conversation_user_id=lead.conversation_user_id,
                    direction=MessageDirection.OUTBOUND,
                    status=row.status,
                    error_code=row.error,
                    sid=None if row.state is S.FAILED else f"SM{send.id:08d}{i:024d}",
                    created_at=claimed,
                )
                session.add(message)
                await session.flush()
            if row.opted_out:
                person = await session.get_one(ConversationUser, lead.conversation_user_id)
                person.opted_out_at = datetime.now(UTC)
            session.add(
                CampaignLeadMessage(
                    campaign_id=campaign.id,
                    campaign_lead_id=lead.id,
                    campaign_send_id=send.id,
                    message_id=message.id if message else None,
                    state=row.state,
                    claimed_at=claimed,
                    limits=int(row.limited),
                    limited_at=claimed if row.limited else None,
                )
            )
        await session.flush()
        return merchant.id, send.id


async def outcomes(db: Database, send_id: int, window: int) -> Outcomes | None:
    async with db.session() as session:
        found = await recent_outcomes(session, {send_id: window})
    return found[0] if found else None


async def test_each_form_of_an_outcome_counts_and_rows_without_one_do_not(
    scratch_db: Database,
) -> None:
    _, send_id = await running_send(scratch_db, ROWS)
    assert await outcomes(scratch_db, send_id, 200) == Outcomes(send_id, 8, 3, 2, 1)
    # The window is the newest rows with an outcome: the last four are a failure, the
    # opt-out and both limited rows.
    assert await outcomes(scratch_db, send_id, 4) == Outcomes(send_id, 4, 1, 2, 1)


async def test_only_rows_claimed_after_breaker_since_count(scratch_db: Database) -> None:
    _, send_id = await running_send(scratch_db, ROWS)
    async with scratch_db.transaction() as session:
        send = await session.get_one(CampaignSend, send_id)
        send.breaker_since = START + timedelta(minutes=4, seconds=30)  # after the 63049
    assert await outcomes(scratch_db, send_id, 200) == Outcomes(send_id, 3, 1, 1, 1)


async def test_a_send_with_nothing_left_to_send_is_not_judged(scratch_db: Database) -> None:
    _, send_id = await running_send(scratch_db, ROWS[:9])
    assert await outcomes(scratch_db, send_id, 200) is None


async def test_a_send_over_its_limit_is_paused_once_with_its_reason(
    scratch_db: Database,
) -> None:
    merchant_id, send_id = await running_send(scratch_db, ROWS)
    policy = SendingPolicy(breaker=Breaker(failure_rate=0.5, opt_out_rate=None, window=8))
    async with scratch_db.transaction() as session:
        await store_policy(session, merchant_id, policy)
        assert await trip_breakers(session) == [], "3 of 8 failed: not over 50%"
        await store_policy(session, merchant_id, SendingPolicy(breaker=Breaker(window=8)))
        [tripped] = await trip_breakers(session)
        assert await trip_breakers(session) == [], "paused already"
    assert (
        tripped.reason
        == "Circuit breaker: 3 of the last 8 messages failed (37.5%, over the 30% limit)."
    )
    async with scratch_db.session() as session:
        send = (
            await session.execute(select(CampaignSend).where(CampaignSend.id == send_id))
        ).scalar_one()
    assert (send.status, send.paused_reason) == (CampaignSendStatus.PAUSED, tripped.reason)


def test_a_verdict_needs_a_whole_window_and_a_share_over_the_limit() -> None:
    breaker = Breaker(window=20)
    assert verdict(breaker, Outcomes(1, 19, 19, 0, 0)) is None, "not a whole window yet"
    assert verdict(breaker, Outcomes(1, 20, 6, 0, 0)) is None, "30% is not over 30%"
    assert verdict(breaker, Outcomes(1, 20, 0, 0, 1)) is None, "5% is not over 5%"
    assert verdict(breaker, Outcomes(1, 20, 0, 0, 2)) == (
        "Circuit breaker: 2 of the last 20 recipients opted out (10%, over the 5% limit)."
    )
    assert verdict(Breaker(limited_rate=None, window=20), Outcomes(1, 20, 0, 20, 0)) is None
