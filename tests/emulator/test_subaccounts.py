"""Subaccounts through the official SDK: the main account creates, fetches, lists,
suspends and closes them; each subaccount's resources are its own, reachable with its
credentials or the main account's under its path, never with another subaccount's."""

from __future__ import annotations

import httpx
from twilio.rest import Client

from services.twilio.http_client import AsyncRewritingHttpClient
from tests.emulator.conftest import ACCOUNT_SID, EmulatorServer
from tests.emulator.subaccounts import (
    SID_RE,
    TOKEN_RE,
    create_subaccount,
    main_client_for,
    own_client,
    refused,
)
from tests.emulator.support import approved_content, create_text, send, submit, wait_for_status

TO = "whatsapp:+15551240001"


async def test_the_main_account_creates_fetches_and_lists_its_subaccounts(
    twilio: Client, http_client: AsyncRewritingHttpClient
) -> None:
    shop_a = await create_subaccount(twilio, "Shop A")
    shop_b = await create_subaccount(twilio, "Shop B")
    assert SID_RE.match(shop_a.sid) and TOKEN_RE.match(shop_a.auth_token)
    assert shop_a.sid != shop_b.sid and shop_a.auth_token != shop_b.auth_token
    assert (shop_a.friendly_name, shop_a.owner_account_sid) == ("Shop A", ACCOUNT_SID)
    assert (shop_a.status, shop_a.type) == ("active", "Full")
    assert shop_a.uri == f"/2010-04-01/Accounts/{shop_a.sid}.json"
    assert shop_a.subresource_uris["messages"] == f"/2010-04-01/Accounts/{shop_a.sid}/Messages.json"
    assert shop_a.date_created is not None

    fetched = await twilio.api.v2010.accounts(shop_b.sid).fetch_async()
    assert (fetched.friendly_name, fetched.auth_token) == ("Shop B", shop_b.auth_token)
    listed = await twilio.api.v2010.accounts.list_async()
    assert [a.sid for a in listed] == [ACCOUNT_SID, shop_a.sid, shop_b.sid]
    by_name = await twilio.api.v2010.accounts.list_async(friendly_name="Shop B")
    assert [a.sid for a in by_name] == [shop_b.sid]
    default = await twilio.api.v2010.accounts.create_async()
    assert default.friendly_name.startswith("SubAccount Created at ")

    unknown = twilio.api.v2010.accounts("AC" + "e" * 32).fetch_async()
    assert await refused(unknown) == (404, 20404)


async def test_a_subaccount_sees_only_itself_and_cannot_create_subaccounts(
    twilio: Client, http_client: AsyncRewritingHttpClient, emu: EmulatorServer
) -> None:
    account_a = await create_subaccount(twilio, "Shop A")
    shop_a = own_client(account_a, http_client)
    shop_b = await create_subaccount(twilio, "Shop B")
    # The admin API (every account's messages) is the main account's only.
    async with httpx.AsyncClient(base_url=emu.url, auth=(shop_a.username, shop_a.password)) as a:
        assert (await a.get("/_emulator/accounts")).status_code == 401
    admin_view = (await emu.admin.get("/_emulator/accounts")).json()
    assert [a["sid"] for a in admin_view] == [ACCOUNT_SID, account_a.sid, shop_b.sid]
    assert [a.friendly_name for a in await shop_a.api.v2010.accounts.list_async()] == ["Shop A"]
    assert (await shop_a.api.v2010.accounts(shop_a.username).fetch_async()).status == "active"
    # Twilio: subaccount credentials on the main account or another subaccount: 20003.
    for other in (ACCOUNT_SID, shop_b.sid):
        assert await refused(shop_a.api.v2010.accounts(other).fetch_async()) == (401, 20003)
    assert await refused(create_subaccount(shop_a, "Nested")) == (401, 20003)
    renamed = await shop_a.api.v2010.accounts(shop_a.username).update_async(friendly_name="A2")
    assert renamed.friendly_name == "A2"
    suspend_itself = shop_a.api.v2010.accounts(shop_a.username).update_async(status="suspended")
    assert await refused(suspend_itself) == (401, 20003)


async def test_messages_belong_to_their_account_and_lists_are_scoped(
    twilio: Client, http_client: AsyncRewritingHttpClient
) -> None:
    account_a = await create_subaccount(twilio, "Shop A")
    account_b = await create_subaccount(twilio, "Shop B")
    shop_a, shop_b = own_client(account_a, http_client), own_client(account_b, http_client)
    # The same template name in both accounts: each has its own WhatsApp Business Account.
    content_a = await approved_content(shop_a, "order_ready")
    content_b = await approved_content(shop_b, "order_ready")

    own = await send(shop_a, TO, content_a)
    by_main = await send(main_client_for(account_a, http_client), TO, content_a)
    other = await send(shop_b, TO, content_b)
    for message in (own, by_main):
        assert message.account_sid == account_a.sid
        assert message.uri == f"/2010-04-01/Accounts/{account_a.sid}/Messages/{message.sid}.json"
    assert other.account_sid == account_b.sid

    listed_a = await shop_a.messages.list_async()
    assert [m.sid for m in listed_a] == [by_main.sid, own.sid]
    listed_by_main = await main_client_for(account_b, http_client).messages.list_async()
    assert [m.sid for m in listed_by_main] == [other.sid]
    assert await twilio.messages.list_async() == [], "the main account's own list is its own"
    fetched = await main_client_for(account_a, http_client).messages(own.sid).fetch_async()
    assert fetched.body == own.body


async def test_a_subaccount_cannot_reach_another_accounts_messages_or_contents(
    twilio: Client, http_client: AsyncRewritingHttpClient
) -> None:
    account_a = await create_subaccount(twilio, "Shop A")
    account_b = await create_subaccount(twilio, "Shop B")
    shop_a, shop_b = own_client(account_a, http_client), own_client(account_b, http_client)
    content_b = await approved_content(shop_b, "order_ready")
    message_b = await send(shop_b, TO, content_b)

    # Under the other account's path: Twilio's 20003 for subaccount credentials.
    credentials = (account_a.sid, account_a.auth_token)
    as_b = Client(*credentials, account_sid=account_b.sid, http_client=http_client)
    assert await refused(as_b.messages.list_async()) == (401, 20003)
    assert await refused(as_b.messages(message_b.sid).fetch_async()) == (401, 20003)
    as_main = Client(*credentials, account_sid=ACCOUNT_SID, http_client=http_client)
    assert await refused(send(as_main, TO, content_b)) == (401, 20003)
    # Under its own path, the other's resources do not exist for it.
    assert await refused(shop_a.messages(message_b.sid).fetch_async()) == (404, 20404)
    assert await refused(send(shop_a, TO, content_b)) == (400, 21655)
    assert await refused(shop_a.content.v1.contents(content_b).fetch_async()) == (404, 20404)
    assert await shop_a.content.v1.contents.list_async() == []
    assert await twilio.content.v1.contents.list_async() == [], "nor does the main one see it"
    assert [c.sid for c in await shop_b.content.v1.contents.list_async()] == [content_b]


async def test_the_same_template_name_is_reviewed_per_account(
    twilio: Client, http_client: AsyncRewritingHttpClient, emu: EmulatorServer
) -> None:
    shop_a = own_client(await create_subaccount(twilio, "Shop A"), http_client)
    shop_b = own_client(await create_subaccount(twilio, "Shop B"), http_client)
    first_a, second_a, first_b = (
        await create_text(shop_a),
        await create_text(shop_a),
        await create_text(shop_b),
    )
    await emu.admin.post(
        f"/_emulator/contents/{first_b.sid}/approval",
        json={"status": "rejected", "rejection_reason": "INVALID_FORMAT: by hand"},
    )
    for client, sid in ((shop_a, first_a.sid), (shop_b, first_b.sid)):
        await submit(client, sid, "weekly_offer")
    await submit(shop_a, second_a.sid, "weekly_offer")
    assert (await wait_for_status(shop_a, first_a.sid, "approved"))["name"] == "weekly_offer"
    duplicate = await wait_for_status(shop_a, second_a.sid, "approved", "rejected")
    assert duplicate["rejection_reason"].startswith("DUPLICATE_NAME"), "within one account"
    rejected = await wait_for_status(shop_b, first_b.sid, "approved", "rejected")
    assert rejected["rejection_reason"] == "INVALID_FORMAT: by hand"


async def test_suspended_and_closed_subaccounts_credentials_stop_working(
    twilio: Client, http_client: AsyncRewritingHttpClient
) -> None:
    account = await create_subaccount(twilio, "Shop A")
    shop, on_behalf = own_client(account, http_client), main_client_for(account, http_client)
    content_sid = await approved_content(shop, "order_ready")
    manage = twilio.api.v2010.accounts(account.sid)

    assert (await manage.update_async(status="suspended")).status == "suspended"
    assert await refused(shop.messages.list_async()) == (401, 20003)
    assert await refused(send(on_behalf, TO, content_sid)) == (401, 20003)
    assert (await twilio.api.v2010.accounts.list_async(status="suspended"))[0].sid == account.sid
    await manage.update_async(status="active")
    assert (await send(shop, TO, content_sid)).account_sid == account.sid

    assert (await manage.update_async(status="closed")).status == "closed"
    assert await refused(shop.content.v1.contents.list_async()) == (401, 20003)
    assert await refused(manage.update_async(status="active")) == (400, 21479)
    close_main = twilio.api.v2010.accounts(ACCOUNT_SID).update_async(status="closed")
    assert await refused(close_main) == (400, 21100)
    listed = {a.sid: a.status for a in await twilio.api.v2010.accounts.list_async()}
    assert listed == {ACCOUNT_SID: "active", account.sid: "closed"}


async def test_accounts_answers_match_the_response_schemas(emu: EmulatorServer) -> None:
    http = emu.admin  # the main account's credentials
    created = await http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "Shop A"})
    one = f"/2010-04-01/Accounts/{created.json()['sid']}.json"
    calls = [
        ("POST", "/2010-04-01/Accounts.json", "", created),
        ("GET", one, "", await http.get(one)),
        ("POST", one, "", await http.post(one, data={"Status": "suspended"})),
        ("GET", "/2010-04-01/Accounts.json", "PageSize=1", await http.get(
            "/2010-04-01/Accounts.json", params={"PageSize": 1}
        )),
    ]  # fmt: skip
    for method, path, query, response in calls:
        assert response.status_code < 300, (path, response.text)
        content_type = response.headers["content-type"]
        errors = emu.emulator.specs.response_errors(
            method, path, query, response.status_code, response.content, content_type
        )
        assert errors == [], (method, path, errors)
    first = (await http.get("/2010-04-01/Accounts.json", params={"PageSize": 1})).json()
    second = (await http.get(first["next_page_uri"])).json()
    assert [a["sid"] for a in first["accounts"] + second["accounts"]] == [
        ACCOUNT_SID,
        created.json()["sid"],
    ]
    assert second["next_page_uri"] is None
