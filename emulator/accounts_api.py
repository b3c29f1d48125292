"""Accounts API handlers: create, fetch, update and list /2010-04-01/Accounts, i.e. the
main account's subaccounts (Twilio's docs: "REST API: Subaccounts").

- Only the main account creates subaccounts; a subaccount's credentials get 401 / 20003
  (Twilio: subaccounts cannot have subaccounts, and a subaccount's credentials are not
  valid for another account's resources).
- The main account fetches, updates and lists itself and its subaccounts; a subaccount
  only itself (the list holds just it). Another account's sid: 401 / 20003 for a
  subaccount's credentials, 404 / 20404 for the main one's (emulator.auth.acting_on).
- `Status`: the main account suspends, reactivates (`active`) or closes a subaccount; a
  closed one cannot be reopened (400 / 21479) and the main account's own status is not
  changed through the API (400 / 21100). A subaccount may rename itself, not change its
  status (401 / 20003). Credentials of a suspended or closed account stop working.

The list is in order of creation, the main account first, filtered by `FriendlyName`
(exact) and `Status`, paged as the Messages list is.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import JSONResponse, Response

from emulator import auth
from emulator.core import Emulator
from emulator.errors import bad_request
from emulator.openapi import Validated
from emulator.paging import paginate, v2010_list
from emulator.state import Account, now

ACCOUNTS_URI = "/2010-04-01/Accounts.json"
FILTERS = {"FriendlyName": "friendly_name", "Status": "status"}  # query name -> field


def _caller(emulator: Emulator, request: Validated) -> Account:
    return emulator.state.accounts[request.caller]


async def create_account(emulator: Emulator, request: Validated) -> Response:
    caller = _caller(emulator, request)
    if not caller.is_main:
        raise auth.refusal(auth.API_REALM)
    form: dict[str, Any] = request.body or {}
    moment = now()
    # Twilio's default: "SubAccount Created at {YYYY-MM-DD HH:MM meridian}".
    default_name = f"SubAccount Created at {moment:%Y-%m-%d %I:%M %p}"
    account = Account(
        sid="AC" + secrets.token_hex(16),
        auth_token=secrets.token_hex(16),
        friendly_name=str(form.get("FriendlyName") or default_name),
        owner_account_sid=caller.sid,
        date_created=moment,
        date_updated=moment,
    )
    emulator.state.accounts[account.sid] = account
    emulator.account_changed(account)
    return JSONResponse(account.resource(), status_code=201)


def _target(emulator: Emulator, request: Validated) -> Account:
    sid = request.path["Sid"]
    caller = _caller(emulator, request)
    return auth.acting_on(emulator, caller, sid, f"/2010-04-01/Accounts/{sid}.json")


async def fetch_account(emulator: Emulator, request: Validated) -> Response:
    return JSONResponse(_target(emulator, request).resource())


async def update_account(emulator: Emulator, request: Validated) -> Response:
    account = _target(emulator, request)
    form: dict[str, Any] = request.body or {}
    status: str | None = form.get("Status")
    if status is not None and status != account.status:
        _check_status_change(_caller(emulator, request), account, status)
        account.status = status
    if "FriendlyName" in form:
        account.friendly_name = str(form["FriendlyName"])
    account.date_updated = now()
    emulator.account_changed(account)
    return JSONResponse(account.resource())


def _check_status_change(caller: Account, account: Account, status: str) -> None:
    if not caller.is_main:
        raise auth.refusal(auth.API_REALM)  # only the owner suspends or closes
    if account.is_main:
        raise bad_request(21100, "The main account's status cannot be changed through the API")
    if account.status == "closed":
        raise bad_request(21479, "Unable to update Status for subaccount, subaccount is closed")


async def list_accounts(emulator: Emulator, request: Validated) -> Response:
    caller = _caller(emulator, request)
    query = request.query
    filters = [(name, str(query[name])) for name in FILTERS if name in query]
    visible = (
        [a for a in emulator.state.accounts.values() if a.owner_account_sid == caller.sid]
        if caller.is_main
        else [caller]
    )
    records = [
        a for a in visible if all(getattr(a, FILTERS[name]) == value for name, value in filters)
    ]
    page = paginate(
        records, lambda a: a.sid, query.get("PageSize"), query.get("Page"), query.get("PageToken")
    )
    resources = [a.resource() for a in page.items]
    body = v2010_list("accounts", page, resources, ACCOUNTS_URI, filters, query.get("PageToken"))
    return JSONResponse(body)


HANDLERS = {
    "CreateAccount": create_account,
    "FetchAccount": fetch_account,
    "UpdateAccount": update_account,
    "ListAccount": list_accounts,
}
