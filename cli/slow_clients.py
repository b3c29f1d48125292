"""uvicorn's HTTP protocol with a deadline and a size limit on request heads.

uvicorn times out idle keep-alive connections (`timeout_keep_alive`) but waits forever
for a request's headers once its first byte has arrived, and for the first request on a
new connection: a client trickling headers (slowloris) holds a connection, and with
enough of them the server, indefinitely. Here a connection's head must be complete within
`header_timeout` seconds of the connection opening (first request) or of the request's
first byte (later ones), and may not grow past `max_header_bytes`; otherwise the client
gets a 408 or 431 and the connection is closed. (Bodies have their own deadline:
gql/body_limit.py.)
"""

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TOO_LARGE = b"431 Request Header Fields Too Large"


def _respond_and_close(transport: asyncio.Transport, status: bytes, reason: str) -> None:
    # (uvloop's transports are not asyncio.WriteTransport subclasses, hence no isinstance)
    if not transport.is_closing():
        body = reason.encode()
        transport.write(
            b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body
        )
        transport.close()


def guarded_http_protocol(header_timeout: float, max_header_bytes: int) -> type[HttpToolsProtocol]:
    class GuardedHttpProtocol(HttpToolsProtocol):
        _head_timer: asyncio.TimerHandle | None = None
        _head_bytes = 0
        _in_head = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._start_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._start_head()

        def on_headers_complete(self) -> None:
            self._stop_head()
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._in_head:  # what arrived did not finish the head
                self._head_bytes += len(data)
                if self._head_bytes > max_header_bytes:
                    self._stop_head()
                    reason = f"Request headers over {max_header_bytes} bytes."
                    _respond_and_close(
                        self.transport, b"431 Request Header Fields Too Large", reason
                    )

        def _start_head(self) -> None:
            if not self._in_head:
                self._in_head, self._head_bytes = True, 0
                self._head_timer = self.loop.call_later(header_timeout, self._head_timed_out)

        def _stop_head(self) -> None:
            self._in_head = False
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer, self._in_head = None, False
            reason = f"Request headers not received within {header_timeout:g} seconds."
            _respond_and_close(self.transport, b"408 Request Timeout", reason)

    return GuardedHttpProtocol
