"""The HTTP client of outgoing webhooks: POSTs over HTTP/1.1, connections kept alive per
origin, on asyncio streams with h11 (the protocol library under httpx).

Why not httpx.AsyncClient: in this environment one POST through it costs 1-2.5 ms of CPU.
httpcore's pool re-examines every connection (a `poll()` and anyio attribute lookups each,
and an idle count that is quadratic in the pool size) whenever a request starts or ends,
retries requests internally, and with anyio 4 and no sniffio installed, every lock it
creates runs a failing `import sniffio` again. One emulator process then delivers fewer than
1,000 callbacks a second, a third of what 1,000 messages a second need; this sends one for
~0.1 ms.

Kept from the httpx client it replaces: URLs parsed by httpx.URL (same encoding of paths,
IDNA hosts, `user:password@` sent as Basic auth), certificates checked against certifi's
bundle, no redirects followed, at most 100 connections at a time (a POST waits for one, at
most `timeout` seconds), 20 kept alive per origin, `timeout` seconds per POST. Environment
proxies are not used.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import h11
import httpx

MAX_CONNECTIONS = 100
MAX_IDLE_PER_ORIGIN = 20
_URL_CACHE_SIZE = 1024  # distinct webhook URLs parsed once (sinks are few)


class SendError(Exception):
    """A POST that got no HTTP answer; the name says how (ConnectError, ReadTimeout...)."""

    def __init__(self, kind: str, detail: object) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@dataclass(frozen=True)
class _Target:
    """A URL as httpx reads it, worked out once per URL."""

    scheme: str
    host: str
    port: int
    host_header: str
    path: bytes  # path and query, encoded
    authorization: str | None


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(our_role=h11.CLIENT)

    def usable(self) -> bool:
        """Still open on both sides: an idle peer may have closed it meanwhile."""
        return not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        self.writer.close()

    async def post(self, target: _Target, headers: Mapping[str, str], body: bytes) -> int:
        """The response's status; the response body is read and dropped."""
        request_headers = [("Host", target.host_header), ("Accept", "*/*")]
        request_headers += list(headers.items())
        if target.authorization is not None:
            request_headers.append(("Authorization", target.authorization))
        request_headers.append(("Content-Length", str(len(body))))
        out = self.h11.send(h11.Request(method="POST", target=target.path, headers=request_headers))
        out = (out or b"") + (self.h11.send(h11.Data(data=body)) or b"")
        out += self.h11.send(h11.EndOfMessage()) or b""
        self.writer.write(out)
        await self.writer.drain()
        status = 0
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                self.h11.receive_data(await self.reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.EndOfMessage):
                return status
            elif isinstance(event, h11.ConnectionClosed):
                raise h11.RemoteProtocolError("Server disconnected without a response")

    def reusable(self) -> bool:
        """After a whole exchange, whether both sides keep the connection open."""
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
            return True
        return False


class Sender:
    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self._idle: dict[tuple[str, str, int], deque[_Connection]] = {}
        self._targets: dict[str, _Target] = {}
        self._tls: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST `body` to `url`; the HTTP status, or SendError when there is none."""
        target = self._target(url)
        try:
            async with asyncio.timeout(self.timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise SendError("PoolTimeout", "no connection free in time") from None
        try:
            return await self._post(target, headers, body)
        finally:
            self._slots.release()

    async def _post(self, target: _Target, headers: Mapping[str, str], body: bytes) -> int:
        connection = self._take_idle(target)
        if connection is None:
            try:
                async with asyncio.timeout(self.timeout):
                    reader, writer = await asyncio.open_connection(
                        target.host,
                        target.port,
                        ssl=self._tls_context() if target.scheme == "https" else None,
                        server_hostname=target.host if target.scheme == "https" else None,
                    )
            except TimeoutError:
                raise SendError("ConnectTimeout", f"no connection in {self.timeout} s") from None
            except OSError as error:
                raise SendError("ConnectError", error) from None
            connection = _Connection(reader, writer)
        # As httpx, a POST is not sent again when its connection fails (the peer may have
        # had it): a callback is delivered at most once.
        try:
            async with asyncio.timeout(self.timeout):
                status = await connection.post(target, headers, body)
        except TimeoutError:
            connection.close()
            raise SendError("ReadTimeout", f"no answer in {self.timeout} s") from None
        except h11.ProtocolError as error:
            connection.close()
            raise SendError("RemoteProtocolError", error) from None
        except OSError as error:
            connection.close()
            raise SendError("ReadError", error) from None
        except BaseException:
            connection.close()
            raise
        if connection.reusable():
            pool = self._idle.setdefault((target.scheme, target.host, target.port), deque())
            if len(pool) < MAX_IDLE_PER_ORIGIN:
                pool.append(connection)
                return status
        connection.close()
        return status

    def _take_idle(self, target: _Target) -> _Connection | None:
        pool = self._idle.get((target.scheme, target.host, target.port))
        while pool:
            connection = pool.pop()  # the most recently used: the least likely to be stale
            if connection.usable():
                return connection
            connection.close()
        return None

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            import certifi  # httpx's own trust store

            self._tls = ssl.create_default_context(cafile=certifi.where())
        return self._tls

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            target = _parse(url)
            if len(self._targets) >= _URL_CACHE_SIZE:
                self._targets.clear()
            self._targets[url] = target
        return target

    async def aclose(self) -> None:
        for pool in self._idle.values():
            for connection in pool:
                connection.close()
        self._idle.clear()


def _parse(url: str) -> _Target:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise SendError("InvalidURL", error) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise SendError("UnsupportedProtocol", f"cannot POST to {url!r}")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    authorization = None
    if parsed.userinfo:
        credentials = f"{parsed.username}:{parsed.password}".encode()
        authorization = "Basic " + base64.b64encode(credentials).decode()
    return _Target(
        scheme=parsed.scheme,
        host=parsed.raw_host.decode("ascii"),
        port=port,
        host_header=parsed.netloc.decode("ascii").rpartition("@")[2],
        path=parsed.raw_path,
        authorization=authorization,
    )
