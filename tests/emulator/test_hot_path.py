"""The hot path of a message create: the latency knob waits without holding the loop."""

from __future__ import annotations

import asyncio
import time

import httpx

from emulator.app import create_app
from emulator.config import EmulatorConfig, Knobs
from emulator.core import Emulator

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2


async def test_latency_waits_without_holding_the_loop() -> None:
    config = EmulatorConfig(account_sid=ACCOUNT_SID, auth_token="t", knobs=Knobs(latency_ms=300))
    emulator = Emulator(config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(emulator)),
        base_url="https://api.twilio.com",
        auth=(ACCOUNT_SID, "t"),
    ) as client:
        started = time.monotonic()
        responses = await asyncio.gather(
            *(client.get(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json") for _ in range(40))
        )
        elapsed = time.monotonic() - started
    await emulator.aclose()
    assert all(response.status_code == 200 for response in responses)
    # 40 requests of 0.3 s each overlap: an asyncio.sleep, not a blocking wait.
    assert 0.3 <= elapsed < 2.0
