"""emulator.sender, the webhooks' HTTP client: what it sends, and how it keeps, drops and
gives up on connections."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import h11
import pytest

from emulator.sender import Sender, SendError

Answer = Callable[[h11.Request, bytes], Awaitable[list[Any] | None]]


@dataclass
class Server:
    """A local HTTP/1.1 server: records requests and connections, answers with `answer`
    (h11 events to send; None: send nothing)."""

    answer: Answer
    port: int = 0
    connections: int = 0
    requests: list[tuple[h11.Request, bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        connection = h11.Connection(our_role=h11.SERVER)
        try:
            while True:
                request, body = None, b""
                while True:
                    event = connection.next_event()
                    if event is h11.NEED_DATA:
                        connection.receive_data(await reader.read(65536))
                    elif isinstance(event, h11.Request):
                        request = event
                    elif isinstance(event, h11.Data):
                        body += event.data
                    elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                        break
                if request is None:
                    return
                self.requests.append((request, body))
                events = await self.answer(request, body)
                if events is None:
                    await asyncio.sleep(3600)
                    return
                for out in events:
                    if out == "close":
                        return
                    writer.write(connection.send(out) or b"")
                await writer.drain()
                if connection.our_state is not h11.DONE or connection.their_state is not h11.DONE:
                    return
                connection.start_next_cycle()
        except (ConnectionError, h11.ProtocolError):
            return
        finally:
            writer.close()


async def no_content(request: h11.Request, body: bytes) -> list[Any]:
    return [h11.Response(status_code=204, headers=[]), h11.EndOfMessage()]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Answer], Awaitable[Server]]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> Server:
        server = Server(answer)
        listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        server.port = listening.sockets[0].getsockname()[1]
        servers.append(listening)
        return server

    yield start
    for listening in servers:
        listening.close()


async def test_posts_on_one_kept_alive_connection(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    server = await serve(no_content)
    sender = Sender()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "s"}
    for i in range(3):
        status = await sender.post(f"{server.url}/hook?n={i}", f"a={i}".encode(), headers)
        assert status == 204
    await sender.aclose()
    assert server.connections == 1
    request, body = server.requests[-1]
    assert (request.method, request.target, body) == (b"POST", b"/hook?n=2", b"a=2")
    sent = {name.decode(): value.decode() for name, value in request.headers}
    assert sent["host"] == f"127.0.0.1:{server.port}"
    assert sent["content-length"] == "3"
    assert sent["x-twilio-signature"] == "s"
    assert sent["content-type"] == "application/x-www-form-urlencoded"


async def test_statuses_bodies_and_a_closing_server(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    async def closing(request: h11.Request, body: bytes) -> list[Any]:
        # A chunked body, then `Connection: close`: the next POST needs a new connection.
        headers = [("Transfer-Encoding", "chunked"), ("Connection", "close")]
        return [
            h11.Response(status_code=500, headers=headers),
            h11.Data(data=b"oops"),
            h11.EndOfMessage(),
        ]

    server = await serve(closing)
    sender = Sender()
    assert await sender.post(server.url + "/", b"x", {}) == 500
    assert await sender.post(server.url + "/", b"x", {}) == 500
    assert server.connections == 2
    await sender.aclose()


async def test_an_idle_connection_the_server_closed_is_not_reused(
    serve: Callable[[Answer], Awaitable[Server]],
) -> None:
    async def answer_then_hang_up(request: h11.Request, body: bytes) -> list[Any]:
        return [h11.Response(status_code=200, headers=[("Content-Length", "0")]), "close"]

    server = await serve(answer_then_hang_up)
    sender = Sender()
    assert await sender.post(server.url + "/", b"x", {}) == 200
    await asyncio.sleep(0.05)  # the close reaches the client
    assert await sender.post(server.url + "/", b"x", {}) == 200
    assert server.connections == 2
    await sender.aclose()


async def test_urls_as_httpx_reads_them(serve: Callable[[Answer], Awaitable[Server]]) -> None:
    server = await serve(no_content)
    sender = Sender()
    url = f"http://user:p%40ss@127.0.0.1:{server.port}/a b/é?q=1 2"
    assert await sender.post(url, b"", {}) == 204
    request, _ = server.requests[0]
    assert request.target == b"/a%20b/%C3%A9?q=1%202"
    sent = dict(request.headers)
    assert sent[b"authorization"] == b"Basic " + base64.b64encode(b"user:p@ss")
    assert sent[b"host"] == f"127.0.0.1:{server.port}".encode()
    await sender.aclose()


async def test_failures_are_named(serve: Callable[[Answer], Awaitable[Server]]) -> None:
    async def never(request: h11.Request, body: bytes) -> None:
        return None

    silent = await serve(never)
    sender = Sender(timeout=0.2)
    with pytest.raises(SendError, match="ReadTimeout"):
        await sender.post(silent.url + "/", b"x", {})
    listening = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    listening.close()
    await listening.wait_closed()
    with pytest.raises(SendError, match="ConnectError"):
        await sender.post(f"http://127.0.0.1:{port}/", b"x", {})
    with pytest.raises(SendError, match="UnsupportedProtocol"):
        await sender.post("ftp://127.0.0.1/", b"x", {})
    await sender.aclose()
