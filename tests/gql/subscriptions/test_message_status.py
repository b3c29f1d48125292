"""messageStatusChanged over a real WebSocket, fed by status callbacks committed in
another connection (as another server process would)."""

from datetime import UTC, datetime
from typing import Any

from db.database import Database
from gql.ids import encode_id
from jobs.runtime import Runtime
from repositories.leads import LeadRow
from services.messages.status import StatusUpdate, apply_status, apply_statuses
from tests.conftest import MerchantAccount
from tests.gql.operations import contract
from tests.gql.subscriptions.test_campaign_status import until_subscribed
from tests.services.messages.ledger import SentMessage, campaign_with_lead, new_phone, send_message
from tests.support import Subscriber, subscribe

MESSAGE_STATUS = contract("MessageStatusChanged")


async def callback(
    db: Database,
    message: SentMessage,
    status: str,
    error_code: int | None = None,
    error_message: str | None = None,
) -> None:
    """A status callback as the webhook applies it, committed on its own connection."""
    async with db.transaction() as session:
        await apply_status(
            session, message.sid, status, error_code, error_message, datetime.now(UTC)
        )


async def new_lead(account: MerchantAccount, db: Database, phone: str | None = None) -> LeadRow:
    return await campaign_with_lead(db, account.merchant.id, phone or new_phone())


def campaign_id(lead: LeadRow) -> str:
    return encode_id("Campaign", lead.campaign_id)


async def next_row(sub: Subscriber) -> dict[str, Any]:
    payload = await sub.next()
    assert not payload.get("errors"), payload["errors"]
    row: dict[str, Any] = payload["data"]["messageStatusChanged"]
    return row


async def test_each_change_arrives_with_the_message_as_it_is_now(
    merchant: MerchantAccount, db: Database, runtime: Runtime, server_url: str
) -> None:
    phone = new_phone()
    lead = await new_lead(merchant, db, phone)
    message = await send_message(db, merchant.merchant.id, lead)
    before = len(runtime.bus.subscriptions)
    variables = {"campaignId": campaign_id(lead)}
    async with subscribe(server_url, merchant.token, MESSAGE_STATUS, variables) as sub:
        await until_subscribed(runtime, before + 1)
        await callback(db, message, "sent")
        first = await next_row(sub)
        await callback(db, message, "delivered")
        second = await next_row(sub)
        await callback(db, message, "sent")  # late: changes nothing, so no event
        await sub.expect_silence()
    assert first["id"] == encode_id("CampaignLeadMessage", message.ledger_id)
    assert first["context"] == {"1": "Ana"}
    assert first["lead"] == {
        "id": encode_id("CampaignLead", lead.id),
        "conversationUser": {"phone": phone},
    }
    assert (first["skippedReason"], first["clicks"]) == (None, 0)
    assert first["message"]["sid"] == message.sid
    assert first["message"]["status"] == "SENT"
    assert first["message"]["sentAt"] is not None
    assert first["message"]["deliveredAt"] is None
    # Loaded fresh: the second event does not see the message as the first one did.
    assert second["message"]["status"] == "DELIVERED"
    assert second["message"]["deliveredAt"] is not None
    assert second["message"]["sentAt"] == first["message"]["sentAt"]


async def test_failures_carry_their_error(
    merchant: MerchantAccount, db: Database, runtime: Runtime, server_url: str
) -> None:
    lead = await new_lead(merchant, db)
    message = await send_message(db, merchant.merchant.id, lead, in_a_send=False)
    before = len(runtime.bus.subscriptions)
    variables = {"campaignId": campaign_id(lead)}
    async with subscribe(server_url, merchant.token, MESSAGE_STATUS, variables) as sub:
        await until_subscribed(runtime, before + 1)
        await callback(db, message, "failed", 63016, "Outside the 24h window")
        row = await next_row(sub)
    assert row["message"]["status"] == "FAILED"
    assert (row["message"]["errorCode"], row["message"]["errorMessage"]) == (
        63016,
        "Outside the 24h window",
    )


async def test_only_that_campaign_and_only_the_viewers(
    merchant: MerchantAccount,
    other_merchant: MerchantAccount,
    db: Database,
    runtime: Runtime,
    server_url: str,
) -> None:
    phone = new_phone()
    watched = await new_lead(merchant, db, phone)
    elsewhere = await new_lead(merchant, db, phone)
    theirs = await new_lead(other_merchant, db, phone)
    watched_message = await send_message(db, merchant.merchant.id, watched)
    other_campaign = await send_message(db, merchant.merchant.id, elsewhere)
    other_merchant_message = await send_message(db, other_merchant.merchant.id, theirs)
    before = len(runtime.bus.subscriptions)
    async with (
        subscribe(
            server_url, merchant.token, MESSAGE_STATUS, {"campaignId": campaign_id(watched)}
        ) as mine,
        # Another merchant asking for my campaign's id hears nothing of it.
        subscribe(
            server_url,
            other_merchant.token,
            MESSAGE_STATUS,
            {"campaignId": campaign_id(watched)},
        ) as prying,
    ):
        await until_subscribed(runtime, before + 2)
        await callback(db, other_campaign, "sent")
        await callback(db, other_merchant_message, "sent")
        await callback(db, watched_message, "read")
        row = await next_row(mine)
        assert row["id"] == encode_id("CampaignLeadMessage", watched_message.ledger_id)
        assert row["message"]["status"] == "READ"
        await mine.expect_silence()
        await prying.expect_silence()


async def test_malformed_campaign_ids_give_an_empty_stream(
    merchant: MerchantAccount, server_url: str
) -> None:
    async with subscribe(
        server_url, merchant.token, MESSAGE_STATUS, {"campaignId": "not-an-id"}
    ) as sub:
        message = await sub.websocket.recv()
    assert '"complete"' in message


async def test_subscription_without_token_is_unauthenticated(server_url: str) -> None:
    async with subscribe(server_url, None, MESSAGE_STATUS, {"campaignId": "x"}) as sub:
        message = await sub.websocket.recv()
    assert "UNAUTHENTICATED" in message


async def test_one_event_for_several_rows_gives_each_row(
    merchant: MerchantAccount, db: Database, runtime: Runtime, server_url: str
) -> None:
    lead = await new_lead(merchant, db)
    messages = [await send_message(db, merchant.merchant.id, lead, in_a_send=False) for _ in "ab"]
    before = len(runtime.bus.subscriptions)
    variables = {"campaignId": campaign_id(lead)}
    async with subscribe(server_url, merchant.token, MESSAGE_STATUS, variables) as sub:
        await until_subscribed(runtime, before + 1)
        # Both callbacks in one batch: one event carrying both ledger rows.
        async with db.transaction() as session:
            await apply_statuses(
                session,
                [StatusUpdate(m.sid, "delivered", None, None, datetime.now(UTC)) for m in messages],
            )
        rows = [await next_row(sub), await next_row(sub)]
        await sub.expect_silence()
    assert sorted(row["id"] for row in rows) == sorted(
        encode_id("CampaignLeadMessage", m.ledger_id) for m in messages
    )
    assert {row["message"]["status"] for row in rows} == {"DELIVERED"}
