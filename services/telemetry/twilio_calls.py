"""Naming a call to Twilio's API for its metrics: a fixed operation name from the method
and the path's shape, so no account or message sid ever becomes a label value."""

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from services.telemetry import metrics

_SID = r"[A-Z]{2}[0-9a-f]{32}"
# (method, path pattern, operation); the first match names the call.
_OPERATIONS = [
    ("POST", rf"/2010-04-01/Accounts/{_SID}/Messages\.json", "messages.create"),
    ("GET", rf"/2010-04-01/Accounts/{_SID}/Messages\.json", "messages.list"),
    ("GET", rf"/2010-04-01/Accounts/{_SID}/Messages/{_SID}\.json", "messages.fetch"),
    ("POST", r"/v1/Content", "content.create"),
    ("GET", r"/v1/Content", "content.list"),
    ("GET", r"/v1/ContentAndApprovals", "content.list_approvals"),
    ("DELETE", rf"/v1/Content/{_SID}", "content.delete"),
    ("POST", rf"/v1/Content/{_SID}/ApprovalRequests/whatsapp", "approval.create"),
    ("GET", rf"/v1/Content/{_SID}/ApprovalRequests", "approval.fetch"),
    ("POST", r"/2010-04-01/Accounts\.json", "accounts.create"),
    ("GET", rf"/2010-04-01/Accounts/{_SID}\.json", "accounts.fetch"),
    ("POST", rf"/2010-04-01/Accounts/{_SID}\.json", "accounts.update"),
    ("GET", rf"/2010-04-01/Accounts/{_SID}/Keys/{_SID}\.json", "keys.fetch"),
]
_COMPILED = [(method, re.compile(pattern), name) for method, pattern, name in _OPERATIONS]
_PATH = re.compile(r"^[a-z]+://[^/]+(/[^?#]*)")


def operation(method: str, url: str) -> str:
    match = _PATH.match(url)
    path = match.group(1) if match else url
    for wanted, pattern, name in _COMPILED:
        if wanted == method and pattern.fullmatch(path):
            return name
    return metrics.OTHER


class TwilioCall:
    """Times one call; `answered` with its HTTP status, or left as an error."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.status_code: int | None = None

    def answered(self, status_code: int) -> None:
        self.status_code = status_code


@contextmanager
def timed_call(method: str, url: str) -> Iterator[TwilioCall]:
    call = TwilioCall(operation(method.upper(), url))
    started = time.perf_counter()
    try:
        yield call
    finally:
        metrics.twilio_request_duration.labels(call.name).observe(time.perf_counter() - started)
        code = "error" if call.status_code is None else str(call.status_code)
        metrics.twilio_requests.labels(call.name, code).inc()
        if call.status_code == 429:
            metrics.twilio_rate_limited.labels(call.name).inc()
