"""`campaigns serve` in sandbox mode, as a user runs it: a subprocess with a data directory.
Its console is quiet, a taken port is one line, the sandbox survives a restart, and
`campaigns sandbox reply | status` play the customer from another terminal."""

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.gql.helpers import create_campaign
from tests.gql.operations import contract
from tests.support import GraphQLClient, create_database, drop_database, eventually, free_port

SUBMIT = contract("SubmitCampaign")
ONE_OFF = contract("SendTemplateMessage")
BODY = "Hi {{lead_name}}, your order {{order_id}} is being prepared right now."
STATUS_OF = """query ($id: ID!) { node(id: $id) {
  ... on Campaign { approval: status }
  ... on Message { status errorCode }
  ... on CampaignLeadMessage { lead { conversationUser { optedOutAt } } }
} }"""
CUSTOMER = "+447911123456"


def sandbox_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CAMPAIGNS_"))}
    return {
        **env,
        "DATABASE_URL": database_url,
        "CAMPAIGNS_DATA_DIR": str(data_dir),
        "CAMPAIGNS_APPROVAL_POLL_INTERVAL": "0.2",
        **extra,
    }


async def campaigns(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@asynccontextmanager
async def serving(
    env: dict[str, str],
    port: int,
    console: Path,
    running: list[asyncio.subprocess.Process] | None = None,
) -> AsyncIterator[str]:
    """`campaigns serve`, stdout and stderr into one file as a terminal shows them; the
    process is appended to `running` for a test that kills it."""
    with console.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "cli.main",
            "serve",
            "--port",
            str(port),
            env=env,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    if running is not None:
        running.append(process)
    try:
        await eventually(lambda: _banner_shown(process, console), bool, within=60)
        yield url
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 20)


async def _banner_shown(process: asyncio.subprocess.Process, console: Path) -> bool:
    shown = _read(console)
    assert process.returncode is None, shown
    return "Customer:" in shown


def _read(console: Path) -> str:
    return console.read_text()


@asynccontextmanager
async def scratch_url(postgres: str) -> AsyncIterator[str]:
    url = await create_database(postgres)
    try:
        yield url
    finally:
        await drop_database(postgres, url)


async def node(client: GraphQLClient, node_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await client.data(STATUS_OF, {"id": node_id}))["node"]
    return result


async def test_the_sandbox_survives_a_restart_and_plays_the_customer(
    postgres: str, tmp_path: Path
) -> None:
    port, data_dir = free_port(), tmp_path / "data"
    async with scratch_url(postgres) as database_url:
        env = sandbox_env(database_url, data_dir)
        code, out, err = await campaigns(
            env, "merchant", "create", "Corner Shop", "--commerce", "--json"
        )
        assert code == 0, err
        token = out.split('"token": "')[1].split('"')[0]

        first_console = tmp_path / "first.log"
        await _a_first_run_approves_a_template(env, port, token, first_console)
        _the_banner_is_all_there_is(_read(first_console))

        # Statuses wait for the customer: the message stays queued until told otherwise.
        env = sandbox_env(database_url, data_dir, CAMPAIGNS_SANDBOX_STATUS_DELAY="600")
        await _a_second_run_sends_it_and_plays_the_customer(
            env, port, token, data_dir, tmp_path / "second.log"
        )

        code, out, err = await campaigns(env, "sandbox", "reply", CUSTOMER, "START")
        assert code == 1 and out == ""
        assert err.startswith("campaigns: no sandbox is running") and err.count("\n") == 1


async def _a_first_run_approves_a_template(
    env: dict[str, str], port: int, token: str, console: Path
) -> None:
    async with (
        serving(env, port, console) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        client = GraphQLClient(http, token)
        campaign = await create_campaign(
            client, name="order_update", body=BODY, campaignType="SERVICE"
        )
        submitted = (await client.data(SUBMIT, {"id": campaign["id"]}))["submitCampaign"]
        assert submitted["errors"] == []
        await eventually(
            lambda: node(client, campaign["id"]), lambda n: n["approval"] == "APPROVED"
        )
        await _a_taken_port_is_one_line(env, port)


async def _a_second_run_sends_it_and_plays_the_customer(
    env: dict[str, str], port: int, token: str, data_dir: Path, console: Path
) -> None:
    """The template approved before the restart is still approved: it sends at once."""
    async with (
        serving(env, port, console) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        client = GraphQLClient(http, token)
        variables = {"order_id": "1042", "lead_name": "Ana"}
        one_off = {"campaignName": "order_update", "to": CUSTOMER, "variables": variables}
        sent = (await client.data(ONE_OFF, {"input": one_off}))["sendTemplateMessage"]
        assert sent["errors"] == []
        row = sent["campaignLeadMessage"]
        assert row["message"]["sid"].startswith("SM"), "the emulator accepted it"
        message_id = row["message"]["id"]
        assert (await node(client, message_id))["status"] == "QUEUED"

        code, out, err = await campaigns(env, "sandbox", "reply", CUSTOMER, "STOP")
        assert (code, err) == (0, ""), err
        assert "/webhooks/twilio/messages/inbound (HTTP 200)" in out
        person = (await node(client, row["id"]))["lead"]["conversationUser"]
        assert person["optedOutAt"] is not None, "STOP opted the person out"

        code, out, err = await campaigns(
            env, "sandbox", "status", CUSTOMER, "undelivered", "--error-code", "63049"
        )
        assert (code, err) == (0, ""), err
        assert "(HTTP 200)" in out
        assert await node(client, message_id) == {"status": "UNDELIVERED", "errorCode": 63049}
        await _the_admin_api_needs_the_sandbox_account(env, data_dir)


async def _the_admin_api_needs_the_sandbox_account(env: dict[str, str], data_dir: Path) -> None:
    """What the person was sent is not for whoever reaches the port: the emulator's admin
    API asks for the account in sandbox.json, and a wrong one is said in one line."""
    saved_file = data_dir / "sandbox.json"
    saved = json.loads(saved_file.read_text())
    async with httpx.AsyncClient(base_url=saved["emulator_url"]) as stranger:
        refused = await stranger.get("/_emulator/messages")
        assert refused.status_code == 401 and "order 1042" not in refused.text
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="Twilio emulator"'
        account = (saved["account_sid"], saved["auth_token"])
        listed = await stranger.get("/_emulator/messages", auth=account)
        assert listed.status_code == 200 and "order 1042" in listed.text
    saved_file.write_text(json.dumps(saved | {"auth_token": "not-the-token"}))
    try:
        code, out, err = await campaigns(env, "sandbox", "reply", CUSTOMER, "START")
    finally:
        saved_file.write_text(json.dumps(saved))
    assert (code, out) == (1, "")
    assert "refused the account in" in err and err.count("\n") == 1, err


async def _a_taken_port_is_one_line(env: dict[str, str], port: int) -> None:
    code, out, err = await campaigns(env, "serve", "--port", str(port))
    assert code == 1
    assert out == ""
    assert err == f"campaigns: port {port} on 127.0.0.1 is in use (set CAMPAIGNS_PORT or --port)\n"


def _the_banner_is_all_there_is(console: str) -> None:
    """23 default templates were submitted and one campaign approved, through the SDK:
    nothing of it shows at the default log level; the banner is the last output."""
    lines = console.rstrip("\n").splitlines()
    assert lines[0] == "", console
    assert lines[1].startswith("  GraphiQL:      http://127.0.0.1:"), console
    assert lines[2].startswith("  Twilio:        sandbox account AC"), console
    assert lines[-1].startswith("  Customer:      campaigns sandbox reply"), console
    assert len(lines) == 4, console


async def test_no_sandbox_running_is_one_line(tmp_path: Path) -> None:
    env = sandbox_env("postgresql://nowhere/none", tmp_path / "empty")
    code, out, err = await campaigns(env, "sandbox", "status", "SM" + "0" * 32, "read")
    assert (code, out) == (1, "")
    assert err.startswith("campaigns: no sandbox is running for the data directory")
    assert err.count("\n") == 1


async def test_a_review_cut_short_by_a_kill_completes_after_the_restart(
    postgres: str, tmp_path: Path
) -> None:
    port, data_dir = free_port(), tmp_path / "data"
    async with scratch_url(postgres) as database_url:
        env = sandbox_env(database_url, data_dir, CAMPAIGNS_SUBMIT_DEFAULT_TEMPLATES="false")
        code, out, err = await campaigns(env, "merchant", "create", "Kiosk", "--json")
        assert code == 0, err
        token = out.split('"token": "')[1].split('"')[0]
        running: list[asyncio.subprocess.Process] = []
        async with (
            serving(env, port, tmp_path / "first.log", running) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as http,
        ):
            client = GraphQLClient(http, token)
            campaign = await create_campaign(client, name="cut_short", body=BODY)
            submitted = (await client.data(SUBMIT, {"id": campaign["id"]}))["submitCampaign"]
            assert submitted["campaign"]["status"] == "RECEIVED"
            running[0].send_signal(signal.SIGKILL)  # mid-review: no clean-up of any kind
            await running[0].wait()

        async with (
            serving(env, port, tmp_path / "second.log") as url,
            httpx.AsyncClient(base_url=url, timeout=30) as http,
        ):
            client = GraphQLClient(http, token)
            await eventually(
                lambda: node(client, campaign["id"]), lambda n: n["approval"] == "APPROVED"
            )


async def test_an_unreadable_sandbox_state_is_one_line(postgres: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "sandbox-emulator.sqlite3").write_text("not a database")
    async with scratch_url(postgres) as database_url:
        env = sandbox_env(database_url, data_dir)
        code, out, err = await campaigns(env, "serve", "--port", str(free_port()))
    assert (code, out) == (1, "")
    assert err.startswith("campaigns: ") and "sandbox-emulator.sqlite3" in err
    assert err.count("\n") == 1, err
