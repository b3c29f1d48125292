"""Requests Twilio would refuse are refused, against the OpenAPI specs, in Twilio's error
body; and the emulator's own answers match the specs' response schemas."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from twilio.rest import Client

from tests.emulator.conftest import ACCOUNT_SID, AUTH_TOKEN, EmulatorServer
from tests.emulator.support import SENDER, approved_content

MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
TEXT = {"language": "en", "types": {"twilio/text": {"body": "Hi"}}}


@pytest.fixture
async def http(emu: EmulatorServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emu.url, auth=(ACCOUNT_SID, AUTH_TOKEN)) as client:
        yield client


def assert_twilio_error(response: httpx.Response, status: int, code: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}, body
    assert (body["status"], body["code"]) == (status, code), body
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


JSON_CASES: list[tuple[str, str, Any, int, int]] = [
    (
        "POST",
        "/v1/Content",
        {"language": "en", "types": {"twilio/text": {"body": "Hi", "title": "x"}}},
        400,
        20001,
    ),
    ("POST", "/v1/Content", {"types": {"twilio/text": {"body": "Hi"}}}, 400, 20001),
    ("POST", "/v1/Content", {"language": "en", "types": {"twilio/text": {}}}, 400, 20001),
    ("POST", "/v1/Content", {"language": "en", "types": {}}, 400, 20001),
    (
        "POST",
        "/v1/Content",
        {"language": "en", "variables": {"1": 5}, "types": TEXT["types"]},
        400,
        20001,
    ),
    ("POST", "/v1/Content", {**TEXT, "types": {"twilio/text": {"body": "x" * 1601}}}, 400, 20001),
    ("GET", "/v1/Content/HX123", None, 404, 20404),
    ("GET", "/v1/Content/HX" + "0" * 32, None, 404, 20404),
    ("POST", "/v1/Content/HX" + "0" * 32 + "/ApprovalRequests/whatsapp", {"name": "a"}, 400, 20001),
    ("GET", "/v1/Nothing", None, 404, 20404),
    ("PATCH", "/v1/Content", None, 405, 20004),
    ("GET", "/v1/ContentAndApprovals?PageSize=0", None, 400, 20001),
    ("GET", "/v1/ContentAndApprovals?PageSize=many", None, 400, 20001),
    ("GET", "/v1/ContentAndApprovals?PageToken=PAnope", None, 400, 20001),
    ("GET", f"/2010-04-01/Accounts/AC{'f' * 32}/Messages.json", None, 404, 20404),
    ("GET", f"{MESSAGES}?DateSent=someday", None, 400, 20001),
    ("DELETE", f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/SM{'0' * 32}.json", None, 501, 20500),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), JSON_CASES)
async def test_json_requests_refused(
    http: httpx.AsyncClient, method: str, path: str, body: Any, status: int, code: int
) -> None:
    response = await http.request(method, path, json=body)
    assert_twilio_error(response, status, code)


async def test_content_bodies_that_are_not_json_are_refused(http: httpx.AsyncClient) -> None:
    # What the stock async SDK client sends (twilio-python#932): a form under a JSON type.
    as_form = await http.post(
        "/v1/Content", data={"language": "en"}, headers={"Content-Type": "application/json"}
    )
    assert_twilio_error(as_form, 400, 20001)
    assert "Request input may be invalid" in as_form.json()["message"]
    form_type = await http.post("/v1/Content", data={"language": "en"})
    assert_twilio_error(form_type, 400, 20001)


FORM_CASES: list[tuple[dict[str, str], int]] = [
    ({"From": SENDER, "Body": "hi"}, 21604),
    ({"To": "whatsapp:+1555", "From": SENDER, "Body": "hi"}, 21211),
    ({"To": "+15551230001", "From": SENDER, "Body": "hi"}, 21910),
    ({"To": "whatsapp:+15551230001", "From": "whatsapp:abc", "Body": "hi"}, 21212),
    ({"To": "whatsapp:+15551230001", "Body": "hi"}, 21603),
    ({"To": "whatsapp:+15551230001", "From": SENDER}, 21619),
    ({"To": "whatsapp:+15551230001", "From": SENDER, "ContentSid": "HX12"}, 21655),
    (
        {"To": "whatsapp:+15551230001", "From": SENDER, "Body": "hi", "StatusCallback": "ftp://x"},
        21609,
    ),
    (
        {
            "To": "whatsapp:+15551230001",
            "From": SENDER,
            "Body": "hi",
            "StatusCallback": "http://a_b.com/x",
        },
        21609,
    ),
    (
        {"To": "whatsapp:+15551230001", "From": SENDER, "Body": "hi", "ContentRetention": "keep"},
        20001,
    ),
    (
        {"To": "whatsapp:+15551230001", "From": SENDER, "Body": "hi", "ValidityPeriod": "soon"},
        20001,
    ),
    ({"To": "whatsapp:+15551230001", "MessagingServiceSid": "MG1", "Body": "hi"}, 20001),
]


@pytest.mark.parametrize(("form", "code"), FORM_CASES)
async def test_message_creates_refused(
    http: httpx.AsyncClient, form: dict[str, str], code: int
) -> None:
    assert_twilio_error(await http.post(MESSAGES, data=form), 400, code)


# A request as the response schemas key it (method, path, query) and its answer.
Call = tuple[str, str, str, httpx.Response]


async def test_answers_match_the_response_schemas(
    twilio: Client, emu: EmulatorServer, http: httpx.AsyncClient
) -> None:
    content_sid = await approved_content(twilio)
    created = await http.post(
        "/v1/Content", json={**TEXT, "friendly_name": "x", "variables": {"1": "a"}}
    )
    message = await http.post(
        MESSAGES,
        data={
            "To": "whatsapp:+15551230001",
            "From": SENDER,
            "ContentSid": content_sid,
            "ContentVariables": json.dumps({"1": "Z"}),
        },
    )
    calls = [
        *await _content_calls(http, content_sid, created),
        *await _message_calls(http, message),
        (
            "DELETE",
            f"/v1/Content/{content_sid}",
            "",
            await http.delete(f"/v1/Content/{content_sid}"),
        ),
    ]
    for method, path, query, response in calls:
        assert response.status_code < 300, (path, response.text)
        errors = emu.emulator.specs.response_errors(
            method,
            path,
            query,
            response.status_code,
            response.content,
            response.headers.get("content-type", "application/json"),
        )
        assert errors == [], (method, path, errors)


async def _content_calls(
    http: httpx.AsyncClient, content_sid: str, created: httpx.Response
) -> list[Call]:
    return [
        ("POST", "/v1/Content", "", created),
        ("GET", f"/v1/Content/{content_sid}", "", await http.get(f"/v1/Content/{content_sid}")),
        (
            "POST",
            f"/v1/Content/{created.json()['sid']}/ApprovalRequests/whatsapp",
            "",
            await http.post(
                f"/v1/Content/{created.json()['sid']}/ApprovalRequests/whatsapp",
                json={"name": "abc", "category": "MARKETING"},
            ),
        ),
        (
            "GET",
            f"/v1/Content/{content_sid}/ApprovalRequests",
            "",
            await http.get(f"/v1/Content/{content_sid}/ApprovalRequests"),
        ),
        (
            "GET",
            "/v1/ContentAndApprovals",
            "PageSize=1",
            await http.get("/v1/ContentAndApprovals?PageSize=1"),
        ),
        ("GET", "/v1/Content", "PageSize=1", await http.get("/v1/Content?PageSize=1")),
    ]


async def _message_calls(http: httpx.AsyncClient, message: httpx.Response) -> list[Call]:
    return [
        ("POST", MESSAGES, "", message),
        (
            "GET",
            MESSAGES.replace(".json", f"/{message.json()['sid']}.json"),
            "",
            await http.get(MESSAGES.replace(".json", f"/{message.json()['sid']}.json")),
        ),
        ("GET", MESSAGES, "PageSize=1", await http.get(MESSAGES, params={"PageSize": 1})),
    ]


async def test_the_response_check_catches_a_broken_answer(emu: EmulatorServer) -> None:
    broken = b'{"sid": "XX1", "status": "weird"}'
    errors = emu.emulator.specs.response_errors(
        "GET",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/SM{'0' * 32}.json",
        "",
        200,
        broken,
        "application/json",
    )
    assert errors and "weird" in errors[0]
