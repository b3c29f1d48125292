"""`python -m emulator` / `campaigns emulator`: serve the Twilio emulator on 127.0.0.1."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emulator.config import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    SPECS_ENV,
    VALIDATIONS,
    EmulatorConfig,
    Knobs,
)


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="emulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4010)
    p.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    p.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    p.add_argument("--events-sink", help="URL that receives Event Streams events (JSON)")
    p.add_argument("--inbound-url", help="the sender's webhook for incoming messages (form)")
    p.add_argument(
        "--state", type=Path, help="SQLite file keeping subaccounts, contents, approvals, messages"
    )
    p.add_argument("--specs", type=Path, help=f"Twilio OpenAPI specs folder (or ${SPECS_ENV})")
    p.add_argument(
        "--validate",
        choices=VALIDATIONS,
        default="all",
        help="requests checked against the specs: all, a sample, or none",
    )
    p.add_argument("--seed", type=int, help="fix the fault dice")
    p.add_argument("--approval-delay", type=_non_negative, default=1.0, help="seconds per step")
    p.add_argument("--status-delay", type=_non_negative, default=0.2, help="seconds per status")
    p.add_argument("--latency-ms", type=_non_negative, default=0.0)
    p.add_argument("--error-rate", type=_share, default=0.0, help="share of 5xx answers")
    p.add_argument("--throttle-rate", type=_share, default=0.0, help="share of 429 answers")
    p.add_argument("--retry-after", type=int, default=1, help="Retry-After of a 429, seconds")
    p.add_argument("--timeout-rate", type=_share, default=0.0, help="share of creates timing out")
    p.add_argument("--timeout-mode", choices=("delay", "drop"), default="delay")
    p.add_argument("--timeout-seconds", type=_non_negative, default=30.0)
    p.add_argument("--mps", type=float, default=80.0, help="messages per second per sender")
    p.add_argument(
        "--duplicate-rate", type=_share, default=0.0, help="share of callbacks sent twice"
    )
    p.add_argument("--reorder-rate", type=_share, default=0.0, help="share of messages reordered")
    p.add_argument(
        "--marketing-cap", type=int, help="marketing messages per person per window (Meta's cap)"
    )
    p.add_argument(
        "--marketing-cap-window", type=_non_negative, default=86400.0, help="the cap's seconds"
    )
    p.add_argument(
        "--us-marketing-blocked", action="store_true", help="no marketing template to +1 numbers"
    )
    p.add_argument("--block-rate", type=_share, default=0.0, help="share of people who blocked")
    p.add_argument("--log-level", default="info")
    return p


def config_from(args: argparse.Namespace) -> EmulatorConfig:
    knobs = Knobs(
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        throttle_rate=args.throttle_rate,
        retry_after=args.retry_after,
        timeout_rate=args.timeout_rate,
        timeout_mode=args.timeout_mode,
        timeout_seconds=args.timeout_seconds,
        mps=args.mps,
        approval_delay=args.approval_delay,
        status_delay=args.status_delay,
        duplicate_rate=args.duplicate_rate,
        reorder_rate=args.reorder_rate,
        events_sink=args.events_sink,
        inbound_url=args.inbound_url,
        marketing_cap_per_person=args.marketing_cap,
        marketing_cap_window=args.marketing_cap_window,
        us_marketing_blocked=args.us_marketing_blocked,
        block_rate=args.block_rate,
    )
    return EmulatorConfig(
        account_sid=args.account_sid,
        auth_token=args.auth_token,
        specs_dir=args.specs,
        seed=args.seed,
        state_path=args.state,
        validation=args.validate,
        knobs=knobs,
    )


def run(argv: list[str] | None = None) -> int:
    import uvicorn

    from emulator.app import create_app
    from emulator.store import StateFileError

    args = parser().parse_args(argv)
    if args.mps <= 0:
        parser().error("--mps must be positive")
    if args.marketing_cap is not None and args.marketing_cap < 0:
        parser().error("--marketing-cap must not be negative")
    if args.marketing_cap_window <= 0:
        parser().error("--marketing-cap-window must be positive")
    config = config_from(args)
    try:
        app = create_app(config)
    except StateFileError as error:
        print(f"emulator: {error}", file=sys.stderr)
        return 1
    print(
        f"Twilio emulator on http://{args.host}:{args.port}  "
        f"account {config.account_sid}  token {config.auth_token}  "
        f"admin: curl -u {config.account_sid}:{config.auth_token} "
        f"http://{args.host}:{args.port}/_emulator/knobs",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0
