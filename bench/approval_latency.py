"""How long from submitCampaign to the APPROVED event, and what a second process adds.

Two `campaigns serve` processes, A and B, on one PostgreSQL; the Twilio emulator sends its
webhooks to B. Each round creates and submits a campaign through B and times the APPROVED
event at a subscriber on B (same process as the webhook) and one on A (the event crossed
processes through LISTEN/NOTIFY).

    .venv/bin/python -m bench.approval_latency [--rounds 10] [--review-delay 2.0]

Uses DATABASE_URL's server if set, else an embedded PostgreSQL in a temporary folder.
"""

import argparse
import asyncio
import statistics
import time

import httpx

from db.database import Database
from db.migrate import upgrade_async
from emulator.app import create_app as create_emulator_app
from emulator.config import EmulatorConfig, Knobs
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
    serve,
    subscribe,
)

CREATE, SUBMIT = contract("CreateCampaign"), contract("SubmitCampaign")
STATUS = contract("CampaignStatusChanged")


async def approved_at(subscriber: Subscriber, campaign_id: str) -> float:
    while True:
        event = (await subscriber.next())["data"]["campaignStatusChanged"]
        if event["campaign"]["id"] == campaign_id and event["campaign"]["status"] == "APPROVED":
            return time.perf_counter()


async def run(rounds: int, review_delay: float, server: str) -> None:
    url = await create_database(server)
    await upgrade_async(url)
    db = Database(url, pool_size=2)
    async with db.transaction() as session:
        account = await create_merchant(session, "Bench Shop", with_templates=False)
    await db.dispose()
    port_b = free_port()
    knobs = Knobs(
        approval_delay=review_delay,
        events_sink=f"http://127.0.0.1:{port_b}/webhooks/twilio/events",
    )
    emulator = create_emulator_app(
        EmulatorConfig(account_sid=EMULATOR_SID, auth_token=EMULATOR_TOKEN, knobs=knobs)
    )
    same, other = [], []
    try:
        async with (
            serve(emulator) as emulator_url,
            server_process(url, emulator_url) as a,
            server_process(url, emulator_url, port_b) as b,
            httpx.AsyncClient(base_url=b.url) as http,
            subscribe(a.url, account.token, STATUS) as on_a,
            subscribe(b.url, account.token, STATUS) as on_b,
        ):
            client = GraphQLClient(http, account.token)
            await asyncio.sleep(1)  # let both subscriptions register
            for round_ in range(rounds):
                body = "Hi {{lead_name}}, this is round number " + str(round_) + " today."
                variables = {"input": {"name": f"bench_{round_}", "body": body}}
                created = await client.data(CREATE, variables)
                campaign_id = created["createCampaign"]["campaign"]["id"]
                start = time.perf_counter()
                await client.data(SUBMIT, {"id": campaign_id})
                at_b, at_a = await asyncio.gather(
                    approved_at(on_b, campaign_id), approved_at(on_a, campaign_id)
                )
                same.append(at_b - start)
                other.append(at_a - at_b)
    finally:
        await drop_database(server, url)
    review = 2 * review_delay
    p50 = statistics.median(same)
    print(f"rounds: {rounds}; emulator review: 2 steps x {review_delay:.2f} s = {review:.2f} s")
    print(f"submit -> APPROVED at the webhook's process: p50 {p50:.3f} s, max {max(same):.3f} s")
    print(f"  our own share (minus the review): p50 {(p50 - review) * 1000:.1f} ms")
    print(
        f"second process adds: p50 {statistics.median(other) * 1000:.2f} ms, "
        f"max {max(other) * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--review-delay", type=float, default=2.0, help="seconds per step")
    args = parser.parse_args()

    async def go() -> None:
        with postgres_server() as server:
            await run(args.rounds, args.review_delay, server)

    asyncio.run(go())


if __name__ == "__main__":
    main()
