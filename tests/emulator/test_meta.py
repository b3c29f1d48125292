"""What Meta decides at dispatch (emulator.meta), through the official SDK: the per-person
marketing cap (63049) counting only marketing templates and only within its window, from
any sender of any account; no marketing to US numbers when that knob is on; people who
blocked a sender (63014), a stable share of them by `block_rate`."""

from __future__ import annotations

import asyncio
from typing import Any

from twilio.rest import Client

from services.twilio.http_client import AsyncRewritingHttpClient
from tests.emulator.conftest import EmulatorServer, Sink, wait_until
from tests.emulator.subaccounts import create_subaccount, own_client
from tests.emulator.support import approved_content, create_text, send, submit, wait_for_status

PERSON = "whatsapp:+447700900001"
OTHER_PERSON = "whatsapp:+447700900002"
US_PERSON = "whatsapp:+15551230001"
OTHER_SENDER = "whatsapp:+15550002222"
FINAL = ("read", "failed", "undelivered")


async def marketing_content(twilio: Client, name: str = "weekend_offer") -> str:
    content = await create_text(twilio)
    await submit(twilio, content.sid, name, "MARKETING")
    await wait_for_status(twilio, content.sid, "approved")
    sid: str = content.sid
    return sid


async def outcome(twilio: Client, emu: EmulatorServer, sid: str) -> tuple[str, int | None]:
    """The message's last status and error code, as the SDK fetches them."""
    messages = emu.emulator.state.messages
    await wait_until(lambda: messages[sid].status in FINAL)
    fetched = await twilio.messages(sid).fetch_async()
    return fetched.status, fetched.error_code


async def send_all(
    twilio: Client, emu: EmulatorServer, content_sid: str, to: str, count: int, **extra: Any
) -> list[tuple[str, int | None]]:
    """`count` messages sent one after the other, each awaited to its last status."""
    outcomes = []
    for _ in range(count):
        message = await send(twilio, to, content_sid, **extra)
        outcomes.append(await outcome(twilio, emu, message.sid))
    return outcomes


DELIVERED = ("read", None)
CAPPED = ("undelivered", 63049)


async def test_knobs_refuse_bad_values(emu: EmulatorServer) -> None:
    for bad in (
        {"marketing_cap_per_person": -1},
        {"marketing_cap_per_person": 1.5},
        {"marketing_cap_per_person": True},
        {"marketing_cap_window": 0},
        {"us_marketing_blocked": 1},
        {"block_rate": 1.5},
    ):
        response = await emu.admin.patch("/_emulator/knobs", json=bad)
        assert response.status_code == 400 and response.json()["error"], bad
    knobs = (await emu.admin.get("/_emulator/knobs")).json()
    assert knobs["marketing_cap_per_person"] is None and knobs["marketing_cap_window"] == 86400
    assert (knobs["us_marketing_blocked"], knobs["block_rate"]) == (False, 0)
    await emu.knobs(marketing_cap_per_person=3)
    await emu.knobs(marketing_cap_per_person=None)


async def test_without_a_cap_every_marketing_message_is_delivered(
    twilio: Client, emu: EmulatorServer
) -> None:
    offer = await marketing_content(twilio)
    assert await send_all(twilio, emu, offer, PERSON, 4) == [DELIVERED] * 4


async def test_the_cap_limits_marketing_per_person_from_every_sender(
    twilio: Client, emu: EmulatorServer, sink: Sink
) -> None:
    offer = await marketing_content(twilio)
    receipt = await approved_content(twilio, "receipt")
    await emu.knobs(marketing_cap_per_person=2)
    assert await send_all(twilio, emu, offer, PERSON, 2) == [DELIVERED] * 2

    capped = await send(twilio, PERSON, offer, f"{sink.url}/s", from_=OTHER_SENDER)
    assert capped.status == "queued"  # accepted, then Meta does not deliver it
    assert await outcome(twilio, emu, capped.sid) == CAPPED
    statuses = [c.form["MessageStatus"] for c in sink.callbacks(capped.sid)]
    assert statuses == ["sent", "undelivered"]
    assert sink.callbacks(capped.sid)[-1].form["ErrorCode"] == "63049"

    # Utility templates are neither capped nor counted; another person has their own cap.
    assert await send_all(twilio, emu, receipt, PERSON, 2) == [DELIVERED] * 2
    assert await send_all(twilio, emu, offer, OTHER_PERSON, 2) == [DELIVERED] * 2
    assert await send_all(twilio, emu, offer, OTHER_PERSON, 1) == [CAPPED]


async def test_the_cap_counts_other_accounts_messages(
    twilio: Client, emu: EmulatorServer, http_client: AsyncRewritingHttpClient
) -> None:
    offer = await marketing_content(twilio)
    vendor = own_client(await create_subaccount(twilio, "Vendor"), http_client)
    vendor_offer = await marketing_content(vendor, "vendor_offer")
    await emu.knobs(marketing_cap_per_person=1)
    assert await send_all(twilio, emu, offer, PERSON, 1) == [DELIVERED]
    assert await send_all(vendor, emu, vendor_offer, PERSON, 1) == [CAPPED]


async def test_the_cap_counts_only_within_its_window(twilio: Client, emu: EmulatorServer) -> None:
    offer = await marketing_content(twilio)
    await emu.knobs(marketing_cap_per_person=1, marketing_cap_window=0.6, status_delay=0)
    first = await send(twilio, PERSON, offer)
    second = await send(twilio, PERSON, offer)
    assert await outcome(twilio, emu, first.sid) == DELIVERED
    assert await outcome(twilio, emu, second.sid) == CAPPED  # and not counted
    await asyncio.sleep(0.65)  # the first is out of the window
    assert await send_all(twilio, emu, offer, PERSON, 2) == [DELIVERED, CAPPED]


async def test_a_zero_cap_delivers_no_marketing(twilio: Client, emu: EmulatorServer) -> None:
    offer = await marketing_content(twilio)
    receipt = await approved_content(twilio, "receipt")
    await emu.knobs(marketing_cap_per_person=0)
    assert await send_all(twilio, emu, offer, PERSON, 2) == [CAPPED] * 2
    assert await send_all(twilio, emu, receipt, PERSON, 1) == [DELIVERED]


async def test_us_numbers_get_no_marketing_when_the_knob_is_on(
    twilio: Client, emu: EmulatorServer
) -> None:
    offer = await marketing_content(twilio)
    receipt = await approved_content(twilio, "receipt")
    assert await send_all(twilio, emu, offer, US_PERSON, 1) == [DELIVERED]  # off by default
    await emu.knobs(us_marketing_blocked=True)
    assert await send_all(twilio, emu, offer, US_PERSON, 1) == [CAPPED]
    assert await send_all(twilio, emu, receipt, US_PERSON, 1) == [DELIVERED]
    assert await send_all(twilio, emu, offer, PERSON, 1) == [DELIVERED]


async def test_everyone_or_no_one_blocks(twilio: Client, emu: EmulatorServer, sink: Sink) -> None:
    receipt = await approved_content(twilio, "receipt")
    assert await send_all(twilio, emu, receipt, PERSON, 1) == [DELIVERED]
    await emu.knobs(block_rate=1.0)
    blocked = await send(twilio, PERSON, receipt, f"{sink.url}/s")
    assert blocked.status == "queued"
    assert await outcome(twilio, emu, blocked.sid) == ("failed", 63014)
    forms = [c.form for c in sink.callbacks(blocked.sid)]
    assert [f["MessageStatus"] for f in forms] == ["failed"]
    assert forms[0]["ErrorMessage"] == "Channel message blocked by user action"
    await emu.knobs(block_rate=0.0)
    assert await send_all(twilio, emu, receipt, PERSON, 1) == [DELIVERED]


async def test_the_block_number_rule(twilio: Client, emu: EmulatorServer) -> None:
    receipt = await approved_content(twilio, "receipt")
    assert await send_all(twilio, emu, receipt, "whatsapp:+447700963014", 1) == [("failed", 63014)]


async def test_a_block_rate_blocks_the_same_people_every_time(
    twilio: Client, emu: EmulatorServer
) -> None:
    receipt = await approved_content(twilio, "receipt")
    await emu.knobs(block_rate=0.5, status_delay=0)
    people = [f"whatsapp:+4477009{n:05d}" for n in range(40)]

    async def blocked_people(sender: str) -> set[str]:
        sids = {p: (await send(twilio, p, receipt, from_=sender)).sid for p in people}
        outcomes = {p: await outcome(twilio, emu, sid) for p, sid in sids.items()}
        assert set(outcomes.values()) <= {DELIVERED, ("failed", 63014)}
        return {p for p, result in outcomes.items() if result != DELIVERED}

    blocked = await blocked_people(OTHER_SENDER)
    assert 10 <= len(blocked) <= 30, len(blocked)  # about half
    assert await blocked_people(OTHER_SENDER) == blocked  # a person who blocked stays so
    await emu.knobs(block_rate=0.25)
    fewer = await blocked_people(OTHER_SENDER)
    assert fewer < blocked  # a lower rate: some of the same people, not others
