"""The Grafana dashboard in the repository (`campaigns dashboard`) charts only metrics
the server exports, by labels they have."""

import json
import re
import subprocess
import sys

from prometheus_client import REGISTRY

from cli.main import DASHBOARD
from services.telemetry import metrics

METRIC = re.compile(r"\bcampaigns_[a-z_]+")
BY_LABELS = re.compile(r"by \(([^)]*)\)")
# What a histogram or counter exports under its name.
SUFFIXES = ("_bucket", "_sum", "_count", "_total", "_created")


def _exported() -> dict[str, set[str]]:
    """Every sample name the server exports, with its labels."""
    names: dict[str, set[str]] = {}
    for collector in vars(metrics).values():
        describe = getattr(collector, "describe", None)
        if describe is None or collector not in REGISTRY._collector_to_names:
            continue
        for family in describe():
            labels = set(getattr(collector, "_labelnames", ()))
            for suffix in ("", *SUFFIXES):
                names[family.name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return names


def _expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def test_every_panel_charts_an_exported_metric_by_its_labels() -> None:
    exported = _exported()
    expressions = _expressions()
    assert len(expressions) >= 15
    for expression in expressions:
        used = METRIC.findall(expression)
        assert used, expression
        for name in used:
            assert name in exported, f"{name} is not exported ({expression})"
            for group in BY_LABELS.findall(expression):
                wanted = {label.strip() for label in group.split(",")} - {""}
                assert wanted <= exported[name], f"{name} has no {wanted} ({expression})"


def _family(name: str) -> str:
    for suffix in SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def test_every_metric_is_on_the_dashboard() -> None:
    charted = {_family(name) for e in _expressions() for name in METRIC.findall(e)}
    assert charted == {_family(name) for name in _exported()}


def test_the_command_prints_it() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "cli.main", "dashboard"], capture_output=True, check=True, text=True
    ).stdout
    assert json.loads(printed)["uid"] == "campaigns-api"
