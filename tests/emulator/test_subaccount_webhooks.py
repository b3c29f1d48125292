"""Subaccounts' webhooks, senders and state: status callbacks, incoming messages and Event
Streams events carry the owning account's sid and are signed with its auth token (not the
main account's); a sender's queue is per account; subaccounts outlive a restart."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from twilio.rest import Client

from emulator.app import create_app
from emulator.config import EmulatorConfig
from services.twilio.http_client import AsyncRewritingHttpClient
from tests.emulator.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FAST,
    EmulatorServer,
    Received,
    Sink,
    wait_until,
)
from tests.emulator.subaccounts import create_subaccount, main_client_for, own_client, signed_by
from tests.emulator.support import (
    SENDER,
    approval_status,
    approved_content,
    create_text,
    send,
    submit,
    wait_for_status,
)
from tests.support import serve

TO = "whatsapp:+15551250001"


async def test_status_callbacks_are_signed_with_the_owning_accounts_token(
    twilio: Client, http_client: AsyncRewritingHttpClient, sink: Sink
) -> None:
    account = await create_subaccount(twilio, "Shop A")
    shop = own_client(account, http_client)
    content_sid = await approved_content(shop, "order_ready")
    own = await send(shop, TO, content_sid, f"{sink.url}/status")
    by_main = await send(main_client_for(account, http_client), TO, content_sid, f"{sink.url}/s")
    await sink.wait_for(lambda: all(len(sink.callbacks(m.sid)) == 3 for m in (own, by_main)))

    callbacks = sink.callbacks(own.sid) + sink.callbacks(by_main.sid)
    assert {c.form["AccountSid"] for c in callbacks} == {account.sid}
    assert all(signed_by(account.auth_token, c) for c in callbacks)
    assert not any(signed_by(AUTH_TOKEN, c) for c in callbacks), "the main token does not sign"
    assert not any(c.valid_signature for c in callbacks)  # the sink checks with the main token


async def test_template_events_carry_and_are_signed_by_the_owning_account(
    twilio: Client, http_client: AsyncRewritingHttpClient, sink: Sink
) -> None:
    account = await create_subaccount(twilio, "Shop A")
    shop = own_client(account, http_client)
    mine, main_one = await create_text(shop), await create_text(twilio)
    await submit(shop, mine.sid, "order_ready")
    await submit(twilio, main_one.sid, "order_ready")
    await wait_for_status(shop, mine.sid, "approved")
    await wait_for_status(twilio, main_one.sid, "approved")
    await sink.wait_for(lambda: len([r for r in sink.received if "/events" in r.url]) == 4)

    by_content: dict[str, list[Received]] = {mine.sid: [], main_one.sid: []}
    for delivery in (r for r in sink.received if "/events" in r.url):
        by_content[delivery.events[0]["data"]["template"]["sid"]].append(delivery)
    assert [len(deliveries) for deliveries in by_content.values()] == [2, 2]
    for delivery in by_content[mine.sid]:
        assert delivery.events[0]["data"]["accountSid"] == account.sid
        assert signed_by(account.auth_token, delivery) and not delivery.valid_signature
    for delivery in by_content[main_one.sid]:
        assert delivery.events[0]["data"]["accountSid"] == ACCOUNT_SID
        assert delivery.valid_signature and not signed_by(account.auth_token, delivery)


async def test_a_reply_goes_to_the_account_that_sent_from_that_sender(
    twilio: Client, http_client: AsyncRewritingHttpClient, emu: EmulatorServer, sink: Sink
) -> None:
    await emu.knobs(inbound_url=f"{sink.url}/inbound")
    account = await create_subaccount(twilio, "Shop A")
    shop = own_client(account, http_client)
    other_sender = "whatsapp:+15550002222"
    await send(shop, TO, await approved_content(shop, "order_ready"), from_=other_sender)

    for to, extra, owner, token in (
        (other_sender, {}, account.sid, account.auth_token),  # it sent from there
        (SENDER, {}, ACCOUNT_SID, AUTH_TOKEN),  # nobody did: the main account's
        (SENDER, {"account_sid": account.sid}, account.sid, account.auth_token),  # as told
    ):
        sink.received.clear()
        body = {"from": TO, "to": to, "body": "STOP", **extra}
        answer = await emu.admin.post("/_emulator/inbound", json=body)
        assert answer.status_code == 200, answer.text
        [received] = sink.received
        assert received.form["AccountSid"] == owner and signed_by(token, received)
    unknown = {"from": TO, "body": "hi", "account_sid": "AC" + "e" * 32}
    assert (await emu.admin.post("/_emulator/inbound", json=unknown)).status_code == 400


async def test_a_senders_queue_is_per_account(
    twilio: Client, http_client: AsyncRewritingHttpClient, emu: EmulatorServer
) -> None:
    account_a = await create_subaccount(twilio, "Shop A")
    account_b = await create_subaccount(twilio, "Shop B")
    shop_a, shop_b = own_client(account_a, http_client), own_client(account_b, http_client)
    content_a = await approved_content(shop_a, "order_ready")
    content_b = await approved_content(shop_b, "order_ready")
    await emu.knobs(mps=1, max_queue_seconds=0.5)
    # The same sender address twice in A: the second would wait 1 s, over the queue limit.
    first_a, second_a = await send(shop_a, TO, content_a), await send(shop_a, TO, content_a)
    # The same address in B: a sender of its own, free at once (shared, it would overflow).
    in_b = await send(shop_b, TO, content_b)
    messages = emu.emulator.state.messages
    await wait_until(lambda: messages[second_a.sid].status == "failed")
    assert messages[second_a.sid].error_code == 30001
    await wait_until(lambda: messages[in_b.sid].status == "read")
    assert messages[first_a.sid].error_code is None


@asynccontextmanager
async def emulator_at(path: Path, sink: Sink) -> AsyncIterator[AsyncRewritingHttpClient]:
    knobs = replace(FAST, events_sink=f"{sink.url}/events")
    config = EmulatorConfig(ACCOUNT_SID, AUTH_TOKEN, knobs=knobs, state_path=path)
    async with serve(create_app(config)) as url:
        client = AsyncRewritingHttpClient(url, timeout=10)
        try:
            yield client
        finally:
            await client.close()


async def test_subaccounts_and_their_resources_survive_a_restart(
    tmp_path: Path, sink: Sink
) -> None:
    state = tmp_path / "emulator.sqlite3"
    async with emulator_at(state, sink) as http_client:
        main = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)
        account = await create_subaccount(main, "Shop A")
        closed = await create_subaccount(main, "Shop B")
        await main.api.v2010.accounts(closed.sid).update_async(status="closed")
        shop = own_client(account, http_client)
        content_sid = await approved_content(shop, "order_ready")
        message = await send(shop, TO, content_sid)

    async with emulator_at(state, sink) as http_client:
        main = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)
        listed = {a.sid: a.status for a in await main.api.v2010.accounts.list_async()}
        assert listed == {ACCOUNT_SID: "active", account.sid: "active", closed.sid: "closed"}
        shop = own_client(account, http_client)
        assert (await approval_status(shop, content_sid))["status"] == "approved"
        assert [m.sid for m in await shop.messages.list_async()] == [message.sid]
        again = await send(main_client_for(account, http_client), TO, content_sid)
        assert again.account_sid == account.sid
        assert await main.content.v1.contents.list_async() == []


async def test_a_state_file_from_before_subaccounts_keeps_its_deleted_names(
    tmp_path: Path, sink: Sink
) -> None:
    state = tmp_path / "emulator.sqlite3"
    with sqlite3.connect(state) as db:  # the tables an earlier emulator wrote
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE deleted_names (name TEXT PRIMARY KEY, deleted_at TEXT NOT NULL);"
        )
        db.execute("INSERT INTO meta VALUES ('account_sid', ?)", (ACCOUNT_SID,))
        db.execute("INSERT INTO deleted_names VALUES ('old_name', ?)", (_now(),))
    db.close()
    async with emulator_at(state, sink) as http_client:
        main = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http_client)
        shop = own_client(await create_subaccount(main, "Shop A"), http_client)
        in_main, in_shop = await create_text(main), await create_text(shop)
        await submit(main, in_main.sid, "old_name")
        await submit(shop, in_shop.sid, "old_name")
        blocked = await wait_for_status(main, in_main.sid, "approved", "rejected")
        assert "deleted less than 30 days ago" in blocked["rejection_reason"]
        await wait_for_status(shop, in_shop.sid, "approved")


def _now() -> str:
    return datetime.now(UTC).isoformat()
