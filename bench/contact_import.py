"""CSV import of contacts through the real server, next to its floor.

    .venv/bin/python -m bench.contact_import [--rows 100000,1000000]

For each size: a CSV of that many rows (phone, name, two attributes; 1% invalid phones,
1% phones repeated from earlier lines) is uploaded to one `campaigns serve` process
(importContacts, multipart), and polled until COMPLETED. Prints rows/s and wall time
from the upload's first byte, and the peak resident memory (VmHWM) of the server process
and of its import workers, after start-up and after the import: memory should not grow
with the file. The floor, in the same run: the same good rows COPYed alone with asyncpg
into a table with conversation_users' unique index (no parsing, no checks, no upsert).
Uses DATABASE_URL's server if set, else an embedded PostgreSQL.
"""

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
import psutil

from db.database import Database
from db.engine import libpq_url
from db.migrate import upgrade_async
from services.merchants.service import create_merchant
from tests.gql.imports.support import IMPORT, STATE, multipart
from tests.processes import server_process
from tests.support import create_database, drop_database, postgres_server

CITIES = ("Lisbon", "Porto", "Faro", "Braga", "Coimbra")


def write_csv(path: Path, rows: int) -> tuple[int, int]:
    """The file, and how many rows are invalid and duplicates."""
    rng = random.Random(rows)
    invalid = duplicates = 0
    seen: set[str] = set()
    with path.open("w", encoding="utf-8") as file:
        file.write("phone,name,city,plan\n")
        for i in range(rows):
            roll = rng.random()
            if roll < 0.01:
                phone, invalid = f"555-{i:04d}", invalid + 1
            elif roll < 0.02 and i > 10:  # an earlier line's phone (if that one was valid)
                phone = f"+1415{2_000_000 + rng.randrange(i // 2)}"
                duplicates += phone in seen
            else:
                phone = f"+1415{2_000_000 + i}"
            seen.add(phone)
            file.write(f"{phone},Person {i},{CITIES[i % 5]},{'gold' if i % 3 else 'free'}\n")
    return invalid, duplicates


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def workers_peak_kib(pid: int) -> int:
    return max((peak_kib(child.pid) for child in psutil.Process(pid).children()), default=0)


async def run_import(url: str, token: str, path: Path, pid: int) -> tuple[float, dict[str, int]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=600) as http:
        started = time.perf_counter()
        with path.open("rb") as file:
            parts = multipart(IMPORT, {"mapping": _mapping()}, b"")
            parts["files"] = {"0": ("contacts.csv", file, "text/csv")}
            answer = (await http.post("/graphql", headers=headers, **parts)).json()
        import_id = answer["data"]["importContacts"]["contactImport"]["id"]
        while True:
            body = {"query": STATE, "variables": {"id": import_id, "first": 0}}
            found = (await http.post("/graphql", headers=headers, json=body)).json()
            state = found["data"]["contactImport"]
            if state["status"] != "RUNNING":
                break
            await asyncio.sleep(0.2)
        wall = time.perf_counter() - started
    assert state["status"] == "COMPLETED", state
    return wall, state


def _mapping() -> dict[str, object]:
    return {"phone": "phone", "name": "name", "attributes": ["city", "plan"], "tags": ["bench"]}


async def copy_floor(url: str, path: Path) -> float:
    """The file's rows COPYed alone: no checks, no upsert, one index."""
    lines = (await asyncio.to_thread(path.read_text, encoding="utf-8")).splitlines()[1:]
    records = []
    for line in lines:
        phone, name, city, plan = line.split(",")
        records.append((phone, name, f'{{"city":"{city}","plan":"{plan}"}}'))
    connection = await asyncpg.connect(libpq_url(url))
    try:
        await connection.execute(
            "CREATE TEMP TABLE floor (phone text, name text, attributes jsonb)"
        )
        await connection.execute("CREATE INDEX ON floor (phone)")
        started = time.perf_counter()
        await connection.copy_records_to_table("floor", records=records)
        return time.perf_counter() - started
    finally:
        await connection.close()


async def measure(pg: str, rows: int, env: dict[str, str]) -> None:
    url = await create_database(pg)
    await upgrade_async(url)
    db = Database(url, pool_size=2)
    async with db.transaction() as session:
        token = (await create_merchant(session, "Bench Shop", with_templates=False)).token
    await db.dispose()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.csv"
        invalid, duplicates = write_csv(path, rows)
        size = path.stat().st_size
        try:
            async with server_process(url, "http://127.0.0.1:9", env=env) as server:
                pid = server.process.pid
                before = peak_kib(pid)
                wall, state = await run_import(server.url, token, path, pid)
                after, workers = peak_kib(pid), workers_peak_kib(pid)
            floor = await copy_floor(url, path)
        finally:
            await drop_database(pg, url)
    assert state["failedRows"] == invalid and state["duplicateRows"] == duplicates, state
    print(
        f"{rows:>9,} rows ({size / 1e6:.0f} MB): {wall:.1f} s, {rows / wall:,.0f} rows/s; "
        f"imported {state['importedRows']:,}, failed {invalid:,}, duplicates {duplicates:,}; "
        f"server VmHWM {before / 1024:.0f} MiB at start, {after / 1024:.0f} MiB after; "
        f"workers' VmHWM {workers / 1024:.0f} MiB; floor (COPY alone) {floor:.1f} s, "
        f"import / floor = {wall / floor:.1f}"
    )


async def main(sizes: list[int], workers: int) -> None:
    env = {"CAMPAIGNS_IMPORT_WORKERS": str(workers)}
    with postgres_server() as pg:
        for rows in sizes:
            await measure(pg, rows, env)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--workers", type=int, default=0, help="CAMPAIGNS_IMPORT_WORKERS")
    arguments = parser.parse_args()
    asyncio.run(main([int(size) for size in arguments.rows.split(",")], arguments.workers))
