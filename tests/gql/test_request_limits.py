"""Limits that refuse a request before any work is done, over real HTTP."""

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from gql.input_guard import NAME_LENGTH
from services.settings import Settings
from tests.gql.helpers import ADD_LEADS, CAMPAIGNS, create_campaign
from tests.support import GraphQLClient

DEFAULTS = Settings.model_construct()


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def assert_clean(text: str) -> None:
    """No SQL, parameters or traceback ever reach a client."""
    for leak in ("Traceback", "SELECT", "INSERT", "UPDATE ", "[parameters", "sqlalchemy"):
        assert leak not in text, text[:2000]


async def post(http: httpx.AsyncClient, token: str | None, payload: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json=payload, headers=headers)


async def raw_http(server_url: str, request: bytes, then: Sequence[bytes] = ()) -> bytes:
    """Speaks HTTP/1.1 on a socket, to send what a well-behaved client library would not
    (a huge Content-Length, a body that never ends); returns the response head and body."""
    address = urlsplit(server_url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    try:
        writer.write(request)
        for chunk in then:
            writer.write(chunk)
            await writer.drain()
        async with asyncio.timeout(10):
            return await reader.read(65536)
    finally:
        writer.close()


async def test_a_declared_body_over_the_limit_is_refused_unread(server_url: str) -> None:
    size = DEFAULTS.max_body_bytes + 1
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    answer = await raw_http(server_url, head + b'{"query": "')
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    body = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert error_codes(body) == ["REQUEST_TOO_LARGE"]
    assert "CAMPAIGNS_MAX_BODY_BYTES" in body["errors"][0]["message"]


async def test_a_streamed_body_is_refused_once_it_passes_the_limit(server_url: str) -> None:
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 65536
    framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    count = DEFAULTS.max_body_bytes // len(chunk) + 1  # just past the limit, never ended
    answer = await raw_http(server_url, head, [framed] * count)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"REQUEST_TOO_LARGE" in answer


async def test_a_body_under_the_limit_is_served(http: httpx.AsyncClient) -> None:
    padding = "x" * (DEFAULTS.max_body_bytes - 100)
    response = await post(http, None, {"query": "{ __typename }", "extensions": {"p": padding}})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_document_too_long_is_not_parsed(http: httpx.AsyncClient) -> None:
    # 100 errors in a 1 MB one-line document took 1.4 s: graphql-core scans the document
    # for the line of each error. Whitespace counts no tokens.
    document = "{ " + " ".join(f"f{i}: nope" for i in range(100)) + " " * 1_000_000 + "}"
    response = await post(http, None, {"query": document})
    body = response.json()
    assert error_codes(body) == ["QUERY_TOO_LARGE"]
    assert "CAMPAIGNS_MAX_QUERY_LENGTH" in body["errors"][0]["message"]


async def test_too_many_tokens_stop_parsing(http: httpx.AsyncClient) -> None:
    # The attack: 600,000 aliases (10 MB) took 76 s and froze every other request.
    document = "{ " + "a " * DEFAULTS.max_query_tokens + "}"
    assert len(document) < DEFAULTS.max_query_length
    response = await post(http, None, {"query": document})
    assert response.status_code == 200
    body = response.json()
    assert error_codes(body) == ["QUERY_TOO_LARGE"], body
    assert "CAMPAIGNS_MAX_QUERY_TOKENS" in body["errors"][0]["message"]


async def test_an_operation_too_deep_is_refused(gql: GraphQLClient) -> None:
    query = "{ campaigns { edges { node { " + "versions { " * 8 + "id" + " }" * 11 + " }"
    body = await gql.execute(query)
    assert "data" not in body or body["data"] is None
    assert "QUERY_TOO_DEEP" in error_codes(body)
    assert any("CAMPAIGNS_MAX_QUERY_DEPTH" in e["message"] for e in body["errors"])


async def test_too_many_aliases_are_refused(gql: GraphQLClient) -> None:
    aliases = " ".join(f"a{i}: viewer {{ merchant {{ id }} }}" for i in range(31))
    body = await gql.execute("{ " + aliases + " }")
    assert error_codes(body) == ["TOO_MANY_ALIASES"]
    assert "CAMPAIGNS_MAX_QUERY_ALIASES" in body["errors"][0]["message"]


async def test_nested_page_sizes_multiply_into_the_cost(gql: GraphQLClient) -> None:
    query = """query($first: Int) { campaigns(first: $first) { edges { node {
        leads(first: 500) { edges { node { id } } } } } } }"""
    refused = await gql.execute(query, {"first": 500})
    assert error_codes(refused) == ["QUERY_TOO_COSTLY"]
    assert "CAMPAIGNS_MAX_QUERY_COST" in refused["errors"][0]["message"]
    allowed = await gql.execute(query, {"first": 5})
    assert "errors" not in allowed


async def test_a_document_that_passed_once_is_still_measured_with_each_requests_variables(
    gql: GraphQLClient,
) -> None:
    # Validation against the schema is remembered per document text; the limits are not.
    query = """query($first: Int) { campaigns(first: $first) { edges { node {
        versions { id } leads(first: 400) { edges { node { id } } } } } } }"""
    for _ in range(2):
        assert "errors" not in await gql.execute(query, {"first": 5})
    refused = await gql.execute(query, {"first": 400})
    assert error_codes(refused) == ["QUERY_TOO_COSTLY"]
    assert "errors" not in await gql.execute(query, {"first": 5})


async def test_an_invalid_document_is_refused_every_time(gql: GraphQLClient) -> None:
    answers = [await gql.execute("{ campaigns(first: 5) { nope } }") for _ in range(2)]
    assert answers[0] == answers[1]
    assert "nope" in answers[0]["errors"][0]["message"]


async def test_fragment_chains_are_measured_without_walking_every_spread(
    gql: GraphQLClient,
) -> None:
    # Each fragment spreads the next twice: 2^60 fields if walked spread by spread.
    chain = "".join(f"fragment F{i} on Campaign {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(60))
    query = '{ campaign(id: "x") { ...F0 } }\n' + chain + "fragment F60 on Campaign { a: id }"
    body = await gql.execute(query)
    assert "TOO_MANY_ALIASES" in error_codes(body)


async def test_the_contract_list_query_fits_with_the_largest_page(gql: GraphQLClient) -> None:
    body = await gql.execute(CAMPAIGNS, {"first": 500})
    assert "errors" not in body


async def test_a_filter_longer_than_its_maximum_is_refused(gql: GraphQLClient) -> None:
    body = await gql.execute(CAMPAIGNS, {"filter": {"nameContains": "a" * (NAME_LENGTH + 1)}})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == ["filter", "nameContains"]
    assert str(NAME_LENGTH) in body["errors"][0]["message"]


async def test_a_body_longer_than_any_string_may_be_is_refused(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    leads = [{"phone": "+14155550101", "name": "x" * (NAME_LENGTH + 1)}]
    result = (await gql.data(ADD_LEADS, {"campaignId": campaign["id"], "leads": leads}))[
        "addCampaignLeads"
    ]
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("BAD_USER_INPUT", ["leads", "0", "name"])
    ]
    assert result["leads"] == []


async def test_refusals_log_nothing_at_error(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    errors = " ".join(f"f{i}: nope" for i in range(100))
    body = await gql.execute("{ " + errors + " }")
    assert len(body["errors"]) >= 100
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
