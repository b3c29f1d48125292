"""Submission and approval, end to end: GraphQL over HTTP, the emulator over HTTP, its
signed webhooks back to us, and the subscription over a WebSocket."""

import asyncio
import hashlib
import json
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from jobs.runtime import Runtime
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import CAMPAIGN, codes, create_campaign
from tests.gql.operations import contract
from tests.gql.sending import emulator_admin
from tests.gql.subscriptions.test_campaign_status import STATUS_CHANGED, until_subscribed
from tests.support import EMULATOR_TOKEN, subscribe

SUBMIT = contract("SubmitCampaign")
SYNC = contract("SyncCampaignStatus")


async def submit(account: MerchantAccount, campaign_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await account.client.data(SUBMIT, {"id": campaign_id}))[
        "submitCampaign"
    ]
    return result


async def test_submitted_campaign_is_approved_live(
    merchant: MerchantAccount, runtime: Runtime, server_url: str
) -> None:
    campaign = await create_campaign(merchant.client)
    before = len(runtime.bus.subscriptions)
    variables = {"campaignId": campaign["id"]}
    async with subscribe(server_url, merchant.token, STATUS_CHANGED, variables) as sub:
        await until_subscribed(runtime, before + 1)
        submitted = await submit(merchant, campaign["id"])
        assert submitted["errors"] == []
        assert submitted["campaign"]["status"] == "RECEIVED"
        assert submitted["campaign"]["contentSid"].startswith("HX")
        seen = [(await sub.next())["data"]["campaignStatusChanged"] for _ in range(3)]
    assert [(e["previousStatus"], e["campaign"]["status"]) for e in seen] == [
        ("UNSUBMITTED", "RECEIVED"),
        ("RECEIVED", "PENDING"),
        ("PENDING", "APPROVED"),
    ]
    assert seen[-1]["campaign"]["contentSid"] == submitted["campaign"]["contentSid"]


async def test_rejection_shows_its_reason(
    merchant: MerchantAccount, emulator: RunningEmulator, runtime: Runtime, server_url: str
) -> None:
    campaign = await create_campaign(merchant.client, name="risky_offer")
    before = len(runtime.bus.subscriptions)
    async with subscribe(server_url, merchant.token, STATUS_CHANGED) as sub:
        await until_subscribed(runtime, before + 1)
        submitted = await submit(merchant, campaign["id"])
        sid = submitted["campaign"]["contentSid"]
        reason = "The message contains content that violates WhatsApp's Commerce Policy"
        await emulator_admin(
            emulator,
            "POST",
            f"/contents/{sid}/approval",
            {"status": "rejected", "rejection_reason": reason},
        )
        while True:
            event = (await sub.next())["data"]["campaignStatusChanged"]
            if event["campaign"]["status"] not in ("RECEIVED", "PENDING"):
                break
    assert event["campaign"]["status"] == "REJECTED"
    assert event["campaign"]["rejectionReason"] == reason


async def test_submitting_twice_creates_one_template(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    campaign = await create_campaign(merchant.client, name="twice")
    first, second = await asyncio.gather(
        submit(merchant, campaign["id"]), submit(merchant, campaign["id"])
    )
    assert first["errors"] == second["errors"] == []
    sid = first["campaign"]["contentSid"]
    assert second["campaign"]["contentSid"] == sid
    contents = await emulator_admin(emulator, "GET", "/contents")
    names = [content["friendly_name"] for content in contents]
    assert sum(name.startswith("twice_") for name in names if name) == 1


async def test_template_breaking_whatsapp_rules_is_not_sent(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    campaign = await create_campaign(
        merchant.client, name="edgy", body="{{lead_name}}, big news inside"
    )
    result = await submit(merchant, campaign["id"])
    assert ("PLACEHOLDER_AT_EDGE", ["body"]) in codes(result["errors"])
    stored = (await merchant.client.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert (stored["status"], stored["contentSid"]) == ("UNSUBMITTED", None)


async def test_twilio_outage_leaves_the_campaign_unsubmitted(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    campaign = await create_campaign(merchant.client, name="outage")
    await emulator_admin(emulator, "PATCH", "/knobs", {"error_rate": 1.0})
    try:
        result = await submit(merchant, campaign["id"])
    finally:
        await emulator_admin(emulator, "PATCH", "/knobs", {"error_rate": 0.0})
    assert codes(result["errors"]) == [("TWILIO_UNAVAILABLE", ["id"])]
    stored = (await merchant.client.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert stored["status"] == "UNSUBMITTED"
    retried = await submit(merchant, campaign["id"])
    assert retried["errors"] == [] and retried["campaign"]["status"] == "RECEIVED"


async def test_sync_reads_the_status_from_twilio(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    campaign = await create_campaign(merchant.client, name="synced")
    unsubmitted = (await merchant.client.data(SYNC, {"id": campaign["id"]}))["syncCampaignStatus"]
    assert codes(unsubmitted["errors"]) == [("NOT_SUBMITTED", ["id"])]
    sid = (await submit(merchant, campaign["id"]))["campaign"]["contentSid"]
    await emulator_admin(
        emulator, "POST", f"/contents/{sid}/approval", {"status": "approved", "immediately": True}
    )
    synced = (await merchant.client.data(SYNC, {"id": campaign["id"]}))["syncCampaignStatus"]
    assert synced == {
        "campaign": {"id": campaign["id"], "status": "APPROVED", "rejectionReason": None},
        "errors": [],
    }


def sign(url: str, body: bytes) -> str:
    # Twilio signs a JSON delivery's URL (which carries the body hash), not the body.
    return str(RequestValidator(EMULATOR_TOKEN).compute_signature(url, {}))


def _approval_event(content_sid: str) -> bytes:
    event = [
        {
            "type": "com.twilio.messaging.template.approval.updated",
            "data": {
                "type": "status_update",
                "template": {
                    "sid": content_sid,
                    "previousValue": "received",
                    "currentValue": "approved",
                },
            },
        }
    ]
    return json.dumps(event).encode()


async def _forged_unsigned_and_tampered_deliveries_are_refused(
    http: httpx.AsyncClient, server_url: str, path: str, body: bytes
) -> None:
    forged = await http.post(
        path,
        content=body,
        headers={"X-Twilio-Signature": "Zm9yZ2Vk", "Content-Type": "application/json"},
    )
    assert forged.status_code == 403
    assert "signature" in forged.json()["error"].lower()
    unsigned = await http.post(
        "/webhooks/twilio/events",
        content=body,
        headers={"X-Twilio-Signature": sign(server_url + "/webhooks/twilio/events", body)},
    )
    assert unsigned.status_code == 403, "a JSON delivery must carry bodySHA256"
    tampered = await http.post(
        path,
        content=body.replace(b"approved", b"rejected"),
        headers={"X-Twilio-Signature": sign(server_url + path, body)},
    )
    assert tampered.status_code == 403, "the body must match its hash"


async def test_webhook_with_a_bad_signature_is_refused(
    merchant: MerchantAccount, http: httpx.AsyncClient, server_url: str
) -> None:
    campaign = await create_campaign(merchant.client, name="forged")
    sid = (await submit(merchant, campaign["id"]))["campaign"]["contentSid"]
    body = _approval_event(sid)
    digest = hashlib.sha256(body).hexdigest()
    path = f"/webhooks/twilio/events?bodySHA256={digest}"
    await _forged_unsigned_and_tampered_deliveries_are_refused(http, server_url, path, body)
    stored = (await merchant.client.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"]
    assert stored["status"] in ("RECEIVED", "PENDING")

    valid = await http.post(
        path, content=body, headers={"X-Twilio-Signature": sign(server_url + path, body)}
    )
    assert valid.status_code == 200
    assert (await merchant.client.data(CAMPAIGN, {"id": campaign["id"]}))["campaign"][
        "status"
    ] == "APPROVED"

    garbage = b'{"not": "an array"}'
    garbage_path = f"/webhooks/twilio/events?bodySHA256={hashlib.sha256(garbage).hexdigest()}"
    refused = await http.post(
        garbage_path,
        content=garbage,
        headers={"X-Twilio-Signature": sign(server_url + garbage_path, garbage)},
    )
    assert refused.status_code == 400
