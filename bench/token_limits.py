"""What one API token gets before 429, and what the per-token limits cost per request.

1. A `campaigns serve` process with the default limits; one token sends as fast as 16
   concurrent clients can for 12 s. Prints requests served and refused per second (the
   burst first, then the rate) and how many shared-bucket UPDATEs that took.
2. The in-process cost of the limiter: AccessControl.identify + enter + leave with the
   token cached and the budget leased (100,000 calls), and the cost of one lease UPDATE
   (500 leases), which the default lease size spreads over 10 requests.

    .venv/bin/python -m bench.token_limits

Uses DATABASE_URL's server if set, else an embedded PostgreSQL in a temporary folder.
"""

import asyncio
import json
import time
from collections import Counter

import httpx

from db.database import Database
from db.engine import libpq_url
from db.migrate import upgrade_async
from emulator.app import create_app as create_emulator_app
from emulator.config import EmulatorConfig
from jobs.access import AccessControl
from jobs.token_cache import Principal
from services.events.bus import EventBus
from services.merchants.service import create_merchant
from services.settings import Settings
from tests.processes import server_process
from tests.support import (
    EMULATOR_SID,
    EMULATOR_TOKEN,
    create_database,
    drop_database,
    postgres_server,
    serve,
)

VIEWER = json.dumps({"query": "{ viewer { merchant { name } } }"})


async def flood(url: str, token: str, seconds: float) -> None:
    per_second: Counter[tuple[int, int]] = Counter()
    start = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while (elapsed := time.perf_counter() - start) < seconds:
                response = await http.post("/graphql", content=VIEWER, headers=headers)
                per_second[(int(elapsed), response.status_code)] += 1

    await asyncio.gather(*(client() for _ in range(16)))
    print("second  served  refused(429)")
    for second in range(int(seconds)):
        print(f"{second:>6}  {per_second[(second, 200)]:>6}  {per_second[(second, 429)]:>12}")
    served = sum(v for (s, code), v in per_second.items() if code == 200 and s >= 2)
    print(f"after the burst: {served / (seconds - 2):.1f} served/s")


async def hot_path(url: str, token: str) -> None:
    db = Database(url, pool_size=2)
    bus = EventBus(libpq_url(url))
    await bus.start()
    try:
        # A lease so large that the loop never leaves memory: the per-request cost.
        memory = Settings(
            CAMPAIGNS_TOKEN_BURST=10**9,
            CAMPAIGNS_TOKEN_RATE=10**9,
            CAMPAIGNS_TOKEN_RATE_LEASE=10**8,
        )
        per_call = await timed(AccessControl(db, bus, memory), token, 100_000)
        print(f"hot path (cached token, budget in memory): {per_call * 1e6:.1f} µs per request")
        # Lease size 1: every request leases, i.e. the cost of one lease UPDATE.
        every = Settings(
            CAMPAIGNS_TOKEN_BURST=10**9, CAMPAIGNS_TOKEN_RATE=10**9, CAMPAIGNS_TOKEN_RATE_LEASE=1
        )
        per_lease = await timed(AccessControl(db, bus, every), token, 500)
        print(f"one lease (an UPDATE in its own transaction): {per_lease * 1e3:.2f} ms")
        print(
            f"at the default lease of {Settings().token_rate_lease} requests: "
            f"{(per_call + per_lease / Settings().token_rate_lease) * 1e6:.0f} µs per request on average"
        )
    finally:
        await bus.stop()
        await db.dispose()


async def timed(access: AccessControl, token: str, n: int) -> float:
    warm = await access.identify(token, "127.0.0.1")  # the look-up that fills the cache
    assert isinstance(warm, Principal)
    await access.enter(warm)  # the first lease
    access.leave(warm)
    start = time.perf_counter()
    for _ in range(n):
        principal = await access.identify(token, "127.0.0.1")
        assert isinstance(principal, Principal)
        assert await access.enter(principal) is None
        access.leave(principal)
    return (time.perf_counter() - start) / n


async def main() -> None:
    with postgres_server() as server:
        url = await create_database(server)
        try:
            await upgrade_async(url)
            db = Database(url, pool_size=1)
            async with db.transaction() as session:
                flood_token = (await create_merchant(session, "Flood", with_templates=False)).token
                bench_token = (await create_merchant(session, "Bench", with_templates=False)).token
            await db.dispose()
            emulator = create_emulator_app(
                EmulatorConfig(account_sid=EMULATOR_SID, auth_token=EMULATOR_TOKEN)
            )
            async with (
                serve(emulator) as emulator_url,
                server_process(url, emulator_url) as process,
            ):
                await flood(process.url, flood_token, 12)
            await hot_path(url, bench_token)
        finally:
            await drop_database(server, url)


if __name__ == "__main__":
    asyncio.run(main())
