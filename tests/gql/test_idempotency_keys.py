"""Idempotency keys over HTTP: a client retrying sendTemplateMessage or sendCampaign with
its key gets the first result, and the emulator sees one message (or one send) only."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from db.database import Database
from db.models import IdempotencyKey
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import add_leads, codes
from tests.gql.sending import approved_campaign, messages_to, wait_for_send

ONE_OFF = """mutation($input: SendTemplateMessageInput!) {
  sendTemplateMessage(input: $input) {
    campaignLeadMessage { id state lead { conversationUser { phone } } }
    errors { code field message }
  }
}"""
SEND = """mutation($id: ID!, $at: DateTime, $key: String) {
  sendCampaign(id: $id, scheduledAt: $at, idempotencyKey: $key) {
    send { id status total }
    errors { code field message }
  }
}"""
ORDER_BODY = "Hi {{lead_name}}, your order {{order_id}} is being prepared right now."
SALE_BODY = "Hi {{lead_name}}, our spring sale starts today and runs all week!"
VARIABLES = {"order_id": "7", "lead_name": "Ana"}
KEY_FIELD = ["input", "idempotencyKey"]


async def service_template(
    account: MerchantAccount, emulator: RunningEmulator, name: str
) -> dict[str, Any]:
    return await approved_campaign(
        account, emulator, [], name=name, body=ORDER_BODY, campaignType="SERVICE"
    )


async def one_off(
    account: MerchantAccount,
    name: str,
    key: str | None,
    to: str = "+14155550101",
    variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    given = {"campaignName": name, "to": to, "variables": variables or VARIABLES}
    payload = await account.client.data(ONE_OFF, {"input": given | {"idempotencyKey": key}})
    result: dict[str, Any] = payload["sendTemplateMessage"]
    return result


async def send_campaign(
    account: MerchantAccount, campaign_id: str, key: str | None, at: str | None = None
) -> dict[str, Any]:
    payload = await account.client.data(SEND, {"id": campaign_id, "key": key, "at": at})
    result: dict[str, Any] = payload["sendCampaign"]
    return result


def sale_leads(count: int, prefix: str = "+1415556") -> list[dict[str, Any]]:
    return [{"phone": f"{prefix}{i:04d}", "name": f"Lead {i}"} for i in range(count)]


async def test_a_retried_one_off_sends_once_and_returns_the_first_row(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    template = await service_template(merchant, emulator, "order_ready")
    first = await one_off(merchant, "order_ready", "order-1042")
    assert first["errors"] == []
    # The same input, its variables in another order: the same request.
    reordered = dict(reversed(VARIABLES.items()))
    retried = await one_off(merchant, "order_ready", "order-1042", variables=reordered)
    assert retried["errors"] == []
    assert retried["campaignLeadMessage"]["id"] == first["campaignLeadMessage"]["id"]
    assert retried["campaignLeadMessage"]["state"] == "SENT", "the row as it is now"
    assert len(await messages_to(emulator, template["contentSid"])) == 1

    # Without a key, nothing changes: every call sends.
    await one_off(merchant, "order_ready", None)
    assert len(await messages_to(emulator, template["contentSid"])) == 2


async def test_a_key_used_with_other_input_is_refused(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    template = await service_template(merchant, emulator, "order_shipped")
    first = await one_off(merchant, "order_shipped", "order-7")
    assert first["errors"] == []
    other = await one_off(merchant, "order_shipped", "order-7", to="+14155550102")
    assert codes(other["errors"]) == [("IDEMPOTENCY_KEY_REUSED", KEY_FIELD)]
    assert other["campaignLeadMessage"] is None
    changed = await one_off(merchant, "order_shipped", "order-7", variables={"order_id": "8"})
    assert codes(changed["errors"]) == [("IDEMPOTENCY_KEY_REUSED", KEY_FIELD)]
    assert len(await messages_to(emulator, template["contentSid"])) == 1


async def test_a_key_belongs_to_its_merchant_and_its_operation(
    merchant: MerchantAccount, other_merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    mine = await service_template(merchant, emulator, "order_paid")
    theirs = await service_template(other_merchant, emulator, "order_paid")
    assert (await one_off(merchant, "order_paid", "shared-key"))["errors"] == []
    assert (await one_off(other_merchant, "order_paid", "shared-key"))["errors"] == []
    assert len(await messages_to(emulator, mine["contentSid"])) == 1
    assert len(await messages_to(emulator, theirs["contentSid"])) == 1

    campaign = await approved_campaign(
        merchant, emulator, sale_leads(2), name="key_sale", body=SALE_BODY
    )
    started = await send_campaign(merchant, campaign["id"], "shared-key")
    assert started["errors"] == [] and started["send"]["total"] == 2


async def test_concurrent_requests_with_one_key_send_one_message(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    template = await service_template(merchant, emulator, "order_racing")
    results = await asyncio.gather(
        *(one_off(merchant, "order_racing", "double-click") for _ in range(5))
    )
    assert {r["campaignLeadMessage"]["id"] for r in results} == {
        results[0]["campaignLeadMessage"]["id"]
    }
    assert all(r["errors"] == [] for r in results), results
    await asyncio.sleep(0.5)  # a second message would have been sent by now
    assert len(await messages_to(emulator, template["contentSid"])) == 1


async def test_a_retried_send_campaign_returns_the_first_send(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    campaign = await approved_campaign(
        merchant, emulator, sale_leads(3), name="retried_sale", body=SALE_BODY
    )
    first = await send_campaign(merchant, campaign["id"], "sale-2026-12")
    assert first["errors"] == []
    retried = await send_campaign(merchant, campaign["id"], "sale-2026-12")
    assert retried["errors"] == [], "not SEND_IN_PROGRESS: the first send is returned"
    assert retried["send"]["id"] == first["send"]["id"]
    done = await wait_for_send(merchant, first["send"]["id"])
    after = await send_campaign(merchant, campaign["id"], "sale-2026-12")
    assert after["send"]["status"] == done["status"] == "COMPLETED", "as it is now"
    assert len(await messages_to(emulator, campaign["contentSid"])) == 3

    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    other = await send_campaign(merchant, campaign["id"], "sale-2026-12", at=later)
    assert codes(other["errors"]) == [("IDEMPOTENCY_KEY_REUSED", ["idempotencyKey"])]
    assert other["send"] is None


async def test_concurrent_send_campaigns_with_one_key_start_one_send(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    campaign = await approved_campaign(
        merchant, emulator, sale_leads(2, "+1415557"), name="racing_sale", body=SALE_BODY
    )
    results = await asyncio.gather(
        *(send_campaign(merchant, campaign["id"], "launch") for _ in range(5))
    )
    assert all(r["errors"] == [] for r in results), results
    assert len({r["send"]["id"] for r in results}) == 1
    await wait_for_send(merchant, results[0]["send"]["id"])
    assert len(await messages_to(emulator, campaign["contentSid"])) == 2


async def test_a_refused_request_leaves_its_key_free(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    campaign = await approved_campaign(merchant, emulator, [], name="empty_sale", body=SALE_BODY)
    refused = await send_campaign(merchant, campaign["id"], "first-try")
    assert codes(refused["errors"]) == [("NO_ACTIVE_LEADS", ["id"])]
    added = await add_leads(merchant.client, campaign["id"], sale_leads(1, "+1415558"))
    assert added["errors"] == []
    started = await send_campaign(merchant, campaign["id"], "first-try")
    assert started["errors"] == [] and started["send"]["total"] == 1

    template = await service_template(merchant, emulator, "order_typo")
    typo = await one_off(merchant, "order_typo", "order-9", to="+1")
    assert codes(typo["errors"]) == [("INVALID_PHONE", ["input", "to"])]
    fixed = await one_off(merchant, "order_typo", "order-9", to="+14155550109")
    assert fixed["errors"] == [], "other input, but the refused request took no key"
    assert len(await messages_to(emulator, template["contentSid"])) == 1


async def test_malformed_keys_are_refused(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    template = await service_template(merchant, emulator, "order_keys")
    for key in ("", "k" * 256, "caf\u00e9", "tab\tkey"):
        refused = await one_off(merchant, "order_keys", key)
        assert codes(refused["errors"]) == [("INVALID", KEY_FIELD)], key
    longest = await one_off(merchant, "order_keys", "~" * 255)
    assert longest["errors"] == []
    assert len(await messages_to(emulator, template["contentSid"])) == 1


async def test_an_expired_key_may_be_used_again(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    template = await service_template(merchant, emulator, "order_expiring")
    assert (await one_off(merchant, "order_expiring", "old-key"))["errors"] == []
    other = await one_off(merchant, "order_expiring", "other-old-key", to="+14155550111")
    assert other["errors"] == []
    async with db.transaction() as session:
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.merchant_id == merchant.merchant.id)
            .values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
    again = await one_off(merchant, "order_expiring", "old-key", to="+14155550110")
    assert again["errors"] == [], "past CAMPAIGNS_IDEMPOTENCY_TTL_HOURS the key is new"
    assert len(await messages_to(emulator, template["contentSid"])) == 3
    async with db.session() as session:
        kept = await session.scalars(
            select(IdempotencyKey.key).where(IdempotencyKey.merchant_id == merchant.merchant.id)
        )
        assert list(kept) == ["old-key"], "the other expired key was swept"
