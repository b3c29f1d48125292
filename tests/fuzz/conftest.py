"""The fuzz tests' settings, their tally, and a merchant whose ids they can aim at.

Profiles (HYPOTHESIS_PROFILE): `ci`, the default, runs a fixed, derandomised set of
cases in about a minute; `fuzz` runs twenty times as many random ones and keeps failing
examples in .hypothesis/ for the next run, for a longer hunt on a workstation:

    HYPOTHESIS_PROFILE=fuzz .venv/bin/pytest tests/fuzz
"""

import logging
import os
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings

from db.database import Database
from tests.conftest import MerchantAccount, RunningEmulator, new_merchant
from tests.gql.helpers import add_leads, create_campaign
from tests.gql.sending import SEND, approved_campaign, wait_for_send

BASE = settings(
    deadline=None,  # a request's time depends on the machine; speed belongs in bench/
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the merchant is meant to outlive examples
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    print_blob=True,
)
# CI stops at the first failing example rather than shrinking it for minutes: the
# report has the example, and `@reproduce_failure` replays it.
CI_PHASES = [Phase.explicit, Phase.generate, Phase.target]
settings.register_profile("ci", BASE, derandomize=True, database=None, phases=CI_PHASES)
settings.register_profile("fuzz", BASE)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
SCALE = 20 if PROFILE == "fuzz" else 1


def cases(count: int) -> int:
    """The number of examples a test runs under the current profile."""
    return count * SCALE


@dataclass
class Tally:
    """Requests the fuzz tests sent, by kind, and what came back."""

    requests: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    with_data: int = 0  # GraphQL answers in which a root field resolved to a value
    seconds: float = 0.0


TALLY = Tally()


@pytest.fixture
def tally() -> Any:
    started = time.monotonic()
    yield TALLY
    TALLY.seconds += time.monotonic() - started


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY.requests:
        return
    total = sum(TALLY.requests.values())
    write = terminalreporter.write_line
    write(f"fuzz ({PROFILE}): {total} requests in {TALLY.seconds:.1f} s")
    write(f"  GraphQL answers with data in a root field: {TALLY.with_data}")
    write("  by kind: " + ", ".join(f"{k} {n}" for k, n in TALLY.requests.most_common()))
    write("  statuses: " + ", ".join(f"{k} {n}" for k, n in sorted(TALLY.statuses.items())))
    write("  error codes: " + ", ".join(f"{k} {n}" for k, n in TALLY.codes.most_common()))


@dataclass(frozen=True)
class World:
    """A merchant with an approved, sent campaign (leads, ledger rows, messages, a
    completed and a scheduled send), a draft, and another merchant's campaign."""

    merchant: MerchantAccount
    ids: list[str]  # the merchant's own, and the other merchant's (which must not leak)
    names: list[str]


ALL_IDS = """{
  viewer { merchant { id } }
  campaigns(first: 20, filter: {allVersions: true}) { edges { node {
    id name
    leads(first: 5) { edges { node { id conversationUser { id } } } }
    messages(first: 5) { edges { node { id message { id } } } }
    sends { id }
  } } }
}"""


def ids_in(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "id"] + [
            i for k, v in value.items() if k != "id" for i in ids_in(v)
        ]
    if isinstance(value, list):
        return [i for item in value for i in ids_in(item)]
    return []


@pytest.fixture(scope="module")
async def world(db: Database, http: httpx.AsyncClient, emulator: RunningEmulator) -> World:
    account = await new_merchant(db, http, "Fuzz Shop")
    other = await new_merchant(db, http, "Other Shop")
    leads = [{"phone": f"+1415555{i:04d}", "name": f"Lead {i}"} for i in range(3)]
    campaign = await approved_campaign(account, emulator, leads, name="fuzz_sale")
    sent = (await account.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    await wait_for_send(account, sent["send"]["id"])
    await add_leads(account.client, campaign["id"], leads)  # sent leads wait for new ones
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    scheduled = await account.client.data(SEND, {"id": campaign["id"], "scheduledAt": later})
    assert scheduled["sendCampaign"]["errors"] == [], scheduled
    await create_campaign(account.client, name="fuzz_draft")
    await create_campaign(other.client, name="other_sale")
    mine = await account.client.data(ALL_IDS)
    theirs = await other.client.data(ALL_IDS)
    names = [edge["node"]["name"] for edge in mine["campaigns"]["edges"]]
    return World(account, sorted(set(ids_in(mine) + ids_in(theirs))), names)


@pytest.fixture
async def healthy_after(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[None]:
    """The server still answers once the test's requests are done (no request wedged
    the event loop or exhausted the connection pool), and nothing it did meanwhile, in a
    request or in a background job the requests started, logged an error."""
    caplog.set_level(logging.WARNING)
    yield
    response = await http.get("/healthz", timeout=5)
    assert response.status_code == 200, response.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors[:5]]
