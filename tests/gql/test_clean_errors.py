"""Malformed input gets a clear, coded refusal and never a database error; what is
unexpected reaches the client as an error id, and the log once."""

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db.database import Database
from gql.context import Context
from gql.errors import report_errors
from gql.schema import schema
from jobs.runtime import Runtime
from services.settings import Settings
from tests.conftest import MerchantAccount
from tests.gql.helpers import ADD_LEADS, CAMPAIGNS, CREATE, create_campaign
from tests.gql.test_request_limits import assert_clean, error_codes, post
from tests.support import GraphQLClient

NUL = "a\x00b"
LONE_SURROGATE = "a\ud800b"


def user_errors(result: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in result["errors"]]


@pytest.mark.parametrize("bad", [NUL, LONE_SURROGATE])
async def test_a_filter_with_unstorable_text_is_bad_user_input(
    gql: GraphQLClient, bad: str
) -> None:
    body = await gql.execute(CAMPAIGNS, {"filter": {"nameContains": bad}})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == ["filter", "nameContains"]
    assert_clean(json.dumps(body))


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("body", f"Hi {{{{lead_name}}}}, {NUL} sale today!", ["input", "body"]),
        ("name", LONE_SURROGATE, ["input", "name"]),
        ("samples", {"lead_name": NUL}, ["input", "samples", "lead_name"]),
        ("samples", {"lead\x00name": "Ana"}, ["input", "samples", "'lead\\x00name'"]),
    ],
)
async def test_a_mutation_with_unstorable_text_writes_nothing(
    gql: GraphQLClient, field: str, value: Any, path: list[str]
) -> None:
    data = {"name": "clean_errors", "body": "Hi {{lead_name}}, our sale starts today!"}
    body = await gql.execute(CREATE, {"input": {**data, field: value}})
    assert_clean(json.dumps(body))
    result = body["data"]["createCampaign"]
    assert result["campaign"] is None
    assert user_errors(result) == [("BAD_USER_INPUT", path)]
    listed = await gql.data(CAMPAIGNS, {"filter": {"name": "clean_errors"}})
    assert listed["campaigns"]["edges"] == []


async def test_template_message_variables_are_checked(gql: GraphQLClient) -> None:
    mutation = """mutation($input: SendTemplateMessageInput!) {
        sendTemplateMessage(input: $input) { errors { field code message } } }"""
    message = {"campaignName": "hello_world", "to": "+14155550101"}
    variables = {"input": {**message, "variables": {"lead_name": LONE_SURROGATE}}}
    body = await gql.execute(mutation, variables)
    result = body["data"]["sendTemplateMessage"]
    assert user_errors(result) == [("BAD_USER_INPUT", ["input", "variables", "lead_name"])]


async def test_a_batch_of_10000_leads_loses_only_the_bad_one(
    gql: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    campaign = await create_campaign(gql)
    leads = [{"phone": f"+1415555{i:04d}", "name": f"Lead {i}"} for i in range(10_000)]
    leads[3]["name"] = NUL
    body = await gql.execute(ADD_LEADS, {"campaignId": campaign["id"], "leads": leads})
    assert_clean(json.dumps(body))
    result = body["data"]["addCampaignLeads"]
    assert user_errors(result) == [("BAD_USER_INPUT", ["leads", "3", "name"])]
    assert len(result["leads"]) == 9_999
    assert "+14155550003" not in {lead["conversationUser"]["phone"] for lead in result["leads"]}
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_errors_after_a_refused_lead_keep_their_index(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql)
    leads = [
        {"phone": "+14155550100", "customVariables": {"coupon_code": NUL}},
        {"phone": "+14155550101"},
        {"phone": "555-0102"},
        {"phone": "+14155550103", "name": LONE_SURROGATE},
        {"phone": "whatsapp"},
    ]
    result = (await gql.data(ADD_LEADS, {"campaignId": campaign["id"], "leads": leads}))[
        "addCampaignLeads"
    ]
    assert user_errors(result) == [
        ("BAD_USER_INPUT", ["leads", "0", "customVariables", "coupon_code"]),
        ("INVALID_PHONE", ["leads", "2", "phone"]),
        ("BAD_USER_INPUT", ["leads", "3", "name"]),
        ("INVALID_PHONE", ["leads", "4", "phone"]),
    ]
    assert [lead["conversationUser"]["phone"] for lead in result["leads"]] == ["+14155550101"]


HUGE_INT = "1" * 4_301  # past Python's int-string conversion limit
DEEP_JSON = "[" * 50_000 + "]" * 50_000


@pytest.mark.parametrize("variables", [f'{{"first": {HUGE_INT}}}', f'{{"filter": {DEEP_JSON}}}'])
async def test_unreadable_json_variables_are_a_400(http: httpx.AsyncClient, variables: str) -> None:
    query = "query($first: Int, $filter: CampaignFilter) { campaigns(first: $first, filter: $filter) { totalCount } }"  # noqa: E501
    body = f'{{"query": {json.dumps(query)}, "variables": {variables}}}'
    response = await http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert_clean(response.text)
    short = variables.replace("[" * 50_000, "[" * 3_000).replace("]" * 50_000, "]" * 3_000)
    response = await http.get("/graphql", params={"query": query, "variables": short})
    assert response.status_code == 400
    assert_clean(response.text)


@pytest.mark.parametrize(
    "document",
    [
        f"{{ campaigns(first: {HUGE_INT}) {{ totalCount }} }}",
        "{ campaigns(filter: " + "[" * 3_000 + "]" * 3_000 + ") { totalCount } }",
    ],
)
async def test_malformed_literals_in_the_document_are_refused(
    gql: GraphQLClient, document: str
) -> None:
    body = await gql.execute(document)
    assert body["errors"]
    assert "INTERNAL_SERVER_ERROR" not in error_codes(body)
    assert_clean(json.dumps(body))


async def test_an_unexpected_error_shows_an_id_and_logs_the_details_once(
    merchant: MerchantAccount, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # A server whose database has gone away: a real failure no input can cause.
    unreachable = Database("postgresql://nobody@127.0.0.1:1/nothing")
    context = Context(Runtime(unreachable, settings), merchant.merchant)
    result = await schema.execute("{ campaigns { totalCount } }", context_value=context)
    await unreachable.dispose()
    assert result.errors is not None
    [error] = [e.formatted for e in result.errors]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    error_id = error["extensions"]["errorId"]
    assert error["message"] == f"Internal server error (error id {error_id})."
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert error_id in logged[0].getMessage() and logged[0].exc_info is not None


async def test_a_statement_timeout_is_a_coded_refusal(postgres: str, db: Database) -> None:
    impatient = Database(db.url, statement_timeout_ms=10)
    with pytest.raises(DBAPIError) as raised:
        async with impatient.session() as session:
            await session.execute(text("SELECT pg_sleep(1)"))
    await impatient.dispose()
    from graphql import GraphQLError

    error = GraphQLError("raw", path=["campaigns"], original_error=raised.value)
    report_errors([error], 10)
    assert error.extensions == {"code": "STATEMENT_TIMEOUT"}
    assert "10 ms" in error.message and "CAMPAIGNS_STATEMENT_TIMEOUT_MS" in error.message
    assert "pg_sleep" not in error.message


async def test_request_sessions_have_a_statement_timeout_and_jobs_none(runtime: Runtime) -> None:
    async with runtime.db.session() as session:
        assert (await session.execute(text("SHOW statement_timeout"))).scalar() == "5s"
    async with runtime.jobs_db.session() as session:
        assert (await session.execute(text("SHOW statement_timeout"))).scalar() == "0"


async def test_a_client_that_goes_away_is_not_logged_as_an_error(
    server_url: str, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    uvicorn_log = logging.getLogger("uvicorn.error")  # does not propagate to caplog's root
    uvicorn_log.addHandler(caplog.handler)
    address = urlsplit(server_url)
    _, writer = await asyncio.open_connection(address.hostname, address.port)
    head = b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    writer.write(head + b"Content-Length: 1000\r\n\r\n{")
    await writer.drain()
    writer.close()
    await asyncio.sleep(0.5)  # let the server notice; the next request still works
    response = await post(http, None, {"query": "{ __typename }"})
    uvicorn_log.removeHandler(caplog.handler)
    assert response.status_code == 200
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
