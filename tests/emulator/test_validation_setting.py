"""`--validate sample|off`: requests openapi-core does not judge are read the same way, and
one a handler cannot read is still refused in Twilio's error body (never a 500)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from emulator import cli
from emulator.app import create_app
from emulator.config import EmulatorConfig, Knobs, Validation
from emulator.core import Emulator
from emulator.openapi import SAMPLE_EVERY
from tests.emulator.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.emulator.test_validation import assert_twilio_error
from tests.support import serve

MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
SENDER = "whatsapp:+15550001111"


async def _running(validation: Validation) -> AsyncIterator[tuple[httpx.AsyncClient, Emulator]]:
    config = EmulatorConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        validation=validation,
        knobs=Knobs(status_delay=3600),
    )
    emulator = Emulator(config)
    async with (
        serve(create_app(emulator)) as url,
        httpx.AsyncClient(base_url=url, auth=(ACCOUNT_SID, AUTH_TOKEN)) as client,
    ):
        yield client, emulator


@pytest.fixture
async def unjudged() -> AsyncIterator[tuple[httpx.AsyncClient, Emulator]]:
    async for running in _running("off"):
        yield running


@pytest.fixture
async def checked() -> AsyncIterator[tuple[httpx.AsyncClient, Emulator]]:
    async for running in _running("all"):
        yield running


@pytest.fixture
async def sampled() -> AsyncIterator[tuple[httpx.AsyncClient, Emulator]]:
    async for running in _running("sample"):
        yield running


async def _content(client: httpx.AsyncClient) -> str:
    created = await client.post(
        "/v1/Content",
        json={"language": "en", "variables": {"1": "a"}, "types": {"twilio/text": {"body": "Hi"}}},
    )
    assert created.status_code == 201, created.text
    sid: str = created.json()["sid"]
    return sid


async def test_off_accepts_what_the_sdk_sends_without_asking_openapi_core(
    unjudged: tuple[httpx.AsyncClient, Emulator],
) -> None:
    client, emulator = unjudged
    content_sid = await _content(client)
    form = {"To": "whatsapp:+15551230001", "From": SENDER, "ContentSid": content_sid}
    created = await client.post(MESSAGES, data={**form, "ContentVariables": json.dumps({"1": "Z"})})
    assert created.status_code == 201, created.text
    listed = await client.get(MESSAGES, params={"PageSize": "1", "To": form["To"]})
    assert [m["sid"] for m in listed.json()["messages"]] == [created.json()["sid"]]
    assert listed.json()["page_size"] == 1
    assert (emulator.specs.checked, emulator.specs.judged) == (0, 0)


async def test_all_accepts_with_fastjsonschema_and_refuses_with_openapi_core(
    checked: tuple[httpx.AsyncClient, Emulator],
) -> None:
    client, emulator = checked
    content_sid = await _content(client)
    form = {"To": "whatsapp:+15551230001", "From": SENDER, "ContentSid": content_sid}
    created = await client.post(MESSAGES, data={**form, "ContentVariables": json.dumps({"1": "Z"})})
    assert created.status_code == 201, created.text
    listed = await client.get(MESSAGES, params={"PageSize": "5", "Page": "0"})
    assert listed.status_code == 200, listed.text
    assert (emulator.specs.checked, emulator.specs.judged) == (3, 0)
    refused = await client.post(MESSAGES, data={**form, "ValidityPeriod": "soon"})
    assert_twilio_error(refused, 400, 20001)
    assert "soon" in refused.json()["message"]
    assert emulator.specs.judged == 1


async def test_off_still_refuses_what_a_handler_cannot_read(
    unjudged: tuple[httpx.AsyncClient, Emulator],
) -> None:
    client, emulator = unjudged
    # No To: the handler cannot read it, openapi-core is asked and names the code.
    assert_twilio_error(
        await client.post(MESSAGES, data={"From": SENDER, "Body": "hi"}), 400, 21604
    )
    assert emulator.specs.judged == 1
    not_json = await client.post(
        "/v1/Content", content=b"language=en", headers={"Content-Type": "application/json"}
    )
    assert_twilio_error(not_json, 400, 20001)
    assert "Request input may be invalid" in not_json.json()["message"]
    no_types = await client.post("/v1/Content", json={"language": "en"})
    assert_twilio_error(no_types, 400, 20001)
    paged = await client.get(MESSAGES, params={"PageSize": "many"})
    assert_twilio_error(paged, 400, 20001)
    missing = await client.get(f"/v1/Content/HX{'0' * 32}")
    assert_twilio_error(missing, 404, 20404)


async def test_sample_judges_each_operations_first_request_then_one_in_n(
    sampled: tuple[httpx.AsyncClient, Emulator],
) -> None:
    client, emulator = sampled
    for _ in range(SAMPLE_EVERY + 1):
        assert (await client.get(MESSAGES)).status_code == 200
    assert emulator.specs.checked == 2  # the 1st and the (SAMPLE_EVERY + 1)th
    # A sampled refusal reads as with `all`: the first request of an operation is judged.
    refused = await client.post(MESSAGES, data={"From": SENDER, "Body": "hi", "Extra": "x"})
    assert_twilio_error(refused, 400, 21604)


def test_the_validate_flag() -> None:
    assert cli.config_from(cli.parser().parse_args([])).validation == "all"
    args = cli.parser().parse_args(["--validate", "sample"])
    assert cli.config_from(args).validation == "sample"
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["--validate", "some"])
