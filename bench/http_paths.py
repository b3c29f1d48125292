"""GraphQL over HTTP: our hot paths, each next to its floor measured in the same run.

    .venv/bin/python -m bench.http_paths [--seconds 10] [--connections 16] [--single 200]

Starts a real `campaigns serve` process (the app, uvicorn, uvloop and garbage-collector
settings serve uses) on DATABASE_URL's PostgreSQL (else an embedded one), and a bare
Strawberry app (one field, same uvicorn, loop and collector settings) in a process of
its own. `wrk` (Debian: `apt-get install wrk`) drives each with N connections for a few
seconds:

- bare app `{ __typename }`: the floor of everything below;
- ours `{ __typename }` without a token, then with one: the floor of the authenticated
  paths is the bare app;
- ours `campaigns(first: 50)` with the contract's CampaignSummary fragment for a
  merchant with its default templates: its floor is the authenticated `{ __typename }`;
  plus the median and p90 of single requests, one at a time. The bare app answers the
  same document from 23 campaigns in memory (bench/bare_schema.py): what Strawberry's
  execution alone costs, printed next to both.

Each figure is printed with its ratio to its floor: the ratios, not the absolute
figures, carry from one machine to another. The per-token limits (CAMPAIGNS_TOKEN_RATE,
_BURST, _CONCURRENCY) are raised so that this measures speed, not the limiter; leases
of the shared budget still happen (one UPDATE per CAMPAIGNS_TOKEN_RATE_LEASE requests).
"""

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx

from db.database import Database
from db.migrate import upgrade_async
from services.merchants.service import create_merchant
from tests.gql.operations import contract
from tests.processes import server_process
from tests.support import create_database, drop_database, free_port, postgres_server

TYPENAME = "{ __typename }"
CAMPAIGNS = contract("Campaigns")
UNLIMITED = {
    "CAMPAIGNS_TOKEN_RATE": "1000000",
    "CAMPAIGNS_TOKEN_BURST": "1000000",
    "CAMPAIGNS_TOKEN_CONCURRENCY": "1000",
    "CAMPAIGNS_LOG_LEVEL": "warning",
}


def serve_bare(port: int) -> None:
    """The floors: Strawberry schemas (bench/bare_schema.py), served as `campaigns serve`
    serves: `ok` at /graphql, the in-memory campaigns at /campaigns."""
    import uvicorn
    from strawberry.asgi import GraphQL

    from bench.bare_schema import cached_schema, schema
    from cli.serve import quieter_garbage_collection, run_loop

    plain = GraphQL(schema, graphql_ide=None)
    cached = GraphQL(cached_schema, graphql_ide=None)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await (cached if scope.get("path") == "/campaigns" else plain)(scope, receive, send)

    async def main() -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        quieter_garbage_collection()
        await server.serve()

    run_loop(main())


async def start_bare(port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.http_paths", "--serve-bare", str(port)
    )
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.post(f"http://127.0.0.1:{port}/graphql", json={"query": TYPENAME})
                return process
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError("the bare Strawberry app did not start")


def wrk(url: str, query: str, token: str | None, seconds: int, connections: int) -> float:
    """Requests per second; every answer must be a 2xx (wrk counts the others)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    script = (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps({'query': query}))}\n"
        + "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", lua.name, url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failures:\n{output}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None:
        raise RuntimeError(f"no rate in wrk's output:\n{output}")
    return float(found.group(1))


async def check(
    url: str,
    query: str,
    token: str | None,
    variables: dict[str, int],
    *,
    expect_data: bool = False,
) -> None:
    """One request first: a path that answers errors would be measured as fast."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(headers=headers) as client:
        body = (await client.post(url, json={"query": query, "variables": variables})).json()
    if (token or expect_data) and body.get("errors"):
        raise RuntimeError(f"{query[:40]!r} answered errors: {body['errors'][:2]}")


async def single_requests(url: str, query: str, token: str, count: int) -> tuple[float, float]:
    """Median and p90 seconds of `count` requests made one after another."""
    payload = {"query": query, "variables": {"first": 50}}
    timings = []
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(count):
            started = time.perf_counter()
            response = await client.post(url, json=payload)
            timings.append(time.perf_counter() - started)
            response.raise_for_status()
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.9)]


def report(name: str, rate: float, floor_name: str, floor: float, goal: float | None) -> None:
    ratio = rate / floor
    target = f"; goal ≥ {goal:.2f}" if goal is not None else ""
    print(f"{name:<44} {rate:>8,.0f} req/s = {ratio:.2f} of {floor_name}{target}", flush=True)


async def run(seconds: int, connections: int, single: int) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    print(
        f"wrk, {connections} connections, {seconds} s each; per-token limits raised "
        "(CAMPAIGNS_TOKEN_RATE/BURST/CONCURRENCY) so the limiter is not what is measured",
        flush=True,
    )
    with postgres_server() as pg:
        url = await create_database(pg)
        await upgrade_async(url)
        db = Database(url, pool_size=2)
        async with db.transaction() as session:
            token = (await create_merchant(session, "Bench Shop")).token
        await db.dispose()
        bare_port = free_port()
        bare = await start_bare(bare_port)
        bare_url = f"http://127.0.0.1:{bare_port}/graphql"
        try:
            # Measured before our server starts: its start-up work would slow the floor.
            bare_campaigns = f"http://127.0.0.1:{bare_port}/campaigns"
            await check(bare_campaigns, CAMPAIGNS, None, {"first": 50}, expect_data=True)
            figures = {
                "bare": wrk(bare_url, TYPENAME, None, seconds, connections),
                "bare campaigns": _campaigns_rate(bare_campaigns, None, seconds, connections),
            }
            # No Twilio call is made by these paths: the emulator URL points nowhere.
            async with server_process(url, "http://127.0.0.1:9", env=UNLIMITED) as server:
                ours = f"{server.url}/graphql"
                await check(ours, CAMPAIGNS, token, {"first": 50})
                await asyncio.sleep(2)  # its jobs' first rounds done
                figures |= {
                    "anonymous": wrk(ours, TYPENAME, None, seconds, connections),
                    "token": wrk(ours, TYPENAME, token, seconds, connections),
                    "campaigns": _campaigns_rate(ours, token, seconds, connections),
                }
                median, p90 = await single_requests(ours, CAMPAIGNS, token, single)
        finally:
            bare.terminate()
            await bare.wait()
            await drop_database(pg, url)
    _print_figures(figures, median, p90, single)


def _print_figures(figures: dict[str, float], median: float, p90: float, single: int) -> None:
    bare_rate = figures["bare"]
    report("bare Strawberry app, { __typename }", bare_rate, "itself", bare_rate, None)
    report("ours, { __typename } without a token", figures["anonymous"], "bare", bare_rate, None)
    report("ours, { __typename } with a token", figures["token"], "bare", bare_rate, 0.9)
    report(
        "ours, campaigns(first: 50) CampaignSummary",
        figures["campaigns"],
        "authenticated __typename",
        figures["token"],
        0.3,
    )
    report(
        "bare app, the same Campaigns from memory",
        figures["bare campaigns"],
        "authenticated __typename",
        figures["token"],
        None,
    )
    report(
        "ours, campaigns, against the same from memory",
        figures["campaigns"],
        "the bare app's",
        figures["bare campaigns"],
        None,
    )
    print(
        f"one campaigns(first: 50) request at a time: median {median * 1000:.1f} ms, "
        f"p90 {p90 * 1000:.1f} ms (goal ≤ 10 ms; {single} requests)"
    )


def _campaigns_rate(url: str, token: str | None, seconds: int, connections: int) -> float:
    # wrk's body is the query with its variables inlined: same document, same work.
    return wrk(
        url, CAMPAIGNS.replace("$first: Int", "$first: Int = 50"), token, seconds, connections
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--single", type=int, default=200, help="single requests timed")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
    else:
        asyncio.run(run(args.seconds, args.connections, args.single))
