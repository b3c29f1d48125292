"""API keys through the official SDK, over HTTP: an account creates, fetches, lists,
renames and deletes its Standard keys; `SK…:secret` authenticates as the key's account,
on its own resources only, never on Accounts or Keys; a deleted key, or a key of a
suspended account, stops working; keys outlive a restart; webhooks stay signed with the
account's auth token."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from twilio.rest import Client

from services.twilio.http_client import AsyncRewritingHttpClient
from tests.emulator.conftest import ACCOUNT_SID, AUTH_TOKEN, EmulatorServer, Sink
from tests.emulator.subaccounts import create_subaccount, own_client, refused, signed_by
from tests.emulator.support import approved_content, create_text, send
from tests.emulator.test_persistence import emulator_with_state

TO = "whatsapp:+15551260001"
KEY_SID_RE = re.compile(r"^SK[0-9a-f]{32}$")


def key_client(key: Any, account_sid: str, http_client: AsyncRewritingHttpClient) -> Client:
    return Client(
        username=key.sid, password=key.secret, account_sid=account_sid, http_client=http_client
    )


async def new_key(owner: Client, account_sid: str, name: str = "campaigns") -> Any:
    return await owner.api.v2010.accounts(account_sid).new_keys.create_async(friendly_name=name)


async def test_an_account_manages_its_keys_and_the_secret_is_shown_once(
    twilio: Client, http_client: AsyncRewritingHttpClient
) -> None:
    account = await create_subaccount(twilio, "Shop A")
    shop = own_client(account, http_client)
    key = await new_key(shop, account.sid, "server")
    assert KEY_SID_RE.match(key.sid) and key.secret and key.friendly_name == "server"
    keys = shop.api.v2010.accounts(account.sid).keys
    fetched = await keys(key.sid).fetch_async()
    assert (fetched.sid, fetched.friendly_name) == (key.sid, "server")
    assert (
        "secret"
        not in (
            await shop.request_async(
                "GET",
                f"https://api.twilio.com/2010-04-01/Accounts/{account.sid}/Keys/{key.sid}.json",
            )
        ).text
    )
    renamed = await keys(key.sid).update_async(friendly_name="renamed")
    assert renamed.friendly_name == "renamed"
    # The main account's token reaches a subaccount's keys (a 2010 API resource).
    main_key = await new_key(twilio, ACCOUNT_SID)
    assert [k.sid for k in await keys.list_async()] == [key.sid]
    assert [k.sid for k in await twilio.api.v2010.accounts(account.sid).keys.list_async()] == [
        key.sid
    ]
    assert [k.sid for k in await twilio.api.v2010.accounts(ACCOUNT_SID).keys.list_async()] == [
        main_key.sid
    ]
    # Another account's key is not found under this one.
    assert await refused(keys(main_key.sid).fetch_async()) == (404, 20404)
    assert await keys(key.sid).delete_async()
    assert await refused(keys(key.sid).fetch_async()) == (404, 20404)


async def test_a_key_acts_as_its_account_on_its_own_resources(
    twilio: Client, http_client: AsyncRewritingHttpClient, sink: Sink
) -> None:
    account = await create_subaccount(twilio, "Shop A")
    other = await create_subaccount(twilio, "Shop B")
    key = await new_key(own_client(account, http_client), account.sid)
    by_key = key_client(key, account.sid, http_client)
    # Content API (no account in the path): the key's account owns what it creates.
    content_sid = await approved_content(by_key, "order_ready")
    assert (await by_key.content.v1.contents(content_sid).fetch_async()).account_sid == account.sid
    shop_b = own_client(other, http_client)
    assert await refused(shop_b.content.v1.contents(content_sid).fetch_async()) == (404, 20404)
    message = await send(by_key, TO, content_sid, f"{sink.url}/status")
    assert message.account_sid == account.sid
    listed = await own_client(account, http_client).messages.list_async()
    assert [m.sid for m in listed] == [message.sid]
    # Webhooks are signed with the account's auth token, never the key's secret.
    await sink.wait_for(lambda: len(sink.callbacks(message.sid)) >= 1)
    callbacks = sink.callbacks(message.sid)
    assert all(signed_by(account.auth_token, c) for c in callbacks)
    assert not any(signed_by(key.secret, c) for c in callbacks)


async def test_a_key_is_refused_beyond_its_account_and_on_accounts_and_keys(
    twilio: Client, http_client: AsyncRewritingHttpClient, emu: EmulatorServer
) -> None:
    account = await create_subaccount(twilio, "Shop A")
    other = await create_subaccount(twilio, "Shop B")
    key = await new_key(own_client(account, http_client), account.sid)
    by_key = key_client(key, account.sid, http_client)
    refusal = (401, 20003)
    # Twilio: a Standard key has no access to Account or Key resources.
    assert await refused(by_key.api.v2010.accounts(account.sid).fetch_async()) == refusal
    assert await refused(new_key(by_key, account.sid)) == refusal
    assert await refused(by_key.api.v2010.accounts(account.sid).keys.list_async()) == refusal
    # Another account's resources, even the main account's key on its own subaccount.
    elsewhere = key_client(key, other.sid, http_client)
    assert await refused(elsewhere.messages.list_async()) == refusal
    main_key = await new_key(twilio, ACCOUNT_SID)
    assert await refused(key_client(main_key, account.sid, http_client).messages.list_async()) == (
        refusal
    )
    assert await key_client(main_key, ACCOUNT_SID, http_client).messages.list_async() == []
    # A wrong secret, and the admin API (a key is not the main account's credentials).
    wrong = Client(key.sid, "x" * 32, account_sid=account.sid, http_client=http_client)
    assert await refused(wrong.messages.list_async()) == refusal
    async with httpx.AsyncClient(base_url=emu.url, auth=(main_key.sid, main_key.secret)) as c:
        assert (await c.get("/_emulator/accounts")).status_code == 401


async def test_a_deleted_key_or_a_suspended_accounts_key_stops_working(
    twilio: Client, http_client: AsyncRewritingHttpClient
) -> None:
    account = await create_subaccount(twilio, "Shop A")
    shop = own_client(account, http_client)
    deleted, kept = await new_key(shop, account.sid), await new_key(shop, account.sid)
    assert await key_client(deleted, account.sid, http_client).messages.list_async() == []
    await shop.api.v2010.accounts(account.sid).keys(deleted.sid).delete_async()
    refusal = (401, 20003)
    assert await refused(key_client(deleted, account.sid, http_client).messages.list_async()) == (
        refusal
    )
    by_kept = key_client(kept, account.sid, http_client)
    assert await by_kept.messages.list_async() == []
    await twilio.api.v2010.accounts(account.sid).update_async(status="suspended")
    assert await refused(by_kept.messages.list_async()) == refusal
    await twilio.api.v2010.accounts(account.sid).update_async(status="active")
    assert await by_kept.messages.list_async() == []


async def test_keys_survive_a_restart_and_a_deleted_one_stays_deleted(
    tmp_path: Path, sink: Sink
) -> None:
    state = tmp_path / "emulator.sqlite3"
    async with emulator_with_state(state, sink) as main:
        kept = await new_key(main, ACCOUNT_SID, "kept")
        gone = await new_key(main, ACCOUNT_SID, "gone")
        await main.api.v2010.accounts(ACCOUNT_SID).keys(gone.sid).delete_async()
    async with emulator_with_state(state, sink) as main:
        http = main.http_client
        assert [
            k.friendly_name for k in await main.api.v2010.accounts(ACCOUNT_SID).keys.list_async()
        ] == ["kept"]
        by_kept = key_client(kept, ACCOUNT_SID, http)
        assert (await create_text(by_kept)).account_sid == ACCOUNT_SID
        gone_client = key_client(gone, ACCOUNT_SID, http)
        assert await refused(gone_client.messages.list_async()) == (401, 20003)
    assert AUTH_TOKEN  # the main account's token signs, as before (emulator_with_state)
