"""Send throughput against the emulator, and status-callback ingestion.

    .venv/bin/python -m bench.send_throughput [--leads 20000] [--caps 80,400,0]

The emulator runs in its own process and answers every request after 50 ms; one
`campaigns serve` process sends. For each cap: the achieved rate (first to last message
accepted, as recorded) divided by the cap, and how many 429s the emulator answered; for
no cap: messages per second and the server's CPU seconds per 1,000 messages, each next to
its floor measured in the same run against the same emulator: the twilio SDK alone (its
async client, 64 creates in flight, in a process of its own) creating as many messages of
the same approved template, with its rate and CPU seconds per 1,000. Then
signed status callbacks are posted at the server as fast as it takes them: callbacks
per second, and p50/p99 from a callback's arrival to the subscriber's event.
Uses DATABASE_URL's server if set, else an embedded PostgreSQL.
"""

import argparse
import asyncio
import json
import sys
import time

import aiohttp
import httpx
import psutil
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bench.profiling import profiled
from db.database import Database
from db.migrate import upgrade_async
from db.models import Message
from services.merchants.service import create_merchant
from tests.gql.operations import contract
from tests.processes import server_process
from tests.support import (
    EMULATOR_SID,
    EMULATOR_TOKEN,
    GraphQLClient,
    Subscriber,
    create_database,
    drop_database,
    free_port,
    postgres_server,
    subscribe,
)

CREATE, ADD, SUBMIT = (
    contract("CreateCampaign"),
    contract("AddCampaignLeads"),
    contract("SubmitCampaign"),
)
SYNC, SEND, SEND_QUERY = (
    contract("SyncCampaignStatus"),
    contract("SendCampaign"),
    contract("CampaignSend"),
)
MESSAGE_STATUS = contract("MessageStatusChanged")
ADMIN_AUTH = (EMULATOR_SID, EMULATOR_TOKEN)  # the emulator's admin API asks for its account
SDK_IN_FLIGHT = 64
BODY = "Hi {{lead_name}}, your order {{order_id}} is ready for pickup at the store."


async def start_emulator(port: int, latency_ms: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        str(port),
        "--account-sid",
        EMULATOR_SID,
        "--auth-token",
        EMULATOR_TOKEN,
        "--latency-ms",
        str(latency_ms),
        "--mps",
        "1000000",
        "--approval-delay",
        "0",
        "--status-delay",
        "86400",
        "--log-level",
        "warning",
        stdout=asyncio.subprocess.DEVNULL,
    )
    async with httpx.AsyncClient(auth=ADMIN_AUTH) as client:
        for _ in range(200):
            try:
                await client.get(f"http://127.0.0.1:{port}/_emulator/health")
                return process
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError("emulator did not start")


def sdk_alone(emulator: str, content_sid: str, count: int, in_flight: int) -> None:
    """The floor, run in its own process: the SDK creating `count` messages, `in_flight`
    at a time; prints its rate and CPU seconds as JSON. Only the base URL is ours (the
    stock client cannot be pointed at the emulator)."""
    from twilio.rest import Client

    from cli.serve import run_loop
    from services.twilio.http_client import AsyncRewritingHttpClient

    async def create_all() -> None:
        http = AsyncRewritingHttpClient(emulator, timeout=60)
        client = Client(EMULATOR_SID, EMULATOR_TOKEN, http_client=http)
        numbers = iter(range(count))

        async def creator() -> None:
            for n in numbers:
                await client.messages.create_async(
                    to=f"whatsapp:+1{4255550000 + n}",
                    from_="whatsapp:+14155238886",
                    content_sid=content_sid,
                    content_variables=json.dumps({"1": f"L{n}", "2": str(n)}),
                )

        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(creator() for _ in range(in_flight)))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        await http.close()
        print(json.dumps({"rate": count / wall, "cpu_per_1000": cpu / count * 1000}))

    run_loop(create_all())


async def measure_sdk_alone(emulator: str, content_sid: str, count: int) -> dict[str, float]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.send_throughput",
        "--sdk-alone",
        f"{emulator} {content_sid} {count}",
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError("the SDK-alone run failed")
    result: dict[str, float] = json.loads(output.decode().strip().splitlines()[-1])
    return result


async def prepare(client: GraphQLClient, emulator: str, name: str, leads: int) -> tuple[str, str]:
    created = await client.data(
        CREATE, {"input": {"name": name, "body": BODY, "campaignType": "SERVICE"}}
    )
    campaign_id = created["createCampaign"]["campaign"]["id"]
    for start in range(0, leads, 10_000):
        people = [
            {
                "phone": f"+1{415 + n // 10_000_000:03d}{5550000 + n % 10_000_000:07d}"[:12],
                "customVariables": {"order_id": str(n), "lead_name": f"L{n}"},
            }
            for n in range(start, min(start + 10_000, leads))
        ]
        result = await client.data(ADD, {"campaignId": campaign_id, "leads": people})
        assert not result["addCampaignLeads"]["errors"], result["addCampaignLeads"]["errors"][:3]
    sid = (await client.data(SUBMIT, {"id": campaign_id}))["submitCampaign"]["campaign"][
        "contentSid"
    ]
    async with httpx.AsyncClient(base_url=emulator, auth=ADMIN_AUTH) as admin:
        await admin.post(
            f"/_emulator/contents/{sid}/approval", json={"status": "approved", "immediately": True}
        )
    await client.data(SYNC, {"id": campaign_id})
    return campaign_id, sid


async def run_send(client: GraphQLClient, campaign_id: str, pid: int) -> tuple[float, float, str]:
    process = psutil.Process(pid)
    cpu_before = sum(process.cpu_times()[:2])
    started = time.perf_counter()
    send = (await client.data(SEND, {"id": campaign_id}))["sendCampaign"]["send"]
    while True:
        state = (await client.data(SEND_QUERY, {"id": send["id"]}))["campaignSend"]
        if state["status"] == "COMPLETED":
            break
        await asyncio.sleep(0.5)
    return time.perf_counter() - started, sum(process.cpu_times()[:2]) - cpu_before, send["id"]


async def accepted_rate(db: Database, content_sid: str) -> tuple[int, float]:
    async with db.session() as session:
        count, first, last = (
            await session.execute(
                select(
                    func.count(), func.min(Message.created_at), func.max(Message.created_at)
                ).where(Message.content_sid == content_sid)
            )
        ).one()
    return count, (count - 1) / max((last - first).total_seconds(), 1e-9)


async def throttled(emulator: str) -> int:
    async with httpx.AsyncClient(base_url=emulator, timeout=60, auth=ADMIN_AUTH) as admin:
        requests = (await admin.get("/_emulator/requests")).json()
    return sum(1 for r in requests if r["status"] == 429)


def _signed(url: str, sid: str, status: str) -> tuple[dict[str, str], str]:
    params = {
        "MessageSid": sid,
        "MessageStatus": status,
        "AccountSid": EMULATOR_SID,
        "To": "whatsapp:+14155550000",
    }
    return params, RequestValidator(EMULATOR_TOKEN).compute_signature(url, params)


async def callbacks(
    server: str, pid: int, token: str, db: Database, campaign_id: str, content_sid: str, count: int
) -> None:
    """Two phases on messages of the last send: as many callbacks as the server takes
    (throughput), then a steady 200/s with a subscriber timing each event (latency).
    Posted with aiohttp: httpx's pool, not the server, is the limit at these rates."""
    async with db.session() as session:
        statement = select(Message.sid).where(Message.content_sid == content_sid).limit(count)
        sids = [sid for sid in (await session.execute(statement)).scalars() if sid]
    url = f"{server}/webhooks/twilio/messages/status"
    half = len(sids) // 2
    flood, steady = sids[:half], sids[half:]
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as http:
        await _flood_callbacks(http, url, flood, psutil.Process(pid))
        async with subscribe(server, token, MESSAGE_STATUS, {"campaignId": campaign_id}) as sub:
            await asyncio.sleep(1)  # let the subscription register
            latencies = await _steady_callback_latencies(http, url, sub, steady)
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    print(
        f"callback -> subscriber event at 200/s: p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms "
        f"(goal ≤ 50 ms: {p99 * 1000 / 50:.2f} of it)"
    )


async def _post_status(http: aiohttp.ClientSession, url: str, sid: str, status: str) -> None:
    params, signature = _signed(url, sid, status)
    async with http.post(url, data=params, headers={"X-Twilio-Signature": signature}) as response:
        assert response.status == 200, await response.text()


async def _flood_callbacks(
    http: aiohttp.ClientSession, url: str, sids: list[str], server: psutil.Process
) -> None:
    cpu, signed_at = sum(server.cpu_times()[:2]), time.perf_counter()
    limit = asyncio.Semaphore(64)

    async def bounded(sid: str) -> None:
        async with limit:
            await _post_status(http, url, sid, "delivered")

    await asyncio.gather(*(bounded(sid) for sid in sids))
    elapsed = time.perf_counter() - signed_at
    cpu = sum(server.cpu_times()[:2]) - cpu
    print(
        f"status callbacks: {len(sids)} in {elapsed:.1f} s = {len(sids) / elapsed:,.0f}/s "
        f"({len(sids) / elapsed / 3000:.2f} of the 3,000/s goal), "
        f"server CPU {cpu / len(sids) * 1000:.2f} s per 1,000"
    )


async def _steady_callback_latencies(
    http: aiohttp.ClientSession, url: str, sub: Subscriber, sids: list[str]
) -> list[float]:
    """Seconds from posting each callback to its subscriber event."""
    posted: dict[str, float] = {}
    latencies: list[float] = []

    async def listen() -> None:
        while len(latencies) < len(sids):
            event = (await sub.next())["data"]["messageStatusChanged"]
            sid = event["message"]["sid"]
            if sid in posted:
                latencies.append(time.perf_counter() - posted.pop(sid))

    listener = asyncio.create_task(listen())
    tasks = []
    for sid in sids:  # 200 a second, each timed from the moment it is posted
        posted[sid] = time.perf_counter()
        tasks.append(asyncio.create_task(_post_status(http, url, sid, "delivered")))
        await asyncio.sleep(1 / 200)
    await asyncio.gather(*tasks)
    await asyncio.wait_for(listener, 60)
    return latencies


async def main(
    leads: int, caps: list[float], callback_count: int, latency_ms: int, profile: str | None
) -> None:
    with postgres_server() as pg:
        url = await create_database(pg)
        await upgrade_async(url)
        db = Database(url, pool_size=4)
        async with db.transaction() as session:
            token = (await create_merchant(session, "Bench Shop", with_templates=False)).token
        port = free_port()
        emulator_process = await start_emulator(port, latency_ms)
        emulator = f"http://127.0.0.1:{port}"
        try:
            for cap in caps:
                env = {
                    "CAMPAIGNS_SEND_RATE": str(cap),
                    "CAMPAIGNS_SEND_CONCURRENCY": "128",
                    "CAMPAIGNS_LOG_LEVEL": "warning",
                }
                async with (
                    server_process(url, emulator, env=env) as server,
                    httpx.AsyncClient(base_url=server.url, timeout=120) as http,
                ):
                    client = GraphQLClient(http, token)
                    campaign_id, sid = await prepare(client, emulator, f"bench_{int(cap)}", leads)
                    throttled_before = await throttled(emulator)
                    pid = server.process.pid
                    async with profiled(pid, profile, f"send_{int(cap)}"):
                        wall, cpu, _ = await run_send(client, campaign_id, pid)
                    count, rate = await accepted_rate(db, sid)
                    answered_429 = await throttled(emulator) - throttled_before
                    assert count == leads, (count, leads)
                    if cap:
                        print(
                            f"cap {cap:.0f}/s: {count} messages, achieved {rate:.1f}/s = {rate / cap:.3f} of the cap; 429s: {answered_429}"
                        )
                    else:
                        floor = await measure_sdk_alone(emulator, sid, count)
                        _print_uncapped(count, wall, cpu, rate, answered_429, floor)
                    if cap == caps[-1] and callback_count:
                        async with profiled(pid, profile, "callbacks"):
                            await callbacks(
                                server.url, pid, token, db, campaign_id, sid, callback_count
                            )
        finally:
            emulator_process.terminate()
            await emulator_process.wait()
            await db.dispose()
            await drop_database(pg, url)


def _print_uncapped(
    count: int, wall: float, cpu: float, rate: float, answered_429: int, floor: dict[str, float]
) -> None:
    cpu_per_1000 = cpu / count * 1000
    print(
        f"no cap: {count} messages in {wall:.1f} s, {rate:,.0f} messages/s, "
        f"server CPU {cpu_per_1000:.2f} s per 1,000 messages; 429s: {answered_429}\n"
        f"  floor, the twilio SDK alone ({SDK_IN_FLIGHT} in flight, same "
        f"emulator): {floor['rate']:,.0f} messages/s, "
        f"{floor['cpu_per_1000']:.2f} CPU s per 1,000\n"
        f"  ratios: rate {rate / floor['rate']:.2f} of the SDK's (goal ≥ 0.85), "
        f"CPU {cpu_per_1000 / floor['cpu_per_1000']:.2f} times the SDK's (goal ≤ 1.5)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--caps", default="80,400,0", help="comma-separated; 0 is no cap")
    parser.add_argument("--callbacks", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--profile", help="a folder: py-spy records the server's phases there")
    parser.add_argument("--sdk-alone", help=argparse.SUPPRESS)  # "EMULATOR CONTENT_SID COUNT"
    args = parser.parse_args()
    if args.sdk_alone:
        emulator_url, content, total = args.sdk_alone.split()
        sdk_alone(emulator_url, content, int(total), SDK_IN_FLIGHT)
        raise SystemExit
    asyncio.run(
        main(
            args.leads,
            [float(c) for c in args.caps.split(",")],
            args.callbacks,
            args.latency_ms,
            args.profile,
        )
    )
