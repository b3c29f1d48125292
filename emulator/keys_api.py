"""Keys API handlers: create, fetch, update, delete and list
/2010-04-01/Accounts/{AccountSid}/Keys (Twilio's "REST API: Key Resource v2010").

- A key is a Standard key of the account of its path: `SK` + 32 hex digits, and a secret
  shown once, in the answer to its creation (fetch and list never show it).
- HTTP Basic with its sid and secret authenticates as that account (emulator.auth says
  what such a key may not do). A deleted key, or a key of a suspended or closed account,
  stops working at once.
- Only an account's own credentials, or the main account's for a subaccount's keys, get
  here: keys themselves cannot manage keys (Twilio: that takes a Main key).
- A key of another account, or one deleted: 404 / 20404. The list is in order of
  creation, paged as the Messages list is.

Webhooks are still signed with the account's auth token, never a key (emulator.webhooks).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import JSONResponse, Response

from emulator.core import Emulator
from emulator.errors import not_found
from emulator.openapi import Validated
from emulator.paging import paginate, v2010_list
from emulator.state import ApiKey, now


def _keys_uri(account_sid: str) -> str:
    return f"/2010-04-01/Accounts/{account_sid}/Keys.json"


async def create_key(emulator: Emulator, request: Validated) -> Response:
    form: dict[str, Any] = request.body or {}
    moment = now()
    key = ApiKey(
        sid="SK" + secrets.token_hex(16),
        secret=secrets.token_urlsafe(24),
        account_sid=request.path["AccountSid"],
        friendly_name=str(form.get("FriendlyName") or ""),
        date_created=moment,
        date_updated=moment,
    )
    emulator.state.keys[key.sid] = key
    emulator.key_changed(key)
    return JSONResponse(key.resource(with_secret=True), status_code=201)


def _key(emulator: Emulator, request: Validated) -> ApiKey:
    account_sid, sid = request.path["AccountSid"], request.path["Sid"]
    key = emulator.state.keys.get(sid)
    if key is None or key.account_sid != account_sid:
        raise not_found(f"/2010-04-01/Accounts/{account_sid}/Keys/{sid}.json")
    return key


async def fetch_key(emulator: Emulator, request: Validated) -> Response:
    return JSONResponse(_key(emulator, request).resource())


async def update_key(emulator: Emulator, request: Validated) -> Response:
    key = _key(emulator, request)
    form: dict[str, Any] = request.body or {}
    if "FriendlyName" in form:
        key.friendly_name = str(form["FriendlyName"])
    key.date_updated = now()
    emulator.key_changed(key)
    return JSONResponse(key.resource())


async def delete_key(emulator: Emulator, request: Validated) -> Response:
    key = _key(emulator, request)
    del emulator.state.keys[key.sid]
    emulator.key_changed(key, deleted=True)
    return Response(status_code=204)


async def list_keys(emulator: Emulator, request: Validated) -> Response:
    account_sid = request.path["AccountSid"]
    query = request.query
    records = [k for k in emulator.state.keys.values() if k.account_sid == account_sid]
    page = paginate(
        records, lambda k: k.sid, query.get("PageSize"), query.get("Page"), query.get("PageToken")
    )
    resources = [k.resource() for k in page.items]
    body = v2010_list("keys", page, resources, _keys_uri(account_sid), [], query.get("PageToken"))
    return JSONResponse(body)


HANDLERS = {
    "CreateNewKey": create_key,
    "FetchKey": fetch_key,
    "UpdateKey": update_key,
    "DeleteKey": delete_key,
    "ListKey": list_keys,
}
