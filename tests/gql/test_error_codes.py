"""Holes the fuzz tests (tests/fuzz) found, each kept shut: every GraphQL error has a
code, the permission check comes before any look at the input, nested page arguments and
naive datetimes are the client's mistake, and a deep JSON webhook body is a 400."""

import hashlib
import json

import httpx
from twilio.request_validator import RequestValidator

from tests.conftest import MerchantAccount
from tests.gql.helpers import CREATE, create_campaign
from tests.gql.test_request_limits import assert_clean, error_codes
from tests.support import EMULATOR_TOKEN, GraphQLClient


async def test_a_document_that_does_not_parse_is_coded(gql: GraphQLClient) -> None:
    body = await gql.execute('{ campaigns(filter: {name: "\ud800"}) { totalCount } }')
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]
    body = await gql.execute("{ viewer { ")
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]


async def test_a_document_that_does_not_validate_is_coded(gql: GraphQLClient) -> None:
    body = await gql.execute("{ viewer { nonsense } }")
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    body = await gql.execute("{ campaigns(first: 99999999999) { totalCount } }")
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_variables_that_cannot_be_coerced_are_bad_user_input(gql: GraphQLClient) -> None:
    body = await gql.execute("query($id: ID!) { campaign(id: $id) { id } }", {"id": {"a": 1}})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    body = await gql.execute(
        "query($first: Int) { campaigns(first: $first) { totalCount } }", {"first": 2**40}
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_without_a_token_bad_input_is_still_unauthenticated(gql: GraphQLClient) -> None:
    # The input guard used to answer first, with a payload error, to anyone.
    data = {"name": "x", "body": "Hi {{lead_name}}, hello there", "contentType": "x" * 100}
    for token in ("", "cmp_not_a_token"):
        body = await gql.execute(CREATE, {"input": data}, token=token)
        assert error_codes(body) == ["UNAUTHENTICATED"], body
        assert body["data"] is None


async def test_a_nested_page_with_a_bad_cursor_is_bad_user_input(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    for connection in ("leads", "messages"):
        for arguments in ('after: "not a cursor"', "first: 501"):
            query = f"""query($id: ID!) {{ campaign(id: $id) {{
                {connection}({arguments}) {{ totalCount }} }} }}"""
            body = await gql.execute(query, {"id": campaign["id"]})
            # Not masked as an internal error: it is the client's mistake.
            assert error_codes(body) == ["BAD_USER_INPUT"], body
            assert body["errors"][0]["path"] == ["campaign", connection]
            assert body["errors"][0]["extensions"]["field"] == [arguments.split(":")[0]]


SEND_AT = """mutation($id: ID!, $at: DateTime) {
  sendCampaign(id: $id, scheduledAt: $at) { send { id } errors { code } } }"""


async def test_a_schedule_without_a_time_zone_is_refused(merchant: MerchantAccount) -> None:
    campaign = await create_campaign(merchant.client)
    for at in ("2999-01-01T09:00:00", "9999-12-31T23:59:59-14:00", "2999-01-01"):
        body = await merchant.client.execute(SEND_AT, {"id": campaign["id"], "at": at})
        assert error_codes(body) == ["BAD_USER_INPUT"], (at, body)
        assert_clean(json.dumps(body))
    # Literals are checked by the same scalar, before execution.
    literal = SEND_AT.replace("$at: DateTime", "").replace("$at", '"2999-01-01T09:00:00"')
    body = await merchant.client.execute(literal, {"id": campaign["id"]})
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "time zone" in body["errors"][0]["message"]


async def test_a_signed_event_delivery_nested_too_deeply_is_400(
    http: httpx.AsyncClient, server_url: str
) -> None:
    body = b"[" * 100_000
    path = f"/webhooks/twilio/events?bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = RequestValidator(EMULATOR_TOKEN).compute_signature(server_url + path, {})
    response = await http.post(
        path,
        content=body,
        headers={"Content-Type": "application/json", "X-Twilio-Signature": signature},
    )
    assert response.status_code == 400, response.text
    assert "nested too deeply" in response.json()["error"]
