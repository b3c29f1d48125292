"""Fixtures for service tests that talk to the emulator directly."""

from collections.abc import AsyncIterator

import httpx
import pytest

from services.settings import Settings
from services.twilio.gateway import TwilioGateway
from tests.conftest import RunningEmulator


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[TwilioGateway]:
    """A gateway of the test's own, pointed at the session's emulator."""
    twilio = TwilioGateway(settings)
    yield twilio
    await twilio.close()


async def knobs(emulator: RunningEmulator, **changes: object) -> None:
    async with httpx.AsyncClient(base_url=emulator.url, auth=emulator.credentials) as client:
        (await client.patch("/_emulator/knobs", json=changes)).raise_for_status()
