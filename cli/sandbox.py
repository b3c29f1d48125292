"""Sandbox mode: with no Twilio credentials, `serve` runs our Twilio emulator in-process
and points the settings at it. Nothing else in the code knows: the gateway only sees a
base URL and credentials, and webhooks arrive signed as Twilio signs them."""

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from services.settings import Settings

SANDBOX_SENDER = "whatsapp:+14155238886"  # Twilio's WhatsApp sandbox number


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def sandbox(settings: Settings) -> AsyncIterator[Settings]:
    from emulator.app import create_app
    from emulator.config import EmulatorConfig, Knobs

    account_sid, auth_token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
    port = settings.sandbox_emulator_port or _free_port("127.0.0.1")
    knobs = Knobs(
        approval_delay=settings.sandbox_approval_delay,
        events_sink=settings.base_url() + "/webhooks/twilio/events",
    )
    app = create_app(EmulatorConfig(account_sid=account_sid, auth_token=auth_token, knobs=knobs))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve(), name="twilio-emulator")
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield settings.model_copy(
            update={
                "twilio_account_sid": account_sid,
                "twilio_auth_token": auth_token,
                "twilio_base_url": f"http://127.0.0.1:{port}",
                "twilio_whatsapp_from": settings.twilio_whatsapp_from or SANDBOX_SENDER,
            }
        )
    finally:
        server.should_exit = True
        await task
