"""How long the known attacks take, how long they stall the server's event loop, and how
much memory they take.

The server runs in this process (so a ticker on its event loop sees every stall) with its
default limits, on the event loop and garbage-collector settings `campaigns serve` uses;
the attacks are sent from another process with bodies prepared beforehand, so the client
costs the server neither time nor memory. For each attack it prints the status, the wall
time, the longest event-loop stall while it ran, the server process's resident memory at
its peak during the attack and after it (both relative to before it: memory an earlier
attack freed is reused first), the response size and what was logged.

    .venv/bin/python -m bench.attacks [-v]    (-v prints what was logged)

Uses DATABASE_URL's server if set, else an embedded PostgreSQL in a temporary folder.
"""

import asyncio
import json
import logging
import multiprocessing
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import psutil
from sqlalchemy import update

from cli.serve import quieter_garbage_collection, run_loop
from db.database import Database
from db.enums import CampaignStatus
from db.migrate import upgrade_async
from db.models import Campaign
from gql.app import create_app
from gql.ids import decode_pk
from jobs.runtime import Runtime
from services.merchants.service import create_merchant
from services.settings import Settings
from tests.gql.operations import contract
from tests.support import create_database, drop_database, postgres_server, serve

CREATE, UPDATE, ADD_LEADS = (
    contract("CreateCampaign"),
    contract("UpdateCampaign"),
    contract("AddCampaignLeads"),
)


class LoopLag:
    """A ticker that wakes every 5 ms and records how late it woke."""

    def __init__(self) -> None:
        self.worst = 0.0

    async def run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - before - 0.005)


VERBOSE = "-v" in sys.argv
# This machine's other work stalls the loop now and then (tens of ms, even for a request
# that does nothing): the median of a few runs says what the request itself costs.
REPEAT = 3
MB = 1024 * 1024


class Memory:
    """The process's resident memory, sampled every millisecond while `watching`."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.before = self.peak = self.rss()

    def rss(self) -> int:
        return int(self.process.memory_info().rss)

    def watching(self, work: Callable[[], Any]) -> Any:
        self.before = self.peak = self.rss()
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.001):
                self.peak = max(self.peak, self.rss())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            return work()
        finally:
            done.set()
            sampler.join()
            self.peak = max(self.peak, self.rss())

    def columns(self) -> str:
        return f"{(self.peak - self.before) / MB:+8.1f} {(self.rss() - self.before) / MB:+8.1f}"


class LogVolume(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.bytes = 0
        self.records = 0
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        line = self.format(record)
        self.bytes += len(line)
        if VERBOSE:
            print("   log:", line[:200])


@dataclass
class Attack:
    name: str
    send: Callable[[httpx.Client], httpx.Response]


def post(body: bytes, token: str | None = None) -> Callable[[httpx.Client], httpx.Response]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return lambda client: client.post("/graphql", content=body, headers=headers)


def graphql(query: str, variables: Any = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


def attacks(token: str, campaign_id: str) -> list[Attack]:
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(600_000)) + " }"
    errors = "{ " + " ".join(f"f{i}: nope{i}" for i in range(100))
    unknown = errors + " " * 1_000_000 + " }"
    at_limit = errors + " " * (24_990 - len(errors)) + " }"  # CAMPAIGNS_MAX_QUERY_LENGTH
    versions = "versions { " * 8 + "id" + " }" * 8
    deep = f'{{ campaign(id: "{campaign_id}") {{ {versions} }} }}'
    pages = "{ " + " ".join(f"c{i}: campaigns(first: 500) {{ totalCount }}" for i in range(1000))
    leads = [{"phone": f"+1415555{i:04d}", "name": f"Lead {i}"} for i in range(10_000)]
    leads[3]["name"] = "a\x00b"
    filter_query = "query($f: CampaignFilter) { campaigns(filter: $f) { totalCount } }"
    big_filter = graphql(filter_query, {"f": {"nameContains": "a" * 1_000_000}})
    huge_int = b'{"query": "query($n: Int) { campaigns(first: $n) { totalCount } }", '
    return [
        Attack("600,000 aliases, 10 MB, no token", post(graphql(aliases + " }"))),
        Attack("1 MB one-line query with 100 errors", post(graphql(unknown))),
        Attack("25,000-char one-line query, 100 errors", post(graphql(at_limit))),
        Attack("50 MB body", post(b'{"query": "' + b" " * 50_000_000 + b'{ __typename }"}')),
        Attack("versions 8 deep", post(graphql(deep), token)),
        Attack("1,000 aliases of campaigns(first: 500)", post(graphql(pages + " }"), token)),
        Attack("1 MB nameContains filter", post(big_filter, token)),
        Attack("NUL in a filter", post(graphql(filter_query, {"f": {"name": "a\x00"}}), token)),
        Attack(
            "10,000 leads, a NUL in one",
            post(graphql(ADD_LEADS, {"campaignId": campaign_id, "leads": leads}), token),
        ),
        Attack(
            "4,301-digit integer", post(huge_int + b'"variables": {"n": ' + b"1" * 4301 + b"}}")
        ),
        Attack(
            "50,000-deep JSON",
            post(
                b'{"query": "{ __typename }", "variables": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
            ),
        ),
    ]


def concurrent_filters(client: httpx.Client, token: str, other_token: str) -> tuple[float, int]:
    """32 concurrent 1 MB filters, and how long another merchant waits meanwhile."""
    query = "query($f: CampaignFilter) { campaigns(filter: $f) { totalCount } }"
    body = graphql(query, {"f": {"nameContains": "a" * 1_000_000}})
    with ThreadPoolExecutor(33) as pool:
        futures = [pool.submit(post(body, token), client) for _ in range(32)]
        start = time.perf_counter()
        other = post(graphql("{ campaigns { totalCount } }"), other_token)(client)
        waited = time.perf_counter() - start
        statuses = {future.result().status_code for future in futures}
    assert other.status_code == 200
    return waited, len(statuses)


async def prepare(url: str) -> tuple[str, str]:
    """Two merchants; the first has a template of five versions."""
    db = Database(url, pool_size=2)
    async with db.transaction() as session:
        account = await create_merchant(session, "Bench Shop", with_templates=False)
        other = await create_merchant(session, "Other Shop", with_templates=False)
    await db.dispose()
    return account.token, other.token


async def five_versions(server: str, db: Database, token: str) -> str:
    async with httpx.AsyncClient(base_url=server, timeout=60) as http:
        headers = {"Authorization": f"Bearer {token}"}
        body = "Hi {{lead_name}}, this is version number 0 of our sale."
        create = {"query": CREATE, "variables": {"input": {"name": "bench", "body": body}}}
        reply = (await http.post("/graphql", json=create, headers=headers)).json()
        campaign_id: str = reply["data"]["createCampaign"]["campaign"]["id"]
        for version in range(1, 5):
            async with db.transaction() as session:  # stands in for Twilio's approval
                await session.execute(
                    update(Campaign)
                    .where(Campaign.id == decode_pk(campaign_id, "Campaign"))
                    .values(status=CampaignStatus.APPROVED)
                )
            body = f"Hi {{{{lead_name}}}}, this is version number {version} of our sale."
            edit = {"query": UPDATE, "variables": {"id": campaign_id, "input": {"body": body}}}
            reply = (await http.post("/graphql", json=edit, headers=headers)).json()
            campaign_id = reply["data"]["updateCampaign"]["campaign"]["id"]
    return campaign_id


# The attacker runs in a process of its own: in this one its threads (and its copies of
# 50 MB bodies) would hold the GIL, and take memory, while the server is being measured.
_CLIENT: dict[str, Any] = {}


def _start_client(server: str, token: str, other: str, campaign_id: str) -> None:
    _CLIENT.update(
        http=httpx.Client(base_url=server, timeout=120),
        attacks=attacks(token, campaign_id),
        tokens=(token, other),
    )


def _attack_names() -> list[str]:
    return [attack.name for attack in _CLIENT["attacks"]]


def _send(index: int) -> tuple[str, int, float]:
    """Status, response size and seconds of one attack."""
    start = time.perf_counter()
    try:
        response = _CLIENT["attacks"][index].send(_CLIENT["http"])
        status, size = str(response.status_code), len(response.content)
    except httpx.HTTPError as error:  # the server stopped reading: 413 unread
        status, size = type(error).__name__[:6], 0
    return status, size, time.perf_counter() - start


def _concurrent() -> float:
    return concurrent_filters(_CLIENT["http"], *_CLIENT["tokens"])[0]


def run_attacks(server: str, token: str, other: str, campaign_id: str, lag: LoopLag) -> None:
    volume = LogVolume()
    for name in ("", "uvicorn.error", "uvicorn"):
        logging.getLogger(name).addHandler(volume)
    logging.getLogger().setLevel(logging.INFO)
    memory = Memory()
    start_rss = memory.rss()
    print(f"each attack {REPEAT} times; stall: median and worst; memory: the first time")
    print(
        f"{'attack':42} {'status':>6} {'seconds':>8} {'stall ms':>13} {'peak MB':>8} "
        f"{'kept MB':>8} {'bytes':>8} {'log':>8}"
    )
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        1, spawn, _start_client, (server, token, other, campaign_id)
    ) as client:
        for index, name in enumerate(client.submit(_attack_names).result()):
            stalls, logged = [], volume.bytes
            for time_ in range(REPEAT):
                lag.worst = 0.0
                if time_ == 0:
                    status, size, seconds = memory.watching(client.submit(_send, index).result)
                    columns = memory.columns()
                else:
                    client.submit(_send, index).result()
                stalls.append(lag.worst * 1000)
            print(
                f"{name:42} {status:>6} {seconds:8.3f} {_stalls(stalls)} "
                f"{columns} {size:8} {(volume.bytes - logged) // REPEAT:8}"
            )
        lag.worst = 0.0
        waited = memory.watching(client.submit(_concurrent).result)
        print(
            f"another merchant during 32 concurrent 1 MB filters: waited {waited:.3f} s, "
            f"stall {lag.worst * 1000:.1f} ms, memory peak/kept MB {memory.columns()}"
        )
    print(
        f"resident memory: {start_rss / MB:.0f} MB before the attacks, {memory.rss() / MB:.0f} after"
    )


def _stalls(stalls: list[float]) -> str:
    return f"{statistics.median(stalls):6.1f} {max(stalls):6.1f}"


async def main() -> None:
    with postgres_server() as server:
        url = await create_database(server)
        await upgrade_async(url)
        token, other = await prepare(url)
        settings = Settings(DATABASE_URL=url, CAMPAIGNS_SUBMIT_DEFAULT_TEMPLATES=False)
        db = Database(url, statement_timeout_ms=settings.statement_timeout_ms)
        lag = LoopLag()
        ticker = asyncio.create_task(lag.run())
        try:
            async with serve(create_app(Runtime(db, settings))) as served:
                campaign_id = await five_versions(served, db, token)
                quieter_garbage_collection()
                await asyncio.to_thread(run_attacks, served, token, other, campaign_id, lag)
        finally:
            ticker.cancel()
            await drop_database(server, url)


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    run_loop(main())
