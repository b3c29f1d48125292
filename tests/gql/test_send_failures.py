"""Nothing fails silently: a one-off message Twilio refuses or cannot confirm says so at
once, and a ledger row that cannot progress ends failed with its reason."""

from typing import Any

from sqlalchemy import func, update

from db.database import Database
from db.enums import LedgerState
from db.models import CampaignLeadMessage
from gql.ids import decode_pk, encode_id
from jobs.runtime import Runtime
from repositories.ledger import Claim, requeue
from services.settings import Settings
from services.twilio.gateway import TwilioGateway
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import CAMPAIGN, codes
from tests.gql.operations import contract
from tests.gql.sending import SEND, approved_campaign, emulator_admin, wait_for_send
from tests.gql.subscriptions.test_campaign_status import until_subscribed
from tests.support import Subscriber, eventually, subscribe

ONE_OFF = contract("SendTemplateMessage")
MESSAGE_STATUS = contract("MessageStatusChanged")
CANCEL = contract("CancelCampaignSend")
BODY = "Hi {{lead_name}}, your order {{order_id}} is being prepared right now."
ROW = """query($id: ID!) { node(id: $id) { ... on CampaignLeadMessage {
  state lastError skippedReason message { sid status errorCode errorMessage body } } } }"""
FAULTS_OFF = {"error_rate": 0, "throttle_rate": 0, "retry_after": 1, "timeout_rate": 0}


async def one_off(account: MerchantAccount, name: str, to: str) -> dict[str, Any]:
    variables = {"campaignName": name, "to": to, "variables": {"order_id": "7", "lead_name": "A"}}
    result: dict[str, Any] = (await account.client.data(ONE_OFF, {"input": variables}))[
        "sendTemplateMessage"
    ]
    return result


async def row_of(account: MerchantAccount, row_id: str) -> dict[str, Any]:
    node: dict[str, Any] = (await account.client.data(ROW, {"id": row_id}))["node"]
    return node


async def to_number(emulator: RunningEmulator, phone: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = await emulator_admin(emulator, "GET", "/messages")
    return [m for m in messages if m["to"] == f"whatsapp:{phone}"]


async def service_template(
    account: MerchantAccount, emulator: RunningEmulator, name: str, leads: Any = ()
) -> dict[str, Any]:
    return await approved_campaign(
        account, emulator, list(leads), name=name, body=BODY, campaignType="SERVICE"
    )


async def test_twilio_refusals_of_a_one_off_are_errors_and_failed_messages(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    await service_template(merchant, emulator, "refused_one_off")
    invalid = await one_off(merchant, "refused_one_off", "+14155521211")
    assert codes(invalid["errors"]) == [("INVALID_PHONE", ["input", "to"])]
    assert "21211" in invalid["errors"][0]["message"]
    message = invalid["campaignLeadMessage"]["message"]
    assert (message["sid"], message["status"], message["errorCode"]) == (None, "FAILED", 21211)

    opted = await one_off(merchant, "refused_one_off", "+14155521610")
    assert codes(opted["errors"]) == [("OPTED_OUT", ["input", "to"])]
    assert opted["campaignLeadMessage"]["message"]["errorCode"] == 21610
    again = await one_off(merchant, "refused_one_off", "+14155521610")
    assert codes(again["errors"]) == [("OPTED_OUT", ["input", "to"])], "remembered"
    assert again["campaignLeadMessage"] is None, "refused before anything is written"


async def test_a_one_off_of_content_twilio_lost_fails_with_21655(
    merchant: MerchantAccount, emulator: RunningEmulator, settings: Settings
) -> None:
    lead = {"phone": "+14155550930", "name": "Ana", "customVariables": {"order_id": "1"}}
    campaign = await service_template(merchant, emulator, "lost_content", [lead])
    gateway = TwilioGateway(settings)
    try:
        await gateway.delete_content(campaign["contentSid"])  # as after a sandbox restart
    finally:
        await gateway.close()
    result = await one_off(merchant, "lost_content", "+14155550931")
    assert codes(result["errors"]) == [("TWILIO_ERROR", ["input"])]
    assert "21655" in result["errors"][0]["message"]
    row = await row_of(merchant, result["campaignLeadMessage"]["id"])
    assert row["state"] == "FAILED" and "21655" in row["lastError"]
    assert (row["message"]["status"], row["message"]["errorCode"]) == ("FAILED", 21655)
    assert row["message"]["body"] == "Hi A, your order 7 is being prepared right now."

    # A bulk send of it pauses, saying why; its row waits, saying why too.
    send = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]["send"]
    paused = await wait_for_send(merchant, send["id"], ("PAUSED", "COMPLETED"))
    assert paused["status"] == "PAUSED" and "21655" in paused["pausedReason"]
    assert "content" in paused["pausedReason"] and paused["queued"] == 1
    data = (await merchant.client.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    [waiting] = [
        e["node"]["id"]
        for e in data["messages"]["edges"]
        if e["node"]["lead"]["conversationUser"]["phone"] == lead["phone"]
    ]
    row = await row_of(merchant, waiting)
    assert row["state"] == "PENDING" and "21655" in row["lastError"]


async def test_a_throttled_one_off_fails_at_once(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    await service_template(merchant, emulator, "throttled_one_off")
    await emulator_admin(emulator, "PATCH", "/knobs", {"throttle_rate": 1.0})
    try:
        result = await one_off(merchant, "throttled_one_off", "+14155550932")
    finally:
        await emulator_admin(emulator, "PATCH", "/knobs", FAULTS_OFF)
    assert codes(result["errors"]) == [("TWILIO_UNAVAILABLE", ["input"])]
    message = result["campaignLeadMessage"]["message"]
    assert (message["status"], message["errorCode"]) == ("FAILED", 20429)


async def test_a_timed_out_one_off_is_found_in_twilios_list(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    await service_template(merchant, emulator, "slow_one_off")
    # Created at Twilio, then the answer is held beyond the server's 2 s timeout.
    await emulator_admin(emulator, "PATCH", "/knobs", {"timeout_rate": 1.0, "timeout_seconds": 3})
    try:
        result = await one_off(merchant, "slow_one_off", "+14155550933")
    finally:
        await emulator_admin(emulator, "PATCH", "/knobs", FAULTS_OFF)
    assert result["errors"] == []
    [sent] = await to_number(emulator, "+14155550933")
    assert result["campaignLeadMessage"]["message"]["sid"] == sent["sid"]


async def next_rows(sub: Subscriber, wanted: set[str]) -> dict[str, dict[str, Any]]:
    """messageStatusChanged payloads until every wanted row has arrived; by row id."""
    rows: dict[str, dict[str, Any]] = {}
    while not wanted <= rows.keys():
        payload = await sub.next()
        assert not payload.get("errors"), payload["errors"]
        row = payload["data"]["messageStatusChanged"]
        rows[row["id"]] = row
    return rows


async def test_an_unconfirmed_one_off_is_settled_and_reported_live(
    merchant: MerchantAccount, emulator: RunningEmulator, runtime: Runtime, server_url: str
) -> None:
    campaign = await service_template(merchant, emulator, "unconfirmed_one_off")
    before = len(runtime.bus.subscriptions)
    watched = {"campaignId": campaign["id"]}
    async with subscribe(server_url, merchant.token, MESSAGE_STATUS, watched) as sub:
        await until_subscribed(runtime, before + 1)
        # Every request fails with a 5xx: the create is in doubt, and the message list
        # that would settle it cannot be read either.
        await emulator_admin(emulator, "PATCH", "/knobs", {"error_rate": 1.0})
        try:
            result = await one_off(merchant, "unconfirmed_one_off", "+14155550934")
        finally:
            await emulator_admin(emulator, "PATCH", "/knobs", FAULTS_OFF)
        assert codes(result["errors"]) == [("TWILIO_UNAVAILABLE", ["input"])]
        row_id = result["campaignLeadMessage"]["id"]
        pending = await row_of(merchant, row_id)
        assert pending["state"] == "SENDING" and "In doubt" in pending["lastError"]
        # Once stale (5 s in the tests), Twilio's list says whether it went out.
        settled = (await next_rows(sub, {row_id}))[row_id]
    at_twilio = await to_number(emulator, "+14155550934")
    if at_twilio:
        assert settled["message"]["sid"] == at_twilio[0]["sid"]
    else:
        assert settled["message"]["sid"] is None
        assert settled["message"]["status"] == "FAILED"
        assert "no such message" in settled["message"]["errorMessage"]


async def test_failed_and_skipped_rows_are_reported_live(
    merchant: MerchantAccount, emulator: RunningEmulator, runtime: Runtime, server_url: str
) -> None:
    leads = [
        {"phone": "+14155550941", "name": "Ana", "customVariables": {"order_id": "1"}},
        {"phone": "+14155550942", "name": "No Order"},  # skipped: missing order_id
        {"phone": "+14155521211", "name": "Bad", "customVariables": {"order_id": "3"}},
    ]
    campaign = await service_template(merchant, emulator, "reported_rows", leads)
    before = len(runtime.bus.subscriptions)
    watched = {"campaignId": campaign["id"]}
    async with subscribe(server_url, merchant.token, MESSAGE_STATUS, watched) as sub:
        await until_subscribed(runtime, before + 1)
        send = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]["send"]
        data = (await merchant.client.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
        by_phone = {
            e["node"]["lead"]["conversationUser"]["phone"]: e["node"]["id"]
            for e in data["messages"]["edges"]
        }
        skipped, failed = by_phone["+14155550942"], by_phone["+14155521211"]
        rows = await next_rows(sub, {skipped, failed})
    assert (rows[skipped]["skippedReason"], rows[skipped]["message"]) == ("missing_variable", None)
    message = rows[failed]["message"]
    assert (message["sid"], message["status"], message["errorCode"]) == (None, "FAILED", 21211)
    assert message["errorMessage"]

    done = await wait_for_send(merchant, send["id"])
    assert (done["failed"], done["skipped"], done["sent"] + done["queued"]) == (1, 1, 1)
    data = (await merchant.client.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    active = {
        e["node"]["conversationUser"]["phone"]: e["node"]["active"] for e in data["leads"]["edges"]
    }
    # Sent to: done. Skipped or failed: still in the audience for the next send.
    assert active == {"+14155550941": False, "+14155550942": True, "+14155521211": True}


async def test_a_row_abandoned_mid_send_fails_once_out_of_attempts(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    leads = [{"phone": "+14155550961", "name": "Ana", "customVariables": {"order_id": "1"}}]
    campaign = await service_template(merchant, emulator, "abandoned_row", leads)
    later = {"id": campaign["id"], "scheduledAt": "2099-01-01T00:00:00Z"}
    send = (await merchant.client.data(SEND, later))["sendCampaign"]["send"]
    send_pk = decode_pk(send["id"], "CampaignSend")
    # A process claimed it for the last time long ago and died before Twilio was asked.
    async with db.transaction() as session:
        claimed = await session.execute(
            update(CampaignLeadMessage)
            .where(CampaignLeadMessage.campaign_send_id == send_pk)
            .values(
                state=LedgerState.SENDING,
                attempts=8,
                claimed_at=CampaignLeadMessage.created_at,
                last_error="a worker crashed",
            )
            .returning(CampaignLeadMessage.id)
        )
        row_id = encode_id("CampaignLeadMessage", claimed.scalar_one())
    row = await eventually(lambda: row_of(merchant, row_id), lambda r: r["state"] != "SENDING")
    assert row["state"] == "FAILED"
    assert "after 8 attempts" in row["lastError"] and "a worker crashed" in row["lastError"]
    assert await to_number(emulator, "+14155550961") == [], "never sent twice"


async def test_a_row_in_flight_when_its_send_is_cancelled_is_not_requeued(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    leads = [{"phone": "+14155550971", "name": "Ana", "customVariables": {"order_id": "1"}}]
    campaign = await service_template(merchant, emulator, "cancelled_in_flight", leads)
    later = {"id": campaign["id"], "scheduledAt": "2099-01-01T00:00:00Z"}
    send = (await merchant.client.data(SEND, later))["sendCampaign"]["send"]
    async with db.transaction() as session:  # a worker's claim, its Twilio call in flight
        claimed = await session.execute(
            update(CampaignLeadMessage)
            .where(CampaignLeadMessage.campaign_send_id == decode_pk(send["id"], "CampaignSend"))
            .values(state=LedgerState.SENDING, claimed_at=func.now(), attempts=1)
            .returning(CampaignLeadMessage.id, CampaignLeadMessage.claimed_at)
        )
        ledger_id, claimed_at = claimed.one()
        assert claimed_at is not None
        claim = Claim(ledger_id, claimed_at)
    cancelled = (await merchant.client.data(CANCEL, {"id": send["id"]}))["cancelCampaignSend"]
    assert cancelled["send"]["status"] == "CANCELLED"
    async with db.transaction() as session:  # the call comes back with a 429
        await requeue(session, claim, "Twilio error 20429", None, count=True)
    row = await row_of(merchant, encode_id("CampaignLeadMessage", claim.ledger_id))
    assert row["state"] == "CANCELLED", "a pending row of a cancelled send would wait forever"
