"""The page of one send (/sends/<id>) in a real browser, offline: it asks for a token
and refuses a wrong one, takes the token from the URL's fragment (never sent to the
server, and taken out of the address bar), and shows the send live from before it starts
to the end, with the send's own counters.

tests/browser/send_page.mjs drives Debian's Chromium through playwright-core."""

import asyncio
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.browser.test_graphiql import CHROMIUM, browser_script, npm_ci, require
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.sending import SEND, SEND_QUERY, approved_campaign, wait_for_send

LEADS = 40


async def _run(node: str, env: dict[str, str]) -> tuple[int, list[str]]:
    async with browser_script(node, "send_page.mjs", env) as script:
        output, _ = await script.communicate()
        return script.returncode or 0, output.decode(errors="replace").splitlines()


async def test_the_send_page_shows_a_send_live_offline(
    merchant: MerchantAccount, emulator: RunningEmulator, server_url: str, tmp_path: Path
) -> None:
    chromium = require(
        shutil.which(CHROMIUM), f"Chromium at {CHROMIUM}", "apt-get install chromium"
    )
    node = require(shutil.which("node"), "Node.js", "version 20 or newer")
    await npm_ci(require(shutil.which("npm"), "npm", "it comes with Node.js"))
    leads = [{"phone": f"+1415557{i:04d}", "name": f"Ana {i}"} for i in range(LEADS)]
    campaign = await approved_campaign(merchant, emulator, leads, name="send_page")
    # Scheduled a few seconds ahead: the page is open before the send starts.
    at = (datetime.now(UTC) + timedelta(seconds=6)).isoformat()
    sent = await merchant.client.data(SEND, {"id": campaign["id"], "scheduledAt": at})
    send = sent["sendCampaign"]["send"]
    env = {
        **os.environ,
        "CHROMIUM": chromium,
        "SEND_URL": f"{server_url}/sends/{send['id']}",
        "TOKEN": merchant.token,
        "SCREENSHOT": os.environ.get("SEND_PAGE_SCREENSHOT", str(tmp_path / "send.png")),
    }
    code, output = await _run(node, env)
    log = "\n".join(output)
    assert code == 0, f"the send page script failed:\n{log}"
    steps = [line[1:] for line in output if line.startswith("@")]
    assert steps[:3] == ["asked for a token", "refused a wrong token", "showing SCHEDULED"], log
    shown = json.loads(steps[3].removeprefix("counters "))
    await wait_for_send(merchant, send["id"])
    now = (await merchant.client.data(SEND_QUERY, {"id": send["id"]}))["campaignSend"]
    assert shown == {name: now[name] for name in shown}
    assert shown["total"] == shown["read"] == LEADS
    assert steps[4] == "bar 100"
    assert await asyncio.to_thread(os.path.getsize, env["SCREENSHOT"]) > 10_000
