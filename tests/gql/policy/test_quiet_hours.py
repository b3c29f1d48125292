"""Quiet hours in each recipient's own time zone: a scheduled send whose recipients are
in three zones sends each one only outside its quiet hours, crossing a boundary while the
test watches (the window is placed around the next minute, so no clock is faked)."""

import asyncio
from datetime import UTC, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.policy.policy import QuietHours
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.policy.support import updated
from tests.gql.sending import SEND, approved_campaign, messages_to

BODY = "Hi {{lead_name}}, our sale starts now"
TOKYO, KOLKATA, NEW_YORK = "+81312345678", "+919812345678", "+12125550143"

ROWS = """
query($id: ID!) { campaign(id: $id) { messages(first: 10) { edges { node {
  state lastError retryAt lead { conversationUser { phone localTimeZone } }
} } } } }
"""


def _boundary() -> datetime:
    """The next full minute at least 20 s away: the moment Kolkata's quiet hours end."""
    now = datetime.now(UTC)
    minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return minute if minute - now >= timedelta(seconds=20) else minute + timedelta(minutes=1)


def _window(boundary: datetime) -> QuietHours:
    """Twelve quiet hours ending at the boundary in Kolkata's local time. Then Tokyo
    (3 h 30 ahead of Kolkata) is past them, New York (10 h 30 behind) is in them for
    ten and a half more hours, and Kolkata leaves them at the boundary."""
    end = boundary.astimezone(ZoneInfo("Asia/Kolkata")).time().replace(tzinfo=None)
    start = (datetime.combine(boundary.date(), end) - timedelta(hours=12)).time()
    return QuietHours(time(start.hour, start.minute), time(end.hour, end.minute))


async def _rows(merchant: MerchantAccount, campaign_id: str) -> dict[str, dict[str, Any]]:
    """The campaign's ledger rows by phone."""
    data = await merchant.client.data(ROWS, {"id": campaign_id})
    rows = [e["node"] for e in data["campaign"]["messages"]["edges"]]
    return {row["lead"]["conversationUser"]["phone"]: row for row in rows}


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _sent_at(emulator: RunningEmulator, content_sid: str) -> dict[str, datetime]:
    return {
        m["to"].removeprefix("whatsapp:"): parsedate_to_datetime(m["date_created"])
        for m in await messages_to(emulator, content_sid)
    }


async def _wait_for(
    emulator: RunningEmulator, content_sid: str, phone: str, within: float
) -> dict[str, datetime]:
    async with asyncio.timeout(within):
        while True:
            sent = await _sent_at(emulator, content_sid)
            if phone in sent:
                return sent
            await asyncio.sleep(0.2)


def _timeline(rows: dict[str, dict[str, Any]], sent: dict[str, datetime]) -> None:
    """What each recipient got when (pytest -s shows it)."""
    for phone, row in rows.items():
        zone = ZoneInfo(row["lead"]["conversationUser"]["localTimeZone"])
        at = sent.get(phone)
        what = f"sent {at:%H:%M:%S} UTC = {at.astimezone(zone):%H:%M:%S} local" if at else ""
        print(f"{phone:>15} {zone.key:<17} {row['state']:<8} {what or row['lastError']}")


async def test_a_scheduled_send_reaches_each_zone_only_outside_its_quiet_hours(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    people = ((TOKYO, "Aiko"), (KOLKATA, "Ravi"), (NEW_YORK, "Ned"))
    leads = [{"phone": phone, "name": name} for phone, name in people]
    campaign = await approved_campaign(merchant, emulator, leads, name="zoned_sale", body=BODY)
    boundary = _boundary()
    quiet = _window(boundary)
    hours = {"start": f"{quiet.start:%H:%M}", "end": f"{quiet.end:%H:%M}"}
    await updated(merchant.client, {"quietHours": hours})
    scheduled = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    started = await merchant.client.data(SEND, {"id": campaign["id"], "scheduledAt": scheduled})
    assert started["sendCampaign"]["errors"] == []

    sent = await _wait_for(emulator, campaign["contentSid"], TOKYO, within=15)
    assert sent[TOKYO] < boundary, "Tokyo is past its quiet hours: sent at once"
    before = await _rows(merchant, campaign["id"])
    assert before[KOLKATA]["state"] == "PENDING", "Kolkata waits for its morning"
    assert _instant(before[KOLKATA]["retryAt"]) == boundary
    within = (boundary - datetime.now(UTC)).total_seconds() + 30
    sent = await _wait_for(emulator, campaign["contentSid"], KOLKATA, within)
    assert sent[KOLKATA] >= boundary, "Kolkata is sent only once its quiet hours end"
    assert NEW_YORK not in sent, "New York is still in its quiet hours"

    after = await _rows(merchant, campaign["id"])
    held = after[NEW_YORK]
    assert held["state"] == "PENDING"
    assert "Quiet hours" in held["lastError"] and "America/New_York" in held["lastError"]
    assert _instant(held["retryAt"]) == boundary + timedelta(hours=10, minutes=30)
    print(f"\nquiet hours {hours['start']}-{hours['end']}, boundary {boundary:%H:%M} UTC")
    _timeline(after, sent)
