"""Helpers of the subaccount tests: SDK clients for a subaccount, as a software vendor
holds them (the subaccount's own credentials, or the main ones under its path)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.emulator.conftest import ACCOUNT_SID, AUTH_TOKEN, Received

SID_RE = re.compile(r"^AC[0-9a-f]{32}$")
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


async def create_subaccount(main: Client, name: str) -> Any:
    return await main.api.v2010.accounts.create_async(friendly_name=name)


def own_client(account: Any, http_client: AsyncTwilioHttpClient) -> Client:
    """The subaccount's own SID and auth token."""
    return Client(account.sid, account.auth_token, http_client=http_client)


def main_client_for(account: Any, http_client: AsyncTwilioHttpClient) -> Client:
    """The main account's credentials, acting on the subaccount's 2010 API resources."""
    return Client(ACCOUNT_SID, AUTH_TOKEN, account_sid=account.sid, http_client=http_client)


def signed_by(token: str, received: Received) -> bool:
    """Whether a webhook's X-Twilio-Signature checks out with that account's token."""
    validator = RequestValidator(token)
    signature = received.headers.get("x-twilio-signature", "")
    if received.headers.get("content-type", "").startswith("application/json"):
        return bool(validator.validate(received.url, received.body, signature))
    return bool(validator.validate(received.url, received.form, signature))


async def refused(call: Any) -> tuple[int, int]:
    """(HTTP status, Twilio code) of a call the emulator must refuse. The SDK raises
    TwilioRestException, except for a list's page: TwilioException with the response."""
    with pytest.raises(TwilioException) as raised:
        await call
    error = raised.value
    if isinstance(error, TwilioRestException):
        return error.status, error.code
    response = error.args[1]
    return response.status_code, json.loads(response.text)["code"]
