"""Running `campaigns serve` as real server processes, as a cluster would."""

import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from tests.support import EMULATOR_SID, EMULATOR_TOKEN, free_port


@dataclass
class ServerProcess:
    process: asyncio.subprocess.Process
    url: str
    log: Path  # its stderr: a pipe nobody reads would block the server once full

    def log_tail(self, size: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-size:]

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as a crash or an OOM kill."""
        self.process.send_signal(signal.SIGKILL)


def server_env(
    database_url: str, emulator_url: str, public_url: str, **extra: str
) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": EMULATOR_SID,
        "TWILIO_AUTH_TOKEN": EMULATOR_TOKEN,
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_BASE_URL": emulator_url,
        "PUBLIC_URL": public_url,
        "CAMPAIGNS_SUBMIT_DEFAULT_TEMPLATES": "false",
        "CAMPAIGNS_LOG_LEVEL": "warning",
        **extra,
    }


@asynccontextmanager
async def server_process(
    database_url: str,
    emulator_url: str,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[ServerProcess]:
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log, log_file = _log_file(port)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--port",
        str(port),
        env=server_env(database_url, emulator_url, url, **(env or {})),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log_file,
    )
    server = ServerProcess(process, url, log)
    try:
        await _until_healthy(server)
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


def _log_file(port: int) -> tuple[Path, BinaryIO]:
    descriptor, name = tempfile.mkstemp(prefix=f"campaigns-serve-{port}-", suffix=".log")
    return Path(name), os.fdopen(descriptor, "wb")


async def _until_healthy(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(300):
            if server.process.returncode is not None:
                raise AssertionError(f"server exited: {server.log_tail()}")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("server did not become healthy in 15 s")
