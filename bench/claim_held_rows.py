"""What rows held back cost the send worker's claim.

Quiet hours, Meta's 63049 and a sender's rate hold rows pending with `next_attempt_at`
in the future; the claim must not read past them. One send of 100,000 rows, most of
them held for hours and the rest due; the floor, measured in the same run, is a claim of
the same size from a send of the same size with nothing held. Prints both medians and
their ratio (1.0: held rows cost nothing).

    .venv/bin/python -m bench.claim_held_rows [--rows 100000] [--held 0.99] [--claims 50]

Uses DATABASE_URL's server if set, else an embedded PostgreSQL in a temporary folder.
"""

import argparse
import asyncio
import statistics
import time

from sqlalchemy import text

from db.database import Database
from db.migrate import upgrade_async
from repositories import ledger
from tests.support import create_database, drop_database, postgres_server

_ROWS = """
INSERT INTO campaign_lead_messages
    (campaign_id, campaign_lead_id, campaign_send_id, state, next_attempt_at)
SELECT :campaign, l.id, :send, 'pending',
       CASE WHEN row_number() OVER (ORDER BY l.id) <= :held THEN now() + interval '8 hours' END
FROM campaign_leads l WHERE l.campaign_id = :campaign
"""


async def _send(db: Database, rows: int, held: int) -> int:
    """A running send of `rows` rows, the first `held` of them held for eight hours."""
    async with db.transaction() as s:
        merchant = await s.scalar(text("INSERT INTO merchants (name) VALUES ('m') RETURNING id"))
        campaign = await s.scalar(
            text(
                "INSERT INTO campaigns (merchant_id, name, body, campaign_type, author_type) "
                "VALUES (:m, 'c', 'b', 'marketing', 'merchant') RETURNING id"
            ),
            {"m": merchant},
        )
        await s.execute(
            text(
                "INSERT INTO conversation_users (merchant_id, phone) SELECT :m, "
                "'+1415' || lpad(g::text, 7, '0') FROM generate_series(1, :n) g"
            ),
            {"m": merchant, "n": rows},
        )
        await s.execute(
            text(
                "INSERT INTO campaign_leads (campaign_id, conversation_user_id) "
                "SELECT :c, id FROM conversation_users WHERE merchant_id = :m"
            ),
            {"c": campaign, "m": merchant},
        )
        send = await s.scalar(
            text(
                "INSERT INTO campaign_sends (merchant_id, campaign_id, status, total) "
                "VALUES (:m, :c, 'paused', :n) RETURNING id"
            ),
            {"m": merchant, "c": campaign, "n": rows},
        )
        await s.execute(text(_ROWS), {"campaign": campaign, "send": send, "held": held})
    return int(send or 0)


async def _median_claim(db: Database, send: int, claims: int) -> float:
    """Median seconds of a claim of 50 while only `send` runs (each claim rolled back)."""
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE campaign_sends SET status = 'running' WHERE id = :i"), {"i": send}
        )
    times = []
    for _ in range(claims):
        async with db.session() as s, s.begin() as tx:
            started = time.perf_counter()
            claimed = await ledger.claim(s, 50)
            times.append(time.perf_counter() - started)
            assert len(claimed) == 50, len(claimed)
            await tx.rollback()
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE campaign_sends SET status = 'paused' WHERE id = :i"), {"i": send}
        )
    return statistics.median(times)


async def run(server: str, rows: int, held: float, claims: int) -> None:
    url = await create_database(server)
    await upgrade_async(url)
    db = Database(url)
    try:
        floor_send = await _send(db, rows, 0)
        held_send = await _send(db, rows, min(rows - 50, int(rows * held)))
        async with db.session() as s:
            await s.execute(text("ANALYZE"))
        floor = await _median_claim(db, floor_send, claims)
        measured = await _median_claim(db, held_send, claims)
        print(f"claim of 50, nothing held (floor): median {floor * 1000:.2f} ms")
        print(
            f"claim of 50, {held:.0%} of {rows:,} rows held ahead: median {measured * 1000:.2f} ms"
        )
        print(f"ratio to the floor: {measured / floor:.2f} (1.0: held rows cost the claim nothing)")
    finally:
        await db.dispose()
        await drop_database(server, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--held", type=float, default=0.99)
    parser.add_argument("--claims", type=int, default=50)
    args = parser.parse_args()
    with postgres_server() as server:
        asyncio.run(run(server, args.rows, args.held, args.claims))


if __name__ == "__main__":
    main()
