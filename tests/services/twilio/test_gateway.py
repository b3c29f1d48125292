"""The gateway against the emulator over HTTP: results, and failures as typed errors."""

from datetime import UTC, datetime

import pytest

from services.settings import Settings
from services.twilio.errors import ErrorKind, TwilioError, classify
from services.twilio.gateway import MessageRequest, TwilioGateway
from tests.conftest import RunningEmulator
from tests.services.conftest import knobs
from tests.support import free_port

TEXT = {"twilio/text": {"body": "Hi {{1}}, your order {{2}} is on its way to you."}}
SAMPLES = {"1": "Ana", "2": "1042"}


async def test_content_is_created_submitted_listed_and_deleted(
    gateway: TwilioGateway, emulator: RunningEmulator
) -> None:
    sid = await gateway.create_content("gateway_check_m1_v1", "en", SAMPLES, TEXT)
    report = await gateway.request_approval(sid, "gateway_check_m1_v1", "UTILITY")
    assert (report.status, report.category) == ("received", "UTILITY")
    assert (await gateway.fetch_approval(sid)).status in ("received", "pending", "approved")
    # Pages of two through every content of the session's emulator: with the contents
    # earlier tests made (the fuzz tests make many), that is more than Twilio's 20 lists
    # a second, a limit tests/emulator/test_faults.py covers.
    await knobs(emulator, content_api_limits=False)
    try:
        listed = await gateway.list_content_and_approvals(page_size=2)
    finally:
        await knobs(emulator, content_api_limits=True)
    assert sid in listed, "found across pages"
    await gateway.delete_content(sid)
    with pytest.raises(TwilioError) as missing:
        await gateway.fetch_approval(sid)
    assert missing.value.status == 404


async def test_messages_are_sent_and_found_again(
    gateway: TwilioGateway, settings: Settings
) -> None:
    sid = await gateway.create_content("gateway_send_m1_v1", "en", SAMPLES, TEXT)
    sent = await gateway.send_message(MessageRequest("+14155550177", sid, {"1": "Ana", "2": "7"}))
    assert sent.sid.startswith(("SM", "MM")) and sent.to == "+14155550177"
    found = await gateway.list_messages("+14155550177", datetime.now(UTC).date())
    assert sent.sid in {m.sid for m in found}


async def test_throttling_is_retryable_with_retry_after(
    gateway: TwilioGateway, emulator: RunningEmulator
) -> None:
    await knobs(emulator, throttle_rate=1.0, retry_after=3)
    try:
        with pytest.raises(TwilioError) as throttled:
            await gateway.fetch_approval("HX" + "0" * 32)
    finally:
        await knobs(emulator, throttle_rate=0.0, retry_after=1)
    assert throttled.value.kind is ErrorKind.RETRYABLE
    assert throttled.value.retry_after == 3
    assert throttled.value.status == 429


async def test_invalid_numbers_are_permanent(gateway: TwilioGateway) -> None:
    sid = await gateway.create_content("gateway_bad_to_m1_v1", "en", SAMPLES, TEXT)
    with pytest.raises(TwilioError) as refused:
        await gateway.send_message(MessageRequest("+14155521211", sid, {"1": "A", "2": "1"}))
    assert (refused.value.code, refused.value.kind) == (21211, ErrorKind.PERMANENT)


def test_classification_follows_the_facts_sheet() -> None:
    assert classify(429, 20429, creates=True) is ErrorKind.RETRYABLE
    assert classify(503, None, creates=True) is ErrorKind.IN_DOUBT
    assert classify(503, None, creates=False) is ErrorKind.RETRYABLE
    assert classify(None, None, creates=True) is ErrorKind.IN_DOUBT
    for code in (21211, 21610, 63024, 63003, 63021, 63016, 63049):
        assert classify(400, code, creates=True) is ErrorKind.PERMANENT
    for code in (63007, 63018, 21655):
        assert classify(400, code, creates=True) is ErrorKind.STOP_SEND
    assert classify(401, 20003, creates=False) is ErrorKind.STOP_SEND


async def _list_calls(gateway: TwilioGateway) -> list[TwilioError]:
    """What each list (paging) call of the gateway raises."""
    failures: list[TwilioError] = []
    for call in (
        lambda: gateway.list_messages("+14155550177", datetime.now(UTC).date()),
        lambda: gateway.list_content_and_approvals(page_size=2),
    ):
        with pytest.raises(TwilioError) as raised:
            await call()
        failures.append(raised.value)
    return failures


async def test_list_calls_classify_throttling(
    gateway: TwilioGateway, emulator: RunningEmulator
) -> None:
    # The SDK checks list pages itself and raises a bare TwilioException on a 429.
    await knobs(emulator, throttle_rate=1.0, retry_after=4)
    try:
        failures = await _list_calls(gateway)
    finally:
        await knobs(emulator, throttle_rate=0.0, retry_after=1)
    for failure in failures:
        assert (failure.status, failure.code) == (429, 20429)
        assert (failure.kind, failure.retry_after) == (ErrorKind.RETRYABLE, 4)


async def test_list_calls_classify_server_errors(
    gateway: TwilioGateway, emulator: RunningEmulator
) -> None:
    await knobs(emulator, error_rate=1.0)
    try:
        failures = await _list_calls(gateway)
    finally:
        await knobs(emulator, error_rate=0.0)
    for failure in failures:
        assert failure.status in (500, 503) and failure.code in (20500, 20503)
        assert failure.kind is ErrorKind.RETRYABLE, "a read creates nothing: not in doubt"


async def test_list_calls_with_wrong_credentials_stop_sending(settings: Settings) -> None:
    wrong = TwilioGateway(settings.model_copy(update={"twilio_auth_token": "not-the-token"}))
    try:
        failures = await _list_calls(wrong)
        with pytest.raises(TwilioError) as refused:
            await wrong.send_message(MessageRequest("+14155550177", "HX" + "0" * 32, {}))
    finally:
        await wrong.close()
    for failure in [*failures, refused.value]:
        assert (failure.status, failure.code, failure.kind) == (401, 20003, ErrorKind.STOP_SEND)
        assert "Unable to fetch page" not in failure.message


async def test_an_unreachable_twilio_sent_nothing(settings: Settings) -> None:
    unreachable = TwilioGateway(
        settings.model_copy(update={"twilio_base_url": f"http://127.0.0.1:{free_port()}"})
    )
    try:
        with pytest.raises(TwilioError) as refused:
            await unreachable.send_message(MessageRequest("+14155550177", "HX" + "0" * 32, {}))
    finally:
        await unreachable.close()
    assert refused.value.status is None and "cannot be reached" in refused.value.message
    assert refused.value.kind is ErrorKind.RETRYABLE, "no connection: not in doubt"
