"""`emulator.cli.run` flags, and `campaigns emulator` forwarding to it."""

from __future__ import annotations

import pytest

from cli.main import main
from emulator import cli


def test_flags_become_config() -> None:
    args = cli.parser().parse_args(
        ["--port", "5000", "--account-sid", "AC" + "1" * 32, "--auth-token", "tok",
         "--events-sink", "http://127.0.0.1:9000/events", "--approval-delay", "0.5",
         "--latency-ms", "20", "--error-rate", "0.1", "--throttle-rate", "0.2",
         "--timeout-rate", "0.3", "--mps", "7"]
    )  # fmt: skip
    config = cli.config_from(args)
    knobs = config.knobs
    assert (config.account_sid, config.auth_token, args.port, args.host) == (
        "AC" + "1" * 32,
        "tok",
        5000,
        "127.0.0.1",
    )
    assert (knobs.approval_delay, knobs.latency_ms, knobs.mps) == (0.5, 20, 7)
    assert (knobs.error_rate, knobs.throttle_rate, knobs.timeout_rate) == (0.1, 0.2, 0.3)
    assert knobs.events_sink == "http://127.0.0.1:9000/events"


def test_rates_must_be_shares() -> None:
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["--error-rate", "1.5"])


def test_campaigns_emulator_forwards_every_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    received: list[list[str]] = []

    def run(argv: list[str]) -> int:
        received.append(argv)
        return 0

    monkeypatch.setattr(cli, "run", run)
    assert main(["emulator", "--port", "4999", "--mps", "3"]) == 0
    assert received == [["--port", "4999", "--mps", "3"]]


def test_meta_flags_become_knobs() -> None:
    args = cli.parser().parse_args(
        ["--marketing-cap", "2", "--marketing-cap-window", "60", "--us-marketing-blocked",
         "--block-rate", "0.1"]
    )  # fmt: skip
    knobs = cli.config_from(args).knobs
    assert (knobs.marketing_cap_per_person, knobs.marketing_cap_window) == (2, 60)
    assert (knobs.us_marketing_blocked, knobs.block_rate) == (True, 0.1)
    defaults = cli.config_from(cli.parser().parse_args([])).knobs
    assert (defaults.marketing_cap_per_person, defaults.us_marketing_blocked) == (None, False)
    assert (defaults.marketing_cap_window, defaults.block_rate) == (86400, 0)
