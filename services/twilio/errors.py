"""Twilio failures as our own typed errors, classified as the facts sheet's table says."""

from dataclasses import dataclass
from enum import StrEnum


class ErrorKind(StrEnum):
    RETRYABLE = "retryable"  # back off with jitter and try again (429, 5xx on reads)
    IN_DOUBT = "in_doubt"  # the message may exist: look before sending again
    PERMANENT = "permanent"  # this lead (or this request) will never succeed
    STOP_SEND = "stop_send"  # configuration or sender problem: pause the whole send


# Twilio error codes -> what a sender does about them.
_PERMANENT = {21211, 21610, 21656, 63016, 63021, 63024, 63003, 63049}
_STOP = {21655, 63007, 63018, 20003, 20401}

OPTED_OUT = 21610
TOO_MANY_REQUESTS = 20429


@dataclass
class TwilioError(Exception):
    message: str
    status: int | None = None  # HTTP status, None when no answer arrived
    code: int | None = None  # Twilio's error code
    retry_after: float | None = None  # seconds, from Retry-After
    kind: ErrorKind = ErrorKind.PERMANENT

    def __str__(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"Twilio error{code} (HTTP {self.status}): {self.message}"


def classify(status: int | None, code: int | None, *, creates: bool) -> ErrorKind:
    """`creates`: the request may have created something (a message) before failing."""
    if code in _STOP or status in (401, 403):
        return ErrorKind.STOP_SEND
    if code in _PERMANENT:
        return ErrorKind.PERMANENT
    if status == 429 or code == TOO_MANY_REQUESTS:
        return ErrorKind.RETRYABLE
    if status is None or status >= 500:
        return ErrorKind.IN_DOUBT if creates else ErrorKind.RETRYABLE
    return ErrorKind.PERMANENT
