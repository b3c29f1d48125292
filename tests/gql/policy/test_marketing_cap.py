"""The marketing frequency cap: at most N marketing messages to one person in D days,
across the merchant's campaigns; service messages are exempt."""

import asyncio
from typing import Any

from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.policy.support import updated
from tests.gql.sending import SEND, approved_campaign, messages_to, wait_for_send

ROWS = """
query($id: ID!) { campaign(id: $id) { messages(first: 50) { edges { node {
  state skippedReason lead { conversationUser { phone } }
} } } } }
"""
PEOPLE = [{"phone": f"+4479111{i:05d}", "name": f"Lead {i}"} for i in range(12)]


async def _cap(merchant: MerchantAccount, messages: int, days: int = 1) -> None:
    await updated(merchant.client, {"marketingCap": {"messages": messages, "days": days}})


async def _send(merchant: MerchantAccount, campaign: dict[str, Any]) -> dict[str, Any]:
    started = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    assert started["errors"] == []
    return await wait_for_send(merchant, started["send"]["id"])


async def _skipped(merchant: MerchantAccount, campaign_id: str) -> set[str]:
    data = await merchant.client.data(ROWS, {"id": campaign_id})
    return {
        e["node"]["lead"]["conversationUser"]["phone"]
        for e in data["campaign"]["messages"]["edges"]
        if e["node"]["skippedReason"] == "frequency_capped"
    }


async def test_a_third_marketing_campaign_skips_people_over_the_cap(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    await _cap(merchant, 2)
    first_two = PEOPLE[:6]
    for name in ("sale_one", "sale_two"):
        campaign = await approved_campaign(merchant, emulator, first_two, name=name)
        send = await _send(merchant, campaign)
        assert send["skipped"] == 0
    third = await approved_campaign(merchant, emulator, PEOPLE, name="sale_three")
    send = await _send(merchant, third)
    assert send["skipped"] == 6, "the six who had two marketing messages today"
    assert await _skipped(merchant, third["id"]) == {p["phone"] for p in first_two}
    reached = {
        m["to"].removeprefix("whatsapp:") for m in await messages_to(emulator, third["contentSid"])
    }
    assert reached == {p["phone"] for p in PEOPLE[6:]}


async def test_service_messages_are_exempt_from_the_cap(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    await _cap(merchant, 1)
    people = PEOPLE[:3]
    await _send(merchant, await approved_campaign(merchant, emulator, people, name="sale_one"))
    notice = await approved_campaign(
        merchant, emulator, people, name="store_hours", campaignType="SERVICE"
    )
    send = await _send(merchant, notice)
    assert send["skipped"] == 0
    assert len(await messages_to(emulator, notice["contentSid"])) == 3


async def test_two_sends_at_once_keep_to_the_cap_together(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    """Both sends' rows are claimed side by side: each person still gets one of them."""
    await _cap(merchant, 1)
    first = await approved_campaign(merchant, emulator, PEOPLE, name="flash_one")
    second = await approved_campaign(merchant, emulator, PEOPLE, name="flash_two")
    sends = await asyncio.gather(_send(merchant, first), _send(merchant, second))
    assert sum(s["skipped"] for s in sends) == len(PEOPLE)
    reached = [
        m["to"] for c in (first, second) for m in await messages_to(emulator, c["contentSid"])
    ]
    assert sorted(reached) == sorted(f"whatsapp:{p['phone']}" for p in PEOPLE)
