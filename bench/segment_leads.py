"""How long addCampaignLeadsFromSegment takes for a 100,000-contact segment.

One `campaigns serve` process on a fresh database; a merchant with 100,000 contacts
tagged `bench` (and as many of another merchant, and untagged ones of its own, written
with SQL), a segment `{tags: ["bench"]}`, and for each round a new campaign filled from
the segment through the real GraphQL HTTP app. The floor, measured in the same run, is an
authenticated `{ __typename }`; the segment's live `size` is timed beside it.

    .venv/bin/python -m bench.segment_leads [--contacts 100000] [--rounds 3]

Uses DATABASE_URL's server if set, else an embedded PostgreSQL in a temporary folder.
"""

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx
from sqlalchemy import text

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
    create_database,
    drop_database,
    postgres_server,
    serve,
)

CREATE_CAMPAIGN = contract("CreateCampaign")
CREATE_SEGMENT = """
mutation($input: SegmentInput!) { createSegment(input: $input) { segment { id } errors { code } } }
"""
SIZE = "query($id: ID!) { segment(id: $id) { size } }"
ADD = """
mutation($campaignId: ID!, $segmentId: ID!) {
  addCampaignLeadsFromSegment(campaignId: $campaignId, segmentId: $segmentId) {
    added errors { field code message }
  }
}"""

CONTACTS = """
INSERT INTO conversation_users (merchant_id, phone, name, tags, attributes)
SELECT :merchant, '+1' || (CAST(:base AS bigint) + i)::text, 'Person ' || i,
       CASE WHEN :tagged THEN ARRAY['bench', 't' || (i % 50)] ELSE ARRAY['t' || (i % 50)] END,
       jsonb_build_object('city', 'city' || (i % 40))
FROM generate_series(1, :count) i
"""


async def _setup(url: str, contacts: int) -> str:
    """The bench merchant's token, its contacts and its neighbours' written."""
    db = Database(url, pool_size=2)
    async with db.transaction() as session:
        account = await create_merchant(session, "Bench Shop", with_templates=False)
        other = await create_merchant(session, "Other Shop", with_templates=False)
        merchant_id = account.merchant.id
        for merchant, base, tagged in (
            (merchant_id, 2_000_000_000, True),
            (merchant_id, 2_100_000_000, False),
            (other.merchant.id, 2_200_000_000, True),
        ):
            parameters = {"merchant": merchant, "base": base, "tagged": tagged, "count": contacts}
            await session.execute(text(CONTACTS), parameters)
    async with db.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE"))
    await db.dispose()
    return account.token


async def _timed(client: GraphQLClient, query: str, variables: dict[str, Any]) -> float:
    start = time.perf_counter()
    await client.data(query, variables)
    return time.perf_counter() - start


async def _rounds(client: GraphQLClient, rounds: int, contacts: int) -> dict[str, list[float]]:
    created = await client.data(
        CREATE_SEGMENT, {"input": {"name": "Bench", "filter": {"tags": ["bench"]}}}
    )
    segment_id = created["createSegment"]["segment"]["id"]
    floor = [await _timed(client, "{ __typename }", {}) for _ in range(20)]
    sizes = [await _timed(client, SIZE, {"id": segment_id}) for _ in range(5)]
    adds = []
    for round_ in range(rounds):
        body = "Hi {{lead_name}}, this is round number " + str(round_) + " of our sale."
        campaign = await client.data(
            CREATE_CAMPAIGN, {"input": {"name": f"bench_{round_}", "body": body}}
        )
        campaign_id = campaign["createCampaign"]["campaign"]["id"]
        start = time.perf_counter()
        result = await client.data(ADD, {"campaignId": campaign_id, "segmentId": segment_id})
        adds.append(time.perf_counter() - start)
        added = result["addCampaignLeadsFromSegment"]
        assert added == {"added": contacts, "errors": []}, added
    return {"floor": floor, "size": sizes, "add": adds}


async def run(contacts: int, rounds: int, server: str) -> None:
    url = await create_database(server)
    try:
        await upgrade_async(url)
        token = await _setup(url, contacts)
        config = EmulatorConfig(account_sid=EMULATOR_SID, auth_token=EMULATOR_TOKEN, knobs=Knobs())
        async with (
            serve(create_emulator_app(config)) as emulator_url,
            server_process(url, emulator_url) as app,
            httpx.AsyncClient(base_url=app.url, timeout=120) as http,
        ):
            figures = await _rounds(GraphQLClient(http, token), rounds, contacts)
    finally:
        await drop_database(server, url)
    floor = statistics.median(figures["floor"])
    size = statistics.median(figures["size"])
    add = statistics.median(figures["add"])
    print(
        f"segment of {contacts:,} contacts (of {3 * contacts:,} in the database), {rounds} rounds"
    )
    print(f"floor, authenticated {{ __typename }}: median {floor * 1000:.1f} ms")
    print(f"segment size (live count): median {size * 1000:.1f} ms = {size / floor:.0f}x the floor")
    print(
        "addCampaignLeadsFromSegment: "
        + ", ".join(f"{s:.2f} s" for s in figures["add"])
        + f"; median {add:.2f} s = {contacts / add:,.0f} rows/s = {add / floor:.0f}x the floor"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    async def go() -> None:
        with postgres_server() as server:
            await run(args.contacts, args.rounds, server)

    asyncio.run(go())


if __name__ == "__main__":
    main()
