"""Priority lanes over real HTTP: on a slow sender busy with a campaign send, a one-off
message goes ahead of the send's rows still queued (they reserve only a second of the
sender's slots ahead), and the sender's rate holds for both lanes together."""

import asyncio
from datetime import datetime

from sqlalchemy import select

from db.database import Database
from db.models import CampaignLeadMessage as Row
from emulator.state import Message
from gql.ids import decode_pk
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.accounts.test_send_from_sender import add_sender
from tests.gql.operations import contract
from tests.gql.sending import SEND, approved_campaign, wait_for_send

ONE_OFF = contract("SendTemplateMessage")
RATE = 3  # the sender's messages a second: 40 leads take 13 s
SENDER = "whatsapp:+14155589001"
ONE_OFF_TO = "whatsapp:+14155584999"
# How much closer than the rate two messages may reach the emulator: one is late (the
# send's first opens a connection, timers on a loaded machine) and the next on time.
# Two messages in one slot would be a whole interval (1/RATE) too close.
TOLERANCE = 0.2


def from_sender(emulator: RunningEmulator, content_sid: str) -> list[Message]:
    """The sender's messages of the template, in the order the emulator received them."""
    messages = emulator.state.state.messages.values()
    mine = [m for m in messages if m.content_sid == content_sid and m.from_ == SENDER]
    return sorted(mine, key=lambda m: m.date_created)


async def until_sent(emulator: RunningEmulator, content_sid: str, count: int) -> None:
    async with asyncio.timeout(30):
        while True:
            if len(from_sender(emulator, content_sid)) >= count:
                return
            await asyncio.sleep(0.02)


def closest_to_the_rate(moments: list[datetime]) -> float:
    """The least margin, in seconds, by which any run of consecutive messages kept to the
    rate (negative: that much too early for it)."""
    seconds = [(t - moments[0]).total_seconds() for t in moments]
    return min(
        seconds[j] - seconds[i] - (j - i) / RATE
        for i in range(len(seconds))
        for j in range(i + 1, len(seconds))
    )


async def test_a_one_off_goes_ahead_of_the_queue_of_a_send_on_its_sender(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    await add_sender(merchant, SENDER, rateLimit=RATE)
    leads = [{"phone": f"+1415558{3000 + i}", "name": "Ana"} for i in range(40)]
    campaign = await approved_campaign(merchant, emulator, leads, name="lanes_bulk")
    sid = campaign["contentSid"]
    started = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    assert started["errors"] == []
    await until_sent(emulator, sid, 3)

    one_off = {"campaignName": "lanes_bulk", "to": ONE_OFF_TO, "variables": {"lead_name": "Zoe"}}
    answer = (await merchant.client.data(ONE_OFF, {"input": one_off}))["sendTemplateMessage"]
    assert answer["errors"] == [], answer["errors"]
    assert answer["campaignLeadMessage"]["message"]["sid"] is not None
    finished = await wait_for_send(merchant, started["send"]["id"])
    assert (finished["total"], finished["failed"]) == (40, 0)

    sent = from_sender(emulator, sid)
    recipients = [m.to for m in sent]
    assert len(recipients) == 41 and len(set(recipients)) == 41
    # Every one of the send's 40 rows was queued before the one-off was asked for; most
    # of them went out after it.
    behind = len(recipients) - 1 - recipients.index(ONE_OFF_TO)
    assert behind >= 25, recipients
    # Both lanes together kept to the sender's rate.
    assert closest_to_the_rate([m.date_created for m in sent]) > -TOLERANCE
    # Rows given back for want of a slot were not tried: each went out at its first try.
    send_id = decode_pk(started["send"]["id"], "CampaignSend")
    async with db.session() as session:
        attempts = await session.scalars(
            select(Row.attempts).where(Row.campaign_send_id == send_id)
        )
        assert set(attempts) == {1}
