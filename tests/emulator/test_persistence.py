"""`--state PATH`: contents, approvals and messages outlive the emulator's process, and
reviews and messages on their way go on after a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from emulator.app import create_app
from emulator.config import EmulatorConfig
from emulator.store import StateFileError
from services.twilio.http_client import AsyncRewritingHttpClient
from tests.emulator.conftest import ACCOUNT_SID, AUTH_TOKEN, FAST, Sink
from tests.emulator.support import approval_status, create_text, send, submit, wait_for_status
from tests.support import serve


@asynccontextmanager
async def emulator_with_state(
    path: Path, sink: Sink, approval_delay: float = 0.05, account_sid: str = ACCOUNT_SID
) -> AsyncIterator[Client]:
    knobs = replace(FAST, approval_delay=approval_delay, events_sink=f"{sink.url}/events")
    config = EmulatorConfig(
        account_sid=account_sid, auth_token=AUTH_TOKEN, knobs=knobs, state_path=path
    )
    async with serve(create_app(config)) as url:
        client = AsyncRewritingHttpClient(url, timeout=10)
        try:
            yield Client(account_sid, AUTH_TOKEN, http_client=client)
        finally:
            await client.close()


async def test_an_approved_template_sends_after_a_restart(tmp_path: Path, sink: Sink) -> None:
    state = tmp_path / "emulator.sqlite3"
    async with emulator_with_state(state, sink) as twilio:
        content = await create_text(twilio)
        await submit(twilio, content.sid, "kept_template")
        await wait_for_status(twilio, content.sid, "approved")
        first = await send(twilio, "whatsapp:+15551239001", content.sid, f"{sink.url}/s")
        await sink.wait_for(lambda: len(sink.callbacks(first.sid)) == 3)
    assert state.stat().st_mode & 0o777 == 0o600

    async with emulator_with_state(state, sink) as twilio:
        assert (await approval_status(twilio, content.sid))["status"] == "approved"
        again = await twilio.messages(first.sid).fetch_async()
        assert (again.status, again.body) == ("read", first.body)
        second = await send(twilio, "whatsapp:+15551239002", content.sid, f"{sink.url}/s")
        await sink.wait_for(lambda: len(sink.callbacks(second.sid)) == 3)
        listed = await twilio.messages.list_async(limit=10)
        assert [m.sid for m in listed] == [second.sid, first.sid], "newest first, as before"
        await twilio.content.v1.contents(content.sid).delete_async()

    async with emulator_with_state(state, sink) as twilio:
        with pytest.raises(TwilioRestException) as deleted:
            await twilio.content.v1.contents(content.sid).fetch_async()
        assert deleted.value.status == 404
        # The deleted template's name stays blocked for 30 days, restart or not.
        other = await create_text(twilio)
        await submit(twilio, other.sid, "kept_template")
        rejected = await wait_for_status(twilio, other.sid, "approved", "rejected")
        assert rejected["status"] == "rejected"


async def test_a_review_in_progress_goes_on_after_a_restart(tmp_path: Path, sink: Sink) -> None:
    state = tmp_path / "emulator.sqlite3"
    async with emulator_with_state(state, sink, approval_delay=0.5) as twilio:
        content = await create_text(twilio)
        await submit(twilio, content.sid, "interrupted_review")
        assert (await approval_status(twilio, content.sid))["status"] == "received"
    async with emulator_with_state(state, sink, approval_delay=0.5) as twilio:
        await wait_for_status(twilio, content.sid, "approved", within=5)
        await sink.wait_for(
            lambda: (
                [e["data"]["template"]["currentValue"] for e in sink.events()][-2:]
                == ["pending", "approved"]
            )
        )


async def test_a_state_file_of_another_account_is_refused(tmp_path: Path, sink: Sink) -> None:
    state = tmp_path / "emulator.sqlite3"
    async with emulator_with_state(state, sink):
        pass
    other = "AC" + "f" * 32
    with pytest.raises(StateFileError, match="holds the state of account"):
        create_app(EmulatorConfig(account_sid=other, auth_token=AUTH_TOKEN, state_path=state))
