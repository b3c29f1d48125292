"""DataLoaders for every relation, scoped to the request's merchant.

The loaders of one request share one read session (`reads`), taking turns under its lock:
loaders resolving side by side never use the connection at the same time (an
AsyncSession is not safe for concurrent use), and a request pays for one pool checkout
rather than one per batch. Resolvers of the request read through `reads` too.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from db.database import Database
from db.shared_session import SharedSession
from repositories.campaigns import CampaignRepository
from repositories.leads import LeadRepository
from repositories.pagination import Page, PageRequest
from repositories.send_reads import LedgerCounts, LedgerRepository, SendRepository
from repositories.senders import SenderRepository
from repositories.twilio_accounts import TwilioAccountRepository

K = TypeVar("K")
V = TypeVar("V")
PageKey = tuple[int, int, int | None]  # (parent id, limit, after id)


class Loaders:
    def __init__(self, db: Database, merchant_id: int, reads: SharedSession | None = None) -> None:
        self.db = db
        self.merchant_id = merchant_id
        self.reads = reads or db.shared_reads()
        m = merchant_id
        self.campaign = self._by_key(lambda s, ids: CampaignRepository(s).by_ids(m, ids))
        self.previous_campaign = self._by_key(
            lambda s, ids: CampaignRepository(s).previous_of(m, ids)
        )
        self.versions = self._every_key(
            lambda s, names: CampaignRepository(s).versions_of(m, names), list
        )
        self.lead_counts = self._every_key(
            lambda s, ids: LeadRepository(s).counts_by_campaign(ids), lambda: (0, 0)
        )
        self.ledger_counts = self._every_key(
            lambda s, ids: LedgerRepository(s).counts_by_campaign(ids), LedgerCounts
        )
        self.send_counts = self._every_key(
            lambda s, ids: LedgerRepository(s).counts_by_send(ids), LedgerCounts
        )
        self.lead = self._by_key(lambda s, ids: LeadRepository(s).by_ids(m, ids))
        self.person = self._by_key(lambda s, ids: LeadRepository(s).people_by_ids(m, ids))
        self.ledger_row = self._by_key(lambda s, ids: LedgerRepository(s).by_ids(m, ids))
        self.message = self._by_key(lambda s, ids: LedgerRepository(s).messages_by_ids(m, ids))
        self.send = self._by_key(lambda s, ids: SendRepository(s).by_ids(m, ids))
        self.sends_of_campaign = self._every_key(
            lambda s, ids: SendRepository(s).by_campaigns(m, ids), list
        )
        # A merchant's account and senders: its own only, whatever key is asked for.
        self.twilio_account = self._by_key(
            lambda s, ids: TwilioAccountRepository(s).by_merchants([i for i in ids if i == m])
        )
        self.senders_of_merchant = self._every_key(
            lambda s, ids: SenderRepository(s).live_by_merchants([i for i in ids if i == m]), list
        )
        self.sender = self._by_key(lambda s, ids: SenderRepository(s).by_ids(m, ids))
        self.lead_page = self._pages(lambda s, ids, r: LeadRepository(s).pages_by_campaign(ids, r))
        self.ledger_page = self._pages(
            lambda s, ids, r: LedgerRepository(s).pages_by_campaign(ids, r)
        )

    def _by_key(
        self, fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[dict[K, V]]]
    ) -> DataLoader[K, V | None]:
        """None for a key with no row (another merchant's included)."""

        async def batch(keys: list[K]) -> list[V | None]:
            async with self.reads.use() as session:
                found = await fetch(session, keys)
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=batch)

    def _every_key(
        self,
        fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[dict[K, V]]],
        default: Callable[[], V],
    ) -> DataLoader[K, V]:
        """A value for every key: counts and lists, empty when there is nothing."""

        async def batch(keys: list[K]) -> list[V]:
            async with self.reads.use() as session:
                found = await fetch(session, keys)
            return [found[key] if key in found else default() for key in keys]

        return DataLoader(load_fn=batch)

    def _pages(
        self,
        fetch: Callable[[AsyncSession, Sequence[int], PageRequest], Awaitable[dict[int, Page[V]]]],
    ) -> DataLoader[PageKey, Page[V]]:
        async def batch(keys: list[PageKey]) -> list[Page[V]]:
            # One statement per distinct (limit, after) pair; usually there is one.
            requests: dict[tuple[int, int | None], list[int]] = {}
            for parent, limit, after in keys:
                requests.setdefault((limit, after), []).append(parent)
            pages: dict[PageKey, Page[V]] = {}
            async with self.reads.use() as session:
                for (limit, after), parents in requests.items():
                    found = await fetch(session, parents, PageRequest(limit, after))
                    for parent in parents:
                        pages[(parent, limit, after)] = found[parent]
            return [pages[key] for key in keys]

        return DataLoader(load_fn=batch)


async def load_required(loader: DataLoader[K, V | None], key: K) -> V:
    """A row a foreign key guarantees: one of the merchant's rows points at it."""
    found = await loader.load(key)
    if found is None:
        raise LookupError(f"no row {key!r} behind a foreign key")
    return found
