"""GraphiQL in a real browser: offline, a query, and live subscriptions.

tests/browser/graphiql.mjs drives Debian's Chromium through playwright-core (pinned in
tests/browser/package.json; no downloaded browser). It types the merchant's token into
the Headers tab, runs a query, then a named and an anonymous `campaignStatusChanged`
subscription; each time one is live, this side submits a campaign and the emulator
approves it, and the script waits for APPROVED in the result pane. Any request to a host
other than this machine fails the run.
"""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from jobs.runtime import Runtime
from tests.conftest import MerchantAccount
from tests.gql.helpers import create_campaign
from tests.gql.operations import contract

BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SUBMIT = contract("SubmitCampaign")


def require(tool: str | None, what: str, install: str) -> str:
    """The tool's path; without it the test skips, except on CI where it must run."""
    if tool is not None:
        return tool
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing on CI, where .ci/run installs it")
    pytest.skip(f"the GraphiQL browser test needs {what} ({install})")


async def npm_ci(npm: str) -> None:
    if (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        return
    # `npm ci`: exactly the versions in package-lock.json; playwright-core fetches no browser.
    process = await asyncio.create_subprocess_exec(
        npm,
        "ci",
        "--prefix",
        str(BROWSER_DIR),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, f"npm ci failed:\n{output.decode(errors='replace')}"


async def until_subscribers(runtime: Runtime, merchant_id: int, count: int) -> bool:
    """Whether the server comes to hold `count` live subscriptions of the merchant."""
    try:
        async with asyncio.timeout(20):
            while (  # noqa: ASYNC110 (polling the server's state is the point)
                sum(s.merchant_id == merchant_id for s in runtime.bus.subscriptions) != count
            ):
                await asyncio.sleep(0.05)
    except TimeoutError:
        return False
    return True


async def follow(
    script: asyncio.subprocess.Process,
    runtime: Runtime,
    account: MerchantAccount,
    campaigns: dict[str, dict[str, Any]],
) -> list[str]:
    """Act on the script's "@" lines until it exits; returns everything it printed."""
    assert script.stdout is not None
    output: list[str] = []
    async for raw in script.stdout:
        line = raw.decode(errors="replace").rstrip()
        output.append(line)
        action, _, label = line.partition(" ")
        if action == "@subscribed":
            # The page's subscription reached the server: make the status change.
            if not await until_subscribers(runtime, account.merchant.id, 1):
                output.append(f"(the server got no {label} subscription)")
                continue
            submitted = await account.client.data(SUBMIT, {"id": campaigns[label]["id"]})
            assert submitted["submitCampaign"]["errors"] == []
        elif action == "@stopped" and not await until_subscribers(runtime, account.merchant.id, 0):
            # GraphiQL's stop button must end the subscription on the server too.
            output.append(f"(the {label} subscription still runs on the server)")
    return output


async def test_graphiql_runs_a_query_and_subscriptions_offline(
    merchant: MerchantAccount, runtime: Runtime, server_url: str, tmp_path: Path
) -> None:
    chromium = require(
        shutil.which(CHROMIUM), f"Chromium at {CHROMIUM}", "apt-get install chromium"
    )
    node = require(shutil.which("node"), "Node.js", "version 20 or newer")
    await npm_ci(require(shutil.which("npm"), "npm", "it comes with Node.js"))
    campaigns = {
        "named": await create_campaign(merchant.client, name="graphiql_named"),
        "anonymous": await create_campaign(merchant.client, name="graphiql_anonymous"),
    }
    screenshot = tmp_path / "graphiql.png"
    env = {
        **os.environ,
        "CHROMIUM": chromium,
        "GRAPHIQL_URL": f"{server_url}/graphql",
        "TOKEN": merchant.token,
        "MERCHANT_NAME": merchant.merchant.name,
        "NAMED_CAMPAIGN": campaigns["named"]["id"],
        "ANONYMOUS_CAMPAIGN": campaigns["anonymous"]["id"],
        "SCREENSHOT": os.environ.get("GRAPHIQL_SCREENSHOT", str(screenshot)),
    }
    code, output = await _run_script(node, env, runtime, merchant, campaigns)
    log = "\n".join(output)
    assert code == 0, f"the GraphiQL script failed:\n{log}"
    steps = [line[1:] for line in output if line.startswith("@")]
    assert steps == [
        "refused without token",
        "query ok",
        "subscribed named",
        "stopped named",
        "subscribed anonymous",
        "stopped anonymous",
    ], log
    assert not [line for line in output if line.startswith("(")], log
    # A rendered page, not a blank one (the file tool shows it when run by hand).
    assert await asyncio.to_thread(os.path.getsize, env["SCREENSHOT"]) > 10_000


async def _run_script(
    node: str,
    env: dict[str, str],
    runtime: Runtime,
    merchant: MerchantAccount,
    campaigns: dict[str, dict[str, Any]],
) -> tuple[int, list[str]]:
    """The browser script's exit code and output, driven step by step by `follow`."""
    async with browser_script(node, "graphiql.mjs", env) as script:
        output = await follow(script, runtime, merchant, campaigns)
        return await script.wait(), output


@asynccontextmanager
async def browser_script(
    node: str, name: str, env: dict[str, str], within: float = 180
) -> AsyncIterator[asyncio.subprocess.Process]:
    """One of this folder's scripts running, its output (stderr too) on its stdout;
    killed if still running after `within` seconds or when the block fails."""
    script = await asyncio.create_subprocess_exec(
        node,
        str(BROWSER_DIR / name),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(within):
            yield script
    finally:
        if script.returncode is None:
            script.kill()
            await script.wait()
