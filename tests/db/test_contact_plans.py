"""The contact filter's statements on 1,000,000 contacts of 10 merchants: every plan reads
the merchant's own rows through an index, never a sequential scan of a table holding
other merchants' rows (contacts, leads, ledger, messages, campaigns).

The statements are the repository's own (repositories/contact_queries.py), explained with
their real bind values after ANALYZE."""

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import ClauseElement, Executable, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from db.database import Database
from db.migrate import upgrade_async
from repositories.contact_queries import (
    BehaviourCriterion,
    ContactCriteria,
    ContactEvent,
    add_leads_statement,
    contacts_statement,
    count_statement,
    counts_statement,
)
from repositories.pagination import PageRequest
from tests.support import create_database, drop_database

CONTACTS = 1_000_000
MERCHANTS = 10  # of 100,000 contacts each, and one more of 10,000
SMALL_MERCHANT_CONTACTS = 10_000
CAMPAIGNS_PER_MERCHANT = 100
# Tables with rows of every merchant: none of them may be read whole.
SHARED_TABLES = {
    "conversation_users",
    "campaign_leads",
    "campaign_lead_messages",
    "messages",
    "campaigns",
}


class Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, statement: Executable) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)  # type: ignore[arg-type]


SETUP = [
    "SET maintenance_work_mem = '256MB'",
    "INSERT INTO merchants (name) SELECT 'merchant ' || g FROM generate_series(1, 11) g",
    # Merchants' contacts interleaved, as they arrive over time; varied tags and attributes.
    f"""
    INSERT INTO conversation_users (merchant_id, phone, name, tags, attributes, opted_out_at)
    SELECT m.ids[1 + i % {MERCHANTS}], '+1' || (2000000000 + i)::text, 'c' || i,
           CASE WHEN i % 7 = 0 THEN ARRAY['vip', 't' || (i % 50)] ELSE ARRAY['t' || (i % 50)] END,
           jsonb_build_object('city', 'city' || (i % 40),
                              'plan', CASE WHEN i % 5 = 0 THEN 'gold' ELSE 'basic' END),
           CASE WHEN i % 97 = 0 THEN now() END
    FROM generate_series(1, {CONTACTS}) i,
         (SELECT array_agg(id ORDER BY id) AS ids
          FROM (SELECT id FROM merchants ORDER BY id LIMIT {MERCHANTS}) first) m
    """,
    # And a small merchant: 1% of the contacts.
    f"""
    INSERT INTO conversation_users (merchant_id, phone, name, tags, attributes)
    SELECT (SELECT max(id) FROM merchants), '+1' || (3000000000 + i)::text, 's' || i,
           CASE WHEN i % 7 = 0 THEN ARRAY['vip', 't' || (i % 50)] ELSE ARRAY['t' || (i % 50)] END,
           jsonb_build_object('city', 'city' || (i % 40), 'plan', 'gold')
    FROM generate_series(1, {SMALL_MERCHANT_CONTACTS}) i
    """,
    f"""
    INSERT INTO campaigns (merchant_id, name, body, status, campaign_type, author_type)
    SELECT merchants.id, 'campaign_' || n, 'Hi there, a body', 'approved', 'marketing', 'merchant'
    FROM merchants, generate_series(1, {CAMPAIGNS_PER_MERCHANT}) n
    """,
    # A fifth of the contacts are leads of one of 20 campaigns of their merchant.
    """
    INSERT INTO campaign_leads (campaign_id, conversation_user_id)
    SELECT c.id, cu.id FROM conversation_users cu
    JOIN campaigns c ON c.merchant_id = cu.merchant_id AND c.name = 'campaign_' || (1 + cu.id % 20)
    WHERE cu.id % 5 = 0
    """,
    """
    INSERT INTO messages (merchant_id, conversation_user_id, direction, status, sid,
                          created_at, delivered_at, read_at, failed_at, status_check_at)
    SELECT c.merchant_id, l.conversation_user_id, 'outbound',
           (ARRAY['read', 'delivered', 'undelivered'])[1 + l.id % 3], 'SM' || l.id,
           now() - (l.id % 60) * interval '1 day', now() - (l.id % 60) * interval '1 day',
           CASE WHEN l.id % 3 = 0 THEN now() END, CASE WHEN l.id % 3 = 2 THEN now() END, NULL
    FROM campaign_leads l JOIN campaigns c ON c.id = l.campaign_id
    """,
    """
    INSERT INTO campaign_lead_messages (campaign_id, campaign_lead_id, message_id, state,
                                        clicks, clicked_at)
    SELECT l.campaign_id, l.id, m.id, 'sent', (l.id % 4 = 0)::int,
           CASE WHEN l.id % 4 = 0 THEN now() END
    FROM campaign_leads l JOIN messages m ON m.sid = 'SM' || l.id
    """,
    """
    INSERT INTO messages (merchant_id, conversation_user_id, direction, status, sid,
                          status_check_at)
    SELECT merchant_id, conversation_user_id, 'inbound', 'received', 'IN' || id, NULL
    FROM messages WHERE id % 3 = 0
    """,
]


@dataclass
class Merchant:
    id: int
    campaign_id: int  # one of its campaigns with leads and ledger rows


@dataclass
class Loaded:
    db: Database
    large: Merchant  # 10% of the contacts
    small: Merchant  # 1%
    seconds: float


@pytest.fixture(scope="module")
async def loaded(postgres: str) -> AsyncIterator[Loaded]:
    url = await create_database(postgres)
    await upgrade_async(url)
    database = Database(url, pool_size=2)
    started = time.monotonic()
    async with database.engine.connect() as connection:
        # Indexes are built once after the load (as a restore does), which is far faster
        # than maintaining them row by row; their definitions are the migration's own.
        definitions = list(
            (
                await connection.execute(
                    text(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                        "'conversation_users' AND indexname LIKE 'ix_%'"
                    )
                )
            ).all()
        )
        for name, _ in definitions:
            await connection.execute(text(f'DROP INDEX "{name}"'))
        for statement in SETUP:
            await connection.execute(text(statement))
        for _, definition in definitions:
            await connection.execute(text(definition))
        await connection.commit()
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE"))
        large = await _merchant(connection, "SELECT min(id) + 3 FROM merchants")
        small = await _merchant(connection, "SELECT max(id) FROM merchants")
    yield Loaded(database, large, small, time.monotonic() - started)
    await database.dispose()
    await drop_database(postgres, url)


async def _merchant(connection: AsyncConnection, which: str) -> Merchant:
    merchant_id = int(await connection.scalar(text(which)))
    campaign = "SELECT id FROM campaigns WHERE merchant_id = :m AND name = 'campaign_7'"
    campaign_id = int(await connection.scalar(text(campaign), {"m": merchant_id}))
    return Merchant(merchant_id, campaign_id)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


async def _plan(loaded: Loaded, statement: Executable) -> list[dict[str, Any]]:
    async with loaded.db.engine.connect() as connection:
        found = await connection.scalar(Explain(statement))
    document = json.loads(found) if isinstance(found, str) else found
    return list(_nodes(document[0]["Plan"]))


def _problems(nodes: list[dict[str, Any]], *, bounded_walk: bool = False) -> list[str]:
    """Scans that read other merchants' rows: a sequential scan of a shared table, or
    the contacts' primary key walked without a condition (id order over every merchant),
    unless `bounded_walk` and a LIMIT stops the walk (a page of a merchant holding a
    tenth of all contacts: the planner rightly walks ids, ~10 rows read per row kept)."""
    problems = []
    limited = bounded_walk and nodes[0]["Node Type"] == "Limit"
    for node in nodes:
        relation = node.get("Relation Name")
        if node["Node Type"] == "Seq Scan" and relation in SHARED_TABLES:
            problems.append(f"Seq Scan on {relation}")
        walk = node.get("Index Name") == "pk_conversation_users" and "Index Cond" not in node
        if walk and not limited:
            problems.append("conversation_users read in id order across merchants")
    return problems


def _criteria(merchant: Merchant) -> dict[str, ContactCriteria]:
    def clause(event: ContactEvent, **more: Any) -> BehaviourCriterion:
        return BehaviourCriterion(merchant.campaign_id, event, **more)

    return {
        "tags": ContactCriteria(tags=("vip",)),
        "any tags": ContactCriteria(any_tags=("t3", "t4")),
        "attributes": ContactCriteria(attributes={"city": "city7", "plan": "gold"}),
        "opted out": ContactCriteria(opted_out=True),
        "received": ContactCriteria(behaviour=(clause(ContactEvent.RECEIVED, within_days=30),)),
        "read": ContactCriteria(behaviour=(clause(ContactEvent.READ),)),
        "clicked": ContactCriteria(behaviour=(clause(ContactEvent.CLICKED, within_days=7),)),
        "replied": ContactCriteria(behaviour=(clause(ContactEvent.REPLIED),)),
        "failed": ContactCriteria(behaviour=(clause(ContactEvent.FAILED),)),
        "not clicked, vip": ContactCriteria(
            tags=("vip",), behaviour=(clause(ContactEvent.CLICKED, negate=True),)
        ),
        "everyone": ContactCriteria(),
    }


async def test_the_load_is_fast_enough(loaded: Loaded) -> None:
    assert loaded.seconds < 60, f"loading 1,010,000 contacts took {loaded.seconds:.1f} s"


async def _all_problems(
    loaded: Loaded,
    build: Callable[[int, ContactCriteria, Merchant], Executable],
    *,
    bounded_walk: bool = False,
) -> dict[str, list[str]]:
    found = {}
    for merchant, size in ((loaded.large, "large"), (loaded.small, "small")):
        for name, criteria in _criteria(merchant).items():
            plan = await _plan(loaded, build(merchant.id, criteria, merchant))
            problems = _problems(plan, bounded_walk=bounded_walk and merchant is loaded.large)
            if problems:
                found[f"{size}: {name}"] = problems
    return found


async def test_contact_pages_read_only_the_merchants_rows(loaded: Loaded) -> None:
    def page(merchant_id: int, criteria: ContactCriteria, _: Merchant) -> Executable:
        return contacts_statement(merchant_id, criteria, PageRequest(50))

    assert await _all_problems(loaded, page, bounded_walk=True) == {}


async def test_segment_sizes_read_only_the_merchants_rows(loaded: Loaded) -> None:
    def size(merchant_id: int, criteria: ContactCriteria, _: Merchant) -> Executable:
        return count_statement(merchant_id, criteria)

    assert await _all_problems(loaded, size) == {}


async def test_a_page_of_segment_sizes_reads_only_the_merchants_rows(loaded: Loaded) -> None:
    found = {}
    for merchant, size in ((loaded.large, "large"), (loaded.small, "small")):
        every = list(_criteria(merchant).values())
        problems = _problems(await _plan(loaded, counts_statement(merchant.id, every)))
        if problems:
            found[size] = problems
    assert found == {}


async def test_adding_a_segment_to_a_campaign_reads_only_the_merchants_rows(
    loaded: Loaded,
) -> None:
    def add(merchant_id: int, criteria: ContactCriteria, merchant: Merchant) -> Executable:
        return add_leads_statement(merchant_id, criteria, merchant.campaign_id)

    assert await _all_problems(loaded, add) == {}
