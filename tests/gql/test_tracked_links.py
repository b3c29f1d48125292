"""Tracked links end to end: submission sends Twilio (the emulator) our redirect URLs,
and GET /r/<token> on the running server counts clicks and redirects."""

import asyncio
import re
from typing import Any

import httpx

from db.database import Database
from db.models import Campaign
from gql.ids import decode_pk, encode_id
from services.links.secret import signing_key
from services.links.tokens import make_token
from services.links.tracking import link_variables
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import CAMPAIGN, create_campaign
from tests.gql.sending import emulator_admin
from tests.gql.test_submit_campaign import submit
from tests.services.links.support import clicks, delete_row, ledger_row

CTA = "twilio/call-to-action"
BODY = "Hi {{lead_name}}, order {{order_id}} is ready, see https://shop.example/help for hours."
BUTTON_URL = "https://shop.example/orders/{{order_id}}"
VALUES = {"1": "Ana", "2": "1042"}  # the ledger row's context: values as sent


async def submitted(db: Database, merchant: MerchantAccount, name: str) -> Campaign:
    """A call-to-action campaign with a body link and a URL button, submitted."""
    created = await create_campaign(
        merchant.client,
        name=name,
        campaignType="SERVICE",
        body=BODY,
        contentType=CTA,
        contentContext={"actions": [{"type": "URL", "title": "Track", "url": BUTTON_URL}]},
    )
    result = await submit(merchant, created["id"])
    assert result["errors"] == [], result["errors"]
    async with db.session() as session:
        return await session.get_one(Campaign, decode_pk(created["id"], "Campaign"))


async def tokens_for(db: Database, campaign: Campaign, ledger_id: int) -> dict[str, str]:
    async with db.session() as session:
        return await link_variables(session, campaign, ledger_id)


async def sign(db: Database, ledger_id: int, link_key: int) -> str:
    async with db.session() as session:
        return make_token(await signing_key(session), ledger_id, link_key)


async def test_twilio_gets_redirect_urls_and_the_api_keeps_the_merchants(
    db: Database, merchant: MerchantAccount, emulator: RunningEmulator, server_url: str
) -> None:
    campaign = await submitted(db, merchant, "order_links")
    contents = await emulator_admin(emulator, "GET", "/contents")
    [sent] = [c for c in contents if c["sid"] == campaign.content_sid]
    assert sent["types"] == {
        CTA: {
            "body": "Hi {{1}}, order {{2}} is ready, see " + server_url + "/r/{{3}} for hours.",
            "actions": [{"type": "URL", "title": "Track", "url": server_url + "/r/{{4}}"}],
        }
    }
    variables: dict[str, str] = sent["variables"]
    assert sorted(variables) == ["1", "2", "3", "4"]
    assert (variables["1"], variables["2"]) == ("Ana", "10234")
    for key in ("3", "4"):  # the samples are tokens, shaped like the real ones
        assert re.fullmatch(r"[A-Za-z0-9_-]{16,32}", variables[key])
    assert campaign.tracked_links == {
        "3": {"kind": "body", "index": 0, "url": "https://shop.example/help"},
        "4": {"kind": "button", "index": 0, "url": "https://shop.example/orders/{{2}}"},
    }

    assert await review_outcome(emulator, campaign) == "approved", "WhatsApp's rules still hold"

    shown = (await merchant.client.data(CAMPAIGN, {"id": encode_id("Campaign", campaign.id)}))[
        "campaign"
    ]
    assert (
        shown["body"] == "Hi {{1}}, order {{2}} is ready, see https://shop.example/help for hours."
    )
    assert shown["contentContext"][CTA]["actions"][0]["url"] == "https://shop.example/orders/{{2}}"
    assert [v["key"] for v in shown["variables"]] == ["1", "2"]


async def review_outcome(emulator: RunningEmulator, campaign: Campaign) -> str:
    """The emulator's review of the body Twilio received (it applies Meta's rules)."""
    for _ in range(100):
        contents = await emulator_admin(emulator, "GET", "/contents")
        [sent] = [c for c in contents if c["sid"] == campaign.content_sid]
        status = str(sent["approval_requests"]["status"])
        if status in ("approved", "rejected"):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError("no review outcome")


async def test_a_link_that_would_break_a_rule_is_sent_as_written(
    db: Database, merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    body = "Hi {{lead_name}}, our spring sale starts today, shop at https://shop.example/sale"
    created = await create_campaign(merchant.client, name="sale_at_the_end", body=body)
    assert (await submit(merchant, created["id"]))["errors"] == []
    async with db.session() as session:
        campaign = await session.get_one(Campaign, decode_pk(created["id"], "Campaign"))
        assert await link_variables(session, campaign, 1) == {}
    contents = await emulator_admin(emulator, "GET", "/contents")
    [sent] = [c for c in contents if c["sid"] == campaign.content_sid]
    assert sent["types"] == {"twilio/text": {"body": campaign.body}}
    assert sent["variables"] == {"1": "Ana"}
    assert campaign.tracked_links == {}


async def test_a_click_redirects_to_the_hydrated_target_and_is_counted(
    db: Database, merchant: MerchantAccount, http: httpx.AsyncClient
) -> None:
    campaign = await submitted(db, merchant, "order_clicks")
    ledger_id = await ledger_row(db, merchant.merchant.id, campaign.id, VALUES)
    tokens = await tokens_for(db, campaign, ledger_id)
    assert sorted(tokens) == ["3", "4"]

    button = await http.get(f"/r/{tokens['4']}")
    assert button.status_code in (302, 303)
    assert button.headers["location"] == "https://shop.example/orders/1042"
    assert button.headers["cache-control"] == "no-store"
    body_link = await http.get(f"/r/{tokens['3']}")
    assert body_link.headers["location"] == "https://shop.example/help"
    assert await clicks(db, ledger_id) == 2

    head = await http.head(f"/r/{tokens['4']}")
    assert head.status_code == 302, "link checkers get the redirect..."
    assert await clicks(db, ledger_id) == 2, "...but are not counted as clicks"


async def test_concurrent_clicks_are_all_counted(
    db: Database, merchant: MerchantAccount, http: httpx.AsyncClient
) -> None:
    campaign = await submitted(db, merchant, "order_rush")
    ledger_id = await ledger_row(db, merchant.merchant.id, campaign.id, VALUES)
    token = (await tokens_for(db, campaign, ledger_id))["4"]
    answers = await asyncio.gather(*(http.get(f"/r/{token}") for _ in range(25)))
    assert {answer.status_code for answer in answers} == {302}
    assert await clicks(db, ledger_id) == 25


async def test_what_we_did_not_issue_is_a_404(
    db: Database, merchant: MerchantAccount, http: httpx.AsyncClient
) -> None:
    campaign = await submitted(db, merchant, "order_forged")
    ledger_id = await ledger_row(db, merchant.merchant.id, campaign.id, VALUES)
    token = (await tokens_for(db, campaign, ledger_id))["4"]
    tampered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    refused = {
        "tampered": tampered,
        "another link index": await sign(db, ledger_id, 9),
        "a template variable, not a link": await sign(db, ledger_id, 1),
        "another ledger row": await sign(db, ledger_id + 10**9, 4),
        "random": "q8Zr2mVn5Xw0Lk3Jt7Bc1A",
        "a URL": "https:%2F%2Fevil.example",
    }
    for case, value in refused.items():
        answer = await http.get(f"/r/{value}")
        assert answer.status_code == 404, case
        assert "location" not in answer.headers and len(answer.text) < 100
    assert await clicks(db, ledger_id) == 0

    await delete_row(db, ledger_id)
    assert (await http.get(f"/r/{token}")).status_code == 404, "a deleted row"


async def test_the_redirect_only_goes_to_the_templates_own_url(
    db: Database, merchant: MerchantAccount, http: httpx.AsyncClient
) -> None:
    campaign = await submitted(db, merchant, "order_open")
    hostile: dict[str, Any] = {"1": "Ana", "2": "@evil.example/x?next=https://evil.example"}
    ledger_id = await ledger_row(db, merchant.merchant.id, campaign.id, hostile)
    token = (await tokens_for(db, campaign, ledger_id))["4"]
    for path in (
        f"/r/{token}?url=https://evil.example",
        f"/r/{token}?next=//evil.example&to=https%3A%2F%2Fevil.example",
    ):
        answer = await http.get(path)
        assert answer.status_code == 302
        location = httpx.URL(answer.headers["location"])
        assert (location.scheme, location.host) == ("https", "shop.example")
        assert location.path.startswith("/orders/")
