"""Validity periods per category: Twilio is told how long it may hold each message
(ValidityPeriod), marketing and service apart, as the merchant's policy says."""

from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.policy.support import updated
from tests.gql.sending import SEND, approved_campaign, messages_to, wait_for_send

PEOPLE = [{"phone": f"+4479112{i:05d}", "name": f"Lead {i}"} for i in range(3)]


async def _validities(
    merchant: MerchantAccount, emulator: RunningEmulator, name: str, kind: str
) -> set[int]:
    campaign = await approved_campaign(merchant, emulator, PEOPLE, name=name, campaignType=kind)
    started = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    await wait_for_send(merchant, started["send"]["id"])
    return {m["validity_period"] for m in await messages_to(emulator, campaign["contentSid"])}


async def test_the_defaults_keep_offers_four_hours_and_service_messages_ten(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    assert await _validities(merchant, emulator, "weekend_sale", "MARKETING") == {14_400}
    assert await _validities(merchant, emulator, "store_hours", "SERVICE") == {36_000}


async def test_a_merchants_validity_periods_reach_twilio(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    await updated(merchant.client, {"validitySeconds": {"marketing": 600, "utility": 7_200}})
    assert await _validities(merchant, emulator, "flash_sale", "MARKETING") == {600}
    assert await _validities(merchant, emulator, "order_notes", "SERVICE") == {7_200}
