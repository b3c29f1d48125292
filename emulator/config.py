"""Start-up configuration and the fault knobs that the admin API can change at run time."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

SPECS_ENV = "TWILIO_EMULATOR_SPECS"
BUNDLED_SPECS = Path(__file__).resolve().parent / "specs"
DEFAULT_ACCOUNT_SID = "AC" + "deadbeef" * 4
DEFAULT_AUTH_TOKEN = "emulator_auth_token"

TimeoutMode = Literal["delay", "drop"]
# How many requests openapi-core judges against the specs (emulator.openapi).
Validation = Literal["all", "sample", "off"]
VALIDATIONS: tuple[Validation, ...] = ("all", "sample", "off")


@dataclass
class Knobs:
    """Everything a test may want to change between two requests. Rates are shares 0..1."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    retry_after: int = 1  # seconds, sent in Retry-After with every 429
    content_api_limits: bool = True  # 100/s create and fetch, 20/s lists, else 429
    timeout_rate: float = 0.0
    timeout_mode: TimeoutMode = "delay"
    timeout_seconds: float = 30.0  # how long a "delay" timeout holds the answer back
    mps: float = 80.0  # per sender, Twilio's default WhatsApp throughput
    max_queue_seconds: float = 4 * 3600.0  # Twilio's queue limit; past it: failed 30001
    approval_delay: float = 1.0  # seconds per approval step (received->pending->final)
    status_delay: float = 0.2  # seconds between two message statuses
    duplicate_rate: float = 0.0  # share of status callbacks sent twice
    reorder_rate: float = 0.0  # share of messages whose callbacks arrive in reverse order
    event_retries: int = 3  # Event Streams retries a sink; status callbacks are not retried
    event_retry_delay: float = 0.5
    events_sink: str | None = None
    inbound_url: str | None = None  # the sender's webhook for incoming messages
    # Meta's judgement (emulator.meta). The marketing cap: at most this many MARKETING
    # template messages reach one person (To number, all accounts) per window; None: no cap.
    marketing_cap_per_person: int | None = None
    marketing_cap_window: float = 24 * 3600.0  # seconds, sliding
    us_marketing_blocked: bool = False  # no MARKETING template reaches +1 numbers (63049)
    block_rate: float = 0.0  # share of (sender, person) pairs where the person blocked it

    def update(self, changes: dict[str, Any]) -> Knobs:
        """A copy with `changes` applied; ValueError names the first bad key or value."""
        known = {f.name: f for f in fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown knob {key!r}")
            _check_knob(key, value)
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_RATES = {
    "error_rate",
    "throttle_rate",
    "timeout_rate",
    "duplicate_rate",
    "reorder_rate",
    "block_rate",
}
_INTS = {"retry_after", "event_retries", "marketing_cap_per_person"}
_BOOLS = {"content_api_limits", "us_marketing_blocked"}
_POSITIVE = {"mps", "marketing_cap_window"}


def _check_knob(key: str, value: Any) -> None:
    if key in ("events_sink", "inbound_url"):
        if value is not None and not (isinstance(value, str) and value.startswith("http")):
            raise ValueError(f"{key} must be an http(s) URL or null")
        return
    if key in _BOOLS:
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        return
    if key == "marketing_cap_per_person" and value is None:
        return
    if key == "timeout_mode":
        if value not in ("delay", "drop"):
            raise ValueError("timeout_mode must be 'delay' or 'drop'")
        return
    # bool is an int subclass: refuse it explicitly so `true` is not read as 1
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    if key in _INTS and not isinstance(value, int):
        raise ValueError(f"{key} must be an integer")
    if value < 0 or (key in _RATES and value > 1):
        raise ValueError(f"{key} out of range")
    if key in _POSITIVE and value == 0:
        raise ValueError(f"{key} must be positive")


@dataclass
class EmulatorConfig:
    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    specs_dir: Path | None = None  # None: see `resolve_specs_dir`
    seed: int | None = None  # fixes the fault dice, for reproducible runs
    # A SQLite file keeping contents, approvals and messages across restarts (emulator.store).
    state_path: Path | None = None
    validation: Validation = "all"
    knobs: Knobs = field(default_factory=Knobs)


def resolve_specs_dir(explicit: Path | None = None) -> Path:
    """The flag, else $TWILIO_EMULATOR_SPECS, else the copies shipped in `emulator/specs`
    (Twilio's OpenAPI specs, MIT-licensed; see the LICENSE beside them)."""
    if explicit is not None:
        candidate = explicit
    elif os.environ.get(SPECS_ENV):
        candidate = Path(os.environ[SPECS_ENV])
    else:
        candidate = BUNDLED_SPECS
    if (candidate / "twilio_api_v2010.json").is_file():
        return candidate
    raise FileNotFoundError(f"Twilio OpenAPI specs not found in {candidate}; set {SPECS_ENV}")
