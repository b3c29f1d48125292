"""Sandbox mode: with no Twilio credentials, `serve` runs our Twilio emulator in-process
and points the settings at it. Nothing else in the code knows: the gateway only sees a
base URL and credentials, and webhooks arrive signed as Twilio signs them.

The sandbox lives in the data directory: its account (`sandbox.json`, which also says
where the running emulator listens, for `campaigns sandbox reply|status`) and the
emulator's state (`sandbox-emulator.sqlite3`: templates, approvals, messages), so a
restart finds every template approved before."""

import asyncio
import json
import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import SecretStr

from services.settings import Settings

SANDBOX_SENDER = "whatsapp:+14155238886"  # Twilio's WhatsApp sandbox number
INBOUND_PATH = "/webhooks/twilio/messages/inbound"


def sandbox_file(data_dir: Path) -> Path:
    return data_dir / "sandbox.json"


def state_file(data_dir: Path) -> Path:
    return data_dir / "sandbox-emulator.sqlite3"


def read_sandbox_file(data_dir: Path) -> dict[str, Any] | None:
    try:
        saved: dict[str, Any] = json.loads(sandbox_file(data_dir).read_text())
    except (OSError, ValueError):
        return None
    return saved


def _write_sandbox_file(data_dir: Path, content: dict[str, Any]) -> None:
    """Atomically, readable by its owner only: it holds the sandbox's auth token."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = sandbox_file(data_dir)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(content, file, indent=2)
    os.replace(temporary, path)


def credentials_key(data_dir: Path) -> str:
    """The sandbox's Fernet key for merchants' Twilio credentials, made once per data
    directory (mode 0600) when CAMPAIGNS_CREDENTIALS_KEY is not set: a new key would make
    the credentials stored before unreadable."""
    from cryptography.fernet import Fernet

    path = data_dir / "credentials.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    try:
        os.link(temporary, path)  # never replaces a key another process made meanwhile
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        os.unlink(temporary)
    return key


def _account(data_dir: Path) -> tuple[str, str]:
    """The sandbox's account, made once per data directory: the emulator's state belongs
    to it, so a new one would orphan every template approved before."""
    saved = read_sandbox_file(data_dir) or {}
    if saved.get("account_sid") and saved.get("auth_token"):
        return str(saved["account_sid"]), str(saved["auth_token"])
    account_sid, auth_token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
    _write_sandbox_file(data_dir, {"account_sid": account_sid, "auth_token": auth_token})
    return account_sid, auth_token


def _emulator_server(settings: Settings, account_sid: str, auth_token: str) -> uvicorn.Server:
    from emulator.app import create_app
    from emulator.config import EmulatorConfig, Knobs

    knobs = Knobs(
        approval_delay=settings.sandbox_approval_delay,
        status_delay=settings.sandbox_status_delay,
        events_sink=settings.base_url() + "/webhooks/twilio/events",
        inbound_url=settings.base_url() + INBOUND_PATH,
    )
    config = EmulatorConfig(
        account_sid=account_sid,
        auth_token=auth_token,
        knobs=knobs,
        state_path=state_file(settings.data_dir),
    )
    return uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            log_level="warning",
            log_config=None,  # the logging set up by `campaigns` (cli.serve)
            access_log=settings.access_log,
            lifespan="on",
        )
    )


def sandbox_settings(
    settings: Settings, account_sid: str, auth_token: str, emulator_url: str
) -> Settings:
    """The settings pointed at the sandbox's emulator, as a Twilio of its own."""
    return settings.model_copy(
        update={
            "twilio_account_sid": account_sid,
            "twilio_auth_token": auth_token,
            "twilio_base_url": emulator_url,
            "twilio_whatsapp_from": settings.twilio_whatsapp_from or SANDBOX_SENDER,
            "credentials_key": settings.credentials_key
            or SecretStr(credentials_key(settings.data_dir)),
        }
    )


def running_sandbox_settings(settings: Settings) -> Settings | None:
    """The settings of the sandbox running for this data directory, if one answers."""
    import httpx

    saved = read_sandbox_file(settings.data_dir) or {}
    sid, token, url = (saved.get(k) for k in ("account_sid", "auth_token", "emulator_url"))
    if not (sid and token and url):
        return None
    try:
        response = httpx.get(f"{url}/_emulator/health", auth=(sid, token), timeout=2)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return sandbox_settings(settings, str(sid), str(token), str(url))


@asynccontextmanager
async def sandbox(settings: Settings, listener: socket.socket) -> AsyncIterator[Settings]:
    """The emulator served on `listener` (bound by the caller, who reported a taken port)."""
    account_sid, auth_token = _account(settings.data_dir)
    port = listener.getsockname()[1]
    emulator_url = f"http://127.0.0.1:{port}"
    server = _emulator_server(settings, account_sid, auth_token)
    task = asyncio.create_task(server.serve(sockets=[listener]), name="twilio-emulator")
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    effective = sandbox_settings(settings, account_sid, auth_token, emulator_url)
    _write_sandbox_file(
        settings.data_dir,
        {
            "account_sid": account_sid,
            "auth_token": auth_token,
            "emulator_url": emulator_url,
            "sender": effective.twilio_whatsapp_from,
            "pid": os.getpid(),
        },
    )
    try:
        yield effective
    finally:
        server.should_exit = True
        await task
