"""How many message creates (and status callbacks) a second one emulator process handles.

    .venv/bin/python -m bench.emulator_validation [-n 3000] [--validate all,sample,off]
    .venv/bin/python -m bench.emulator_validation -n 0 --callbacks 3000

Message creates: `POST /2010-04-01/Accounts/{sid}/Messages.json` (form body, HTTP Basic
auth, an approved ContentSid with ContentVariables, as the project's sender sends it)
through the ASGI app with httpx.ASGITransport: no sockets, client and emulator share one
core (the process pins itself to one CPU where it can). The requests are built before the
clock starts (form encoding, URL parsing, the auth header): that is the load generator's
work, done in another process in the real benchmark. No StatusCallback is given, so no
callbacks are sent; `mps` is raised so that the per-sender cap does not hold messages back.
The messages' status lifecycles (a task each) do run, in the same loop.

The floor, measured first in the same run: the same requests to an ASGI app that only
answers 201, i.e. what the client and transport alone allow. Printed per `--validate`
setting: requests a second end to end and as a share of the floor, the emulator's own time
per request (inside the ASGI app) and how many requests openapi-core judged.

`--callbacks N`: N signed status callbacks, as emulator.delivery sends them, to a minimal
keep-alive HTTP sink in another process (on another CPU where there is one). Printed:
callbacks a second, and the emulator process's CPU time per callback.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import json
import os
import sys
import time
import uuid
from urllib.parse import urlencode

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator import delivery
from emulator.app import create_app
from emulator.config import VALIDATIONS, EmulatorConfig, Knobs, Validation
from emulator.core import Emulator
from emulator.state import Message

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench_auth_token"
SENDER = "whatsapp:+15550001111"
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
FORM = "application/x-www-form-urlencoded"
# The header is set on each request: no client-side auth flow to run per request.
_CREDENTIALS = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
HEADERS = {"Authorization": f"Basic {_CREDENTIALS}", "Content-Type": FORM}


class Timed:
    """ASGI middleware adding up the time spent inside the app: the emulator's share.
    Nothing in a message create waits on I/O, so this is CPU time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seconds = 0.0
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


async def _approved_content(client: httpx.AsyncClient, authorization: str) -> str:
    auth = {"Authorization": authorization}
    created = await client.post(
        "/v1/Content",
        headers=auth,
        json={
            "friendly_name": "bench",
            "language": "en",
            "variables": {"1": "Ana"},
            "types": {"twilio/text": {"body": "Hello {{1}}, your order is ready for pickup"}},
        },
    )
    created.raise_for_status()
    sid: str = created.json()["sid"]
    submitted = await client.post(
        f"/v1/Content/{sid}/ApprovalRequests/whatsapp",
        headers=auth,
        json={"name": "bench", "category": "UTILITY"},
    )
    submitted.raise_for_status()
    forced = await client.post(
        f"/_emulator/contents/{sid}/approval",
        headers=auth,
        json={"status": "approved", "immediately": True},
    )
    forced.raise_for_status()
    return sid


def _form(i: int, content_sid: str) -> bytes:
    return urlencode(
        {
            "To": f"whatsapp:+1556{i:07d}",
            "From": SENDER,
            "ContentSid": content_sid,
            "ContentVariables": json.dumps({"1": f"Bob {i}"}),
        }
    ).encode()


async def _answer_201(scope: Scope, receive: Receive, send: Send) -> None:
    """The floor's app: reads the request, answers 201 with a small JSON body."""
    while (await receive()).get("more_body"):
        pass
    headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 201, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


async def _send_all(
    client: httpx.AsyncClient, requests: list[httpx.Request], concurrency: int
) -> float:
    """Seconds to send every request, `concurrency` in flight; each must answer 201."""
    pending = iter(requests)

    async def worker() -> None:
        for request in pending:  # one shared iterator: each request is sent once
            response = await client.send(request)
            if response.status_code != 201:
                raise RuntimeError(f"{response.status_code}: {response.text}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


def _requests(client: httpx.AsyncClient, n: int, content_sid: str) -> list[httpx.Request]:
    return [
        client.build_request(
            "POST", MESSAGES, content=_form(1_000_000 + i, content_sid), headers=HEADERS
        )
        for i in range(n)
    ]


async def floor(n: int, concurrency: int) -> float:
    """Requests a second that the client and transport allow: the ceiling of any app."""
    transport = httpx.ASGITransport(app=_answer_201)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.twilio.com") as client:
        elapsed = await _send_all(client, _requests(client, n, "HX" + "0" * 32), concurrency)
    rate = n / elapsed
    print(f"floor, an app answering 201: {rate:,.0f} requests/second")
    return rate


async def run(n: int, concurrency: int, validation: Validation, floor_rate: float) -> None:
    """N message creates through httpx.ASGITransport; prints the figures."""
    knobs = Knobs(mps=1_000_000.0)
    config = EmulatorConfig(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, validation=validation, knobs=knobs
    )
    emulator = Emulator(config)  # the specs are loaded here, outside the clock
    app = Timed(create_app(emulator))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://api.twilio.com"
    ) as client:
        content_sid = await _approved_content(client, HEADERS["Authorization"])
        for i in range(20):  # warm up (first requests of each operation, caches)
            warm_up = await client.post(MESSAGES, content=_form(i, content_sid), headers=HEADERS)
            warm_up.raise_for_status()
        requests = _requests(client, n, content_sid)
        app.seconds, app.calls, judged = 0.0, 0, emulator.specs.judged
        elapsed = await _send_all(client, requests, concurrency)
        in_app = app.seconds / max(app.calls, 1)
        judged = emulator.specs.judged - judged
    await emulator.aclose()
    rate = n / elapsed
    print(
        f"--validate {validation}: {n} message creates, {rate:,.0f} requests/second "
        f"({rate / floor_rate:.2f} of the floor); judged by openapi-core: {judged}"
    )
    print(f"  emulator (inside the ASGI app): {in_app * 1e6:.0f} us/request, {1 / in_app:,.0f}/s")


async def _sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers 204 to every request of a kept-alive connection, reading as little as it can."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def serve_sink() -> None:
    """`--sink`: serve on a free port, print it, until killed."""
    server = await asyncio.start_server(_sink, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


async def run_callbacks(n: int, concurrency: int) -> None:
    """N status callbacks to a sink in another process; prints the figures."""
    sink = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.emulator_validation", "--sink", stdout=asyncio.subprocess.PIPE
    )
    assert sink.stdout is not None
    port = int(await sink.stdout.readline())
    emulator = Emulator(EmulatorConfig(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN))
    message = Message(
        sid="SM" + "0" * 32,
        account_sid=ACCOUNT_SID,
        to="whatsapp:+15551230001",
        from_=SENDER,
        messaging_service_sid=None,
        body="Hello Bob, your order is ready for pickup",
        content_sid="HX" + "0" * 32,
        status_callback=f"http://127.0.0.1:{port}/twilio/status",
        status="delivered",
        sender=SENDER,
    )
    url = message.status_callback
    assert url is not None
    slots = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with slots:
            params = delivery.callback_params(message)
            await emulator.webhooks.status_callback(url, params, uuid.uuid4().hex)

    try:
        await asyncio.gather(*(one() for _ in range(20)))  # connections opened
        cpu, start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        cpu, elapsed = time.process_time() - cpu, time.perf_counter() - start
        delivered = sum(1 for d in emulator.state.deliveries if d.status == "delivered")
    finally:
        await emulator.aclose()
        sink.kill()
        await sink.wait()
    print(f"{n} status callbacks to a local sink: {n / elapsed:,.0f} callbacks/second")
    print(f"  emulator process CPU: {cpu / n * 1e6:.0f} us/callback; delivered {delivered}")


def _pin(cpu_index: int) -> None:
    """Pin this process to one CPU (the first, or the next one for the sink)."""
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[min(cpu_index, len(cpus) - 1)]})


def _skip_sniffio_lookups() -> None:
    """httpx's ASGITransport runs `import sniffio` on every request to detect trio; when
    sniffio is not installed, each failed import searches sys.path again (~35 us, the
    load generator's cost, not the emulator's). Marking it absent fails the import at once,
    with the same outcome: not trio."""
    if importlib.util.find_spec("sniffio") is None:
        sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=3000, help="message creates to send")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight")
    parser.add_argument(
        "--validate", default=",".join(VALIDATIONS), help="settings to run, comma-separated"
    )
    parser.add_argument("--callbacks", type=int, default=0, help="status callbacks to send")
    parser.add_argument("--sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sink:
        _pin(1)
        asyncio.run(serve_sink())
        return
    _pin(0)
    # Callbacks first: the sniffio shortcut is for httpx's ASGITransport only, and must not
    # speed up webhooks that go through httpx (the emulator before emulator.sender).
    if args.callbacks:
        asyncio.run(run_callbacks(args.callbacks, args.concurrency))
    settings = [v for v in VALIDATIONS if v in args.validate.split(",")]
    if args.n:
        _skip_sniffio_lookups()
        floor_rate = asyncio.run(floor(args.n, args.concurrency))
        for validation in settings:
            asyncio.run(run(args.n, args.concurrency, validation, floor_rate))


if __name__ == "__main__":
    main()
