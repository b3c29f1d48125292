"""connectTwilioAccount: verified at Twilio (the emulator, over HTTP) before anything is
stored, stored encrypted, never returned nor logged."""

import logging
from typing import Any

import pytest

from db.database import Database
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.accounts.operations import ADD, CONNECT, VIEWER
from tests.gql.accounts.support import account_row, emulator_subaccount
from tests.gql.helpers import codes
from tests.gql.sending import SEND, approved_campaign
from tests.support import GraphQLClient


async def connect(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await gql.data(CONNECT, {"input": fields}))["connectTwilioAccount"]
    return result


async def test_an_existing_account_is_verified_then_stored_encrypted(
    merchant: MerchantAccount,
    db: Database,
    emulator: RunningEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = await emulator_subaccount(emulator, "Corner Shop Twilio")
    caplog.set_level(logging.DEBUG)  # the Twilio SDK's request logs included
    result = await connect(
        merchant.client, accountSid=account["sid"], authToken=account["auth_token"]
    )
    assert result["errors"] == []
    assert result["twilioAccount"] | {"createdAt": None} == {
        "sid": account["sid"],
        "friendlyName": "Corner Shop Twilio",
        "kind": "CONNECTED",
        "createdAt": None,
    }
    viewer = (await merchant.client.data(VIEWER))["viewer"]["merchant"]
    assert viewer["twilioAccount"] == {
        "sid": account["sid"],
        "friendlyName": "Corner Shop Twilio",
        "kind": "CONNECTED",
    }
    row = await account_row(db, merchant.merchant.id)
    assert row is not None
    stored = bytes(row["credentials"])
    assert account["auth_token"].encode() not in stored, "the token is not stored in clear"
    assert account["auth_token"] not in stored.decode("latin-1").lower()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert account["auth_token"] not in logged


async def test_the_answer_has_no_credential_field(gql: GraphQLClient) -> None:
    fields = await gql.data('{ __type(name: "TwilioAccount") { fields { name } } }')
    names = {field["name"] for field in fields["__type"]["fields"]}
    assert names == {"sid", "friendlyName", "kind", "createdAt"}


async def test_credentials_twilio_refuses_save_nothing(
    merchant: MerchantAccount, db: Database, emulator: RunningEmulator
) -> None:
    account = await emulator_subaccount(emulator, "Refused")
    wrong = await connect(merchant.client, accountSid=account["sid"], authToken="0" * 32)
    assert codes(wrong["errors"]) == [("INVALID_CREDENTIALS", ["input", "accountSid"])]
    assert wrong["twilioAccount"] is None
    # A key the account does not have: 401 from the emulator, as from Twilio.
    key = await connect(
        merchant.client,
        accountSid=account["sid"],
        apiKeySid="SK" + "1" * 32,
        apiKeySecret="secret",
    )
    assert codes(key["errors"]) == [("INVALID_CREDENTIALS", ["input", "accountSid"])]
    unknown = await connect(merchant.client, accountSid="AC" + "9" * 32, authToken="x" * 32)
    assert codes(unknown["errors"]) == [("INVALID_CREDENTIALS", ["input", "accountSid"])]
    assert await account_row(db, merchant.merchant.id) is None


async def test_malformed_input_is_refused_before_twilio_is_asked(gql: GraphQLClient) -> None:
    cases = [
        (
            {"accountSid": "AC123", "authToken": "t"},
            [("INVALID_ACCOUNT_SID", ["input", "accountSid"])],
        ),
        ({"accountSid": "AC" + "a" * 32}, [("REQUIRED", ["input", "authToken"])]),
        (
            {"accountSid": "AC" + "a" * 32, "apiKeySid": "SK" + "a" * 32},
            [("REQUIRED", ["input", "apiKeySecret"])],
        ),
        (
            {"accountSid": "AC" + "a" * 32, "apiKeySid": "XX", "apiKeySecret": "s"},
            [("INVALID_CREDENTIALS", ["input", "apiKeySid"])],
        ),
        (
            {"accountSid": "AC" + "a" * 32, "authToken": "t" * 300},
            [("BAD_USER_INPUT", ["input", "authToken"])],
        ),
    ]
    for given, expected in cases:
        result = await connect(gql, **given)
        assert codes(result["errors"]) == expected, given


async def test_an_account_belongs_to_one_merchant(
    merchant: MerchantAccount, other_merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    account = await emulator_subaccount(emulator, "Shared")
    credentials = {"accountSid": account["sid"], "authToken": account["auth_token"]}
    assert (await connect(merchant.client, **credentials))["errors"] == []
    taken = await connect(other_merchant.client, **credentials)
    assert codes(taken["errors"]) == [("ACCOUNT_IN_USE", ["input", "accountSid"])]
    theirs = (await other_merchant.client.data(VIEWER))["viewer"]["merchant"]
    assert theirs["twilioAccount"] is None
    # Connecting it again (a rotated token, say) is fine for its own merchant.
    assert (await connect(merchant.client, **credentials))["errors"] == []


async def test_another_account_is_refused_while_a_send_is_live(
    merchant: MerchantAccount, emulator: RunningEmulator
) -> None:
    first = await emulator_subaccount(emulator, "First")
    second = await emulator_subaccount(emulator, "Second")
    ok = await connect(merchant.client, accountSid=first["sid"], authToken=first["auth_token"])
    assert ok["errors"] == []
    # A send from its own account needs a sender there (else NO_SENDER).
    added = await merchant.client.data(ADD, {"input": {"address": "whatsapp:+14155550199"}})
    assert added["addSender"]["errors"] == []
    campaign = await approved_campaign(merchant, emulator, [{"phone": "+14155550101"}])
    later = {"id": campaign["id"], "scheduledAt": "2099-01-01T00:00:00Z"}
    scheduled = (await merchant.client.data(SEND, later))["sendCampaign"]
    assert scheduled["errors"] == []
    refused = await connect(
        merchant.client, accountSid=second["sid"], authToken=second["auth_token"]
    )
    assert codes(refused["errors"]) == [("SEND_IN_PROGRESS", ["input", "accountSid"])]
    viewer = (await merchant.client.data(VIEWER))["viewer"]["merchant"]
    assert viewer["twilioAccount"]["sid"] == first["sid"]
