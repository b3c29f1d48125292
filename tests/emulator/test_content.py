"""Content API through the official SDK: create, fetch, delete, approval lifecycle and the
Event Streams events it sends, lists across pages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from tests.emulator.conftest import ACCOUNT_SID, EmulatorServer, Sink
from tests.emulator.support import approval_status, create_text, submit, wait_for_status


async def test_create_fetch_delete(twilio: Client) -> None:
    created = await create_text(twilio)
    assert created.sid.startswith("HX") and len(created.sid) == 34
    assert created.account_sid == ACCOUNT_SID
    assert created.types == {"twilio/text": {"body": created.types["twilio/text"]["body"]}}
    assert created.url == f"https://content.twilio.com/v1/Content/{created.sid}"

    fetched = await twilio.content.v1.contents(created.sid).fetch_async()
    assert (fetched.language, fetched.variables) == ("en", {"1": "Ana", "2": "A-1"})

    assert await twilio.content.v1.contents(created.sid).delete_async()
    with pytest.raises(TwilioRestException) as refused:
        await twilio.content.v1.contents(created.sid).fetch_async()
    assert (refused.value.status, refused.value.code) == (404, 20404)


async def test_sync_sdk_client_works_too(twilio_sync: Client) -> None:
    request = ContentList.ContentCreateRequest(
        {"language": "en", "types": {"twilio/text": {"body": "Your code is ready"}}}
    )

    def create_and_fetch() -> tuple[Any, dict[str, str]]:
        created = twilio_sync.content.v1.contents.create(request)
        fetched = twilio_sync.content.v1.contents(created.sid).fetch()
        # Kept per thread (context): read in the thread that made the call.
        return fetched, twilio_sync.http_client.last_response_headers

    fetched, headers = await asyncio.to_thread(create_and_fetch)
    assert fetched.types == {"twilio/text": {"body": "Your code is ready"}}
    assert headers["content-type"] == "application/json"


async def test_approval_lifecycle_to_approved_with_signed_events(
    twilio: Client, sink: Sink
) -> None:
    content = await create_text(twilio)
    assert (await approval_status(twilio, content.sid))["status"] == "unsubmitted"

    created = await submit(twilio, content.sid, "order_ready")
    assert (created.status, created.name, created.category) == (
        "received",
        "order_ready",
        "UTILITY",
    )

    seen: list[str] = []
    while not seen or seen[-1] != "approved":
        status = (await approval_status(twilio, content.sid))["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        await asyncio.sleep(0.01)
    assert seen == ["received", "pending", "approved"]

    await sink.wait_for(lambda: len(sink.events()) == 2)
    assert all(r.valid_signature and "bodySHA256=" in r.url for r in sink.received)
    assert all(r.headers["content-type"] == "application/json" for r in sink.received)
    changes = [
        (
            e["type"],
            e["data"]["type"],
            e["data"]["template"]["previousValue"],
            e["data"]["template"]["currentValue"],
        )
        for e in sink.events()
    ]
    assert changes == [
        ("com.twilio.messaging.template.approval.updated", "status_update", "received", "pending"),
        ("com.twilio.messaging.template.approval.updated", "status_update", "pending", "approved"),
    ]
    assert {e["data"]["template"]["sid"] for e in sink.events()} == {content.sid}


REJECTED = {
    "starts": ("{{1}} your order is ready for pickup at the store", "start or end"),
    "ends": ("Your order is ready for pickup at the store {{1}}", "start or end"),
    "adjacent": ("Hello there {{1}} {{2}} your order is ready now", "side by side"),
    "few_words": ("Hi {{1}}, order {{2}} ok", "too many placeholders"),
    "too_long": ("Hello {{1}} " + "word " * 210, "over 1024"),
    "gap": ("Hello {{1}} and {{3}} your order is ready now friend", "without gaps"),
}


async def test_rule_breaking_templates_are_rejected_with_a_reason(
    twilio: Client, sink: Sink
) -> None:
    sids: dict[str, str] = {}
    for case, (body, _) in REJECTED.items():
        content = await create_text(twilio, body, {"1": "Ana", "2": "A-1", "3": "x"})
        await submit(twilio, content.sid, f"case_{case}")
        sids[case] = content.sid
    bad_name = await create_text(twilio)
    await submit(twilio, bad_name.sid, "Order Ready!")
    sids["bad_name"] = bad_name.sid

    for case, sid in sids.items():
        whatsapp = await wait_for_status(twilio, sid, "approved", "rejected")
        assert whatsapp["status"] == "rejected", case
        expected = REJECTED[case][1] if case in REJECTED else "lower-case letters"
        assert expected in whatsapp["rejection_reason"], (case, whatsapp["rejection_reason"])

    await sink.wait_for(lambda: len(sink.events()) == 2 * len(sids))
    finals = [
        e["data"]["template"]
        for e in sink.events()
        if e["data"]["template"]["currentValue"] == "rejected"
    ]
    assert len(finals) == len(sids) and all(t["rejectionReason"] for t in finals)


async def test_duplicate_name_is_rejected(twilio: Client) -> None:
    first, second = await create_text(twilio), await create_text(twilio)
    await submit(twilio, first.sid, "same_name")
    await submit(twilio, second.sid, "same_name")
    assert (await wait_for_status(twilio, first.sid, "approved"))["status"] == "approved"
    second_status = await wait_for_status(twilio, second.sid, "approved", "rejected")
    assert (
        second_status["status"] == "rejected"
        and "DUPLICATE_NAME" in second_status["rejection_reason"]
    )


async def test_submitting_twice_or_a_bad_category_is_refused(twilio: Client) -> None:
    content = await create_text(twilio)
    with pytest.raises(TwilioRestException) as refused:
        await submit(twilio, content.sid, "fine_name", category="PROMOTIONAL")
    assert (refused.value.status, refused.value.code) == (400, 20001)
    await submit(twilio, content.sid, "fine_name")
    with pytest.raises(TwilioRestException) as again:
        await submit(twilio, content.sid, "fine_name")
    assert again.value.status == 400


async def test_list_with_approvals_across_pages(twilio: Client, twilio_sync: Client) -> None:
    sids = [(await create_text(twilio)).sid for _ in range(5)]
    await submit(twilio, sids[0], "first_one")

    listed = await twilio.content.v1.content_and_approvals.list_async(page_size=2)
    assert [c.sid for c in listed] == list(reversed(sids))  # newest first, all three pages
    flat = {c.sid: c.approval_requests for c in listed}
    assert flat[sids[0]]["name"] == "first_one" and "whatsapp" not in flat[sids[0]]
    assert flat[sids[1]]["status"] == "unsubmitted"

    page = await twilio.content.v1.content_and_approvals.page_async(page_size=2)
    assert page.next_page_url.startswith("https://content.twilio.com/v1/ContentAndApprovals?")

    contents = await asyncio.to_thread(twilio_sync.content.v1.contents.list, page_size=2)
    assert [c.sid for c in contents] == list(reversed(sids))


async def test_admin_forces_outcome_pauses_and_changes_category(
    twilio: Client, emu: EmulatorServer, sink: Sink
) -> None:
    content = await create_text(twilio)
    planned = await emu.admin.post(
        f"/_emulator/contents/{content.sid}/approval",
        json={"status": "rejected", "rejection_reason": "TAG_CONTENT_MISMATCH"},
    )
    assert planned.json()["effect"] == "planned"
    await submit(twilio, content.sid, "forced_one")
    whatsapp = await wait_for_status(twilio, content.sid, "approved", "rejected")
    assert (whatsapp["status"], whatsapp["rejection_reason"]) == (
        "rejected",
        "TAG_CONTENT_MISMATCH",
    )

    other = await create_text(twilio)
    await submit(twilio, other.sid, "paused_one")
    await wait_for_status(twilio, other.sid, "approved")
    for status in ("paused", "disabled"):
        applied = await emu.admin.post(
            f"/_emulator/contents/{other.sid}/approval", json={"status": status}
        )
        assert applied.json()["effect"] == "applied"
        assert (await approval_status(twilio, other.sid))["status"] == status
    await emu.admin.post(
        f"/_emulator/contents/{other.sid}/approval", json={"category": "MARKETING"}
    )
    assert (await approval_status(twilio, other.sid))["category"] == "MARKETING"

    await sink.wait_for(
        lambda: len([e for e in sink.events() if e["data"]["template"]["sid"] == other.sid]) == 5
    )
    updates = [
        (e["data"]["type"], e["data"]["template"]["currentValue"])
        for e in sink.events()
        if e["data"]["template"]["sid"] == other.sid
    ]
    assert updates[2:] == [
        ("status_update", "paused"),
        ("status_update", "disabled"),
        ("category_update", "marketing"),
    ]
