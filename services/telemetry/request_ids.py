"""The request id: one per HTTP request or webhook, carried through the services into the
job that acts on it, and written on every log line while it is current.

A client's own `X-Request-Id` is kept when it is a sane token (a proxy's id then joins
our lines to its own); anything else gets a fresh one, so a hostile header never reaches a
log line as it was sent."""

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted(given: str | None) -> str:
    """The id a request is known by: the client's when sane, else a new one."""
    return given if given is not None and _SANE.fullmatch(given) else new_request_id()


def current() -> str | None:
    return _current.get()


@contextmanager
def bound(request_id: str | None) -> Iterator[None]:
    """Make `request_id` current for the block (a job acting on a stored request's work)."""
    token = _current.set(request_id)
    try:
        yield
    finally:
        _current.reset(token)


def set_current(request_id: str | None) -> None:
    """Make `request_id` current for the rest of this task (a request's handler)."""
    _current.set(request_id)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record as `request_id` (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True
