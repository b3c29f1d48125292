"""DataLoaders for every relation, scoped to the request's merchant.

The loaders of one request share one read session (`reads`), taking turns under its lock:
loaders resolving side by side never use the connection at the same time (an
AsyncSession is not safe for concurrent use), and a request pays for one pool checkout
rather than one per batch. Resolvers of the request read through `reads` too.
"""

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from db.database import Database
from db.models import (
    Campaign,
    CampaignLead,
    CampaignLeadMessage,
    CampaignSend,
    Message,
    Segment,
    Sender,
    TwilioAccount,
)
from db.shared_session import SharedSession
from repositories.campaigns import CampaignRepository
from repositories.contacts import ContactCounts, ContactRepository
from repositories.leads import LeadRepository, PersonRow
from repositories.pagination import Page, PageRequest
from repositories.segments import SegmentRepository
from repositories.send_reads import (
    CampaignCounts,
    LedgerCounts,
    LedgerRepository,
    SendRepository,
)
from repositories.senders import SenderRepository
from repositories.twilio_accounts import TwilioAccountRepository
from services.contacts.rules import CAMPAIGNS_SHOWN
from services.contacts.segments import SegmentService
from services.policy.policy import DEFAULT_POLICY, SendingPolicy
from services.policy.stored import policies_of

K = TypeVar("K")
V = TypeVar("V")
PageKey = tuple[int, int, int | None]  # (parent id, limit, after id)


class Loaders:
    """Each loader is made when a resolver first asks for it: a request uses a few of
    them, and making all of them took as long as a small query's execution."""

    def __init__(self, db: Database, merchant_id: int, reads: SharedSession | None = None) -> None:
        self.db = db
        self.merchant_id = merchant_id
        self.reads = reads or db.shared_reads()

    @cached_property
    def campaign(self) -> DataLoader[int, Campaign | None]:
        m = self.merchant_id
        return self._by_key(lambda s, ids: CampaignRepository(s).by_ids(m, ids))

    @cached_property
    def previous_campaign(self) -> DataLoader[int, Campaign | None]:
        m = self.merchant_id
        return self._by_key(lambda s, ids: CampaignRepository(s).previous_of(m, ids))

    @cached_property
    def versions(self) -> DataLoader[str, list[Campaign]]:
        m = self.merchant_id
        return self._every_key(lambda s, names: CampaignRepository(s).versions_of(m, names), list)

    @cached_property
    def campaign_counts(self) -> DataLoader[int, CampaignCounts]:
        # Leads and ledger together: `stats` shows both, and a campaign's connections'
        # totalCounts are among them, so one statement serves all three.
        return self._every_key(
            lambda s, ids: LedgerRepository(s).counts_by_campaign(ids), CampaignCounts
        )

    @cached_property
    def send_counts(self) -> DataLoader[int, LedgerCounts]:
        return self._every_key(lambda s, ids: LedgerRepository(s).counts_by_send(ids), LedgerCounts)

    @cached_property
    def lead(self) -> DataLoader[int, CampaignLead | None]:
        m = self.merchant_id
        return self._by_key(lambda s, ids: LeadRepository(s).by_ids(m, ids))

    @cached_property
    def person(self) -> DataLoader[int, PersonRow | None]:
        m = self.merchant_id
        return self._by_key(lambda s, ids: LeadRepository(s).people_by_ids(m, ids))

    @cached_property
    def ledger_row(self) -> DataLoader[int, CampaignLeadMessage | None]:
        m = self.merchant_id
        return self._by_key(lambda s, ids: LedgerRepository(s).by_ids(m, ids))

    @cached_property
    def message(self) -> DataLoader[int, Message | None]:
        m = self.merchant_id
        return self._by_key(lambda s, ids: LedgerRepository(s).messages_by_ids(m, ids))

    @cached_property
    def send(self) -> DataLoader[int, CampaignSend | None]:
        m = self.merchant_id
        return self._by_key(lambda s, ids: SendRepository(s).by_ids(m, ids))

    @cached_property
    def sends_of_campaign(self) -> DataLoader[int, list[CampaignSend]]:
        m = self.merchant_id
        return self._every_key(lambda s, ids: SendRepository(s).by_campaigns(m, ids), list)

    @cached_property
    def lead_page(self) -> DataLoader[PageKey, Page[CampaignLead]]:
        return self._pages(lambda s, ids, r: LeadRepository(s).pages_by_campaign(ids, r))

    @cached_property
    def ledger_page(self) -> DataLoader[PageKey, Page[CampaignLeadMessage]]:
        return self._pages(lambda s, ids, r: LedgerRepository(s).pages_by_campaign(ids, r))

    # A contact's history (gql/types/contact_history.py): ledger rows, replies, clicks.
    @cached_property
    def contact_campaigns(
        self,
    ) -> DataLoader[int, list[tuple[CampaignLeadMessage, Message | None]]]:
        m = self.merchant_id
        return self._every_key(
            lambda s, ids: ContactRepository(s).campaigns_of(m, ids, CAMPAIGNS_SHOWN), list
        )

    @cached_property
    def contact_counts(self) -> DataLoader[int, ContactCounts]:
        m = self.merchant_id
        return self._every_key(lambda s, ids: ContactRepository(s).counts_of(m, ids), ContactCounts)

    @cached_property
    def reply_page(self) -> DataLoader[PageKey, Page[Message]]:
        m = self.merchant_id
        return self._pages(lambda s, ids, r: ContactRepository(s).reply_pages(m, ids, r))

    # A merchant's account and senders: its own only, whatever key is asked for.
    @cached_property
    def twilio_account(self) -> DataLoader[int, TwilioAccount | None]:
        m = self.merchant_id
        return self._by_key(
            lambda s, ids: TwilioAccountRepository(s).by_merchants([i for i in ids if i == m])
        )

    @cached_property
    def senders_of_merchant(self) -> DataLoader[int, list[Sender]]:
        m = self.merchant_id
        return self._every_key(
            lambda s, ids: SenderRepository(s).live_by_merchants([i for i in ids if i == m]), list
        )

    @cached_property
    def sending_policy(self) -> DataLoader[int, SendingPolicy]:
        m = self.merchant_id
        return self._every_key(
            lambda s, ids: policies_of(s, [i for i in ids if i == m]), lambda: DEFAULT_POLICY
        )

    @cached_property
    def sender(self) -> DataLoader[int, Sender | None]:
        m = self.merchant_id
        return self._by_key(lambda s, ids: SenderRepository(s).by_ids(m, ids))

    @cached_property
    def segment(self) -> DataLoader[int, Segment | None]:
        m = self.merchant_id
        return self._by_key(lambda s, ids: SegmentRepository(s).by_ids(m, ids))

    @cached_property
    def segment_size(self) -> DataLoader[Segment, int]:
        """Sizes of the segments a response shows, counted together in one statement."""
        m = self.merchant_id

        async def batch(segments: list[Segment]) -> list[int]:
            sizes = await self.reads.read(lambda s: SegmentService(s).sizes(m, segments))
            return [sizes[segment.id] for segment in segments]

        return DataLoader(load_fn=batch, cache_key_fn=lambda segment: segment.id)

    def _by_key(
        self, fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[dict[K, V]]]
    ) -> DataLoader[K, V | None]:
        """None for a key with no row (another merchant's included)."""

        async def batch(keys: list[K]) -> list[V | None]:
            found = await self.reads.read(lambda session: fetch(session, keys))
            return [found.get(key) for key in keys]

        return DataLoader(load_fn=batch)

    def _every_key(
        self,
        fetch: Callable[[AsyncSession, Sequence[K]], Awaitable[dict[K, V]]],
        default: Callable[[], V],
    ) -> DataLoader[K, V]:
        """A value for every key: counts and lists, empty when there is nothing."""

        async def batch(keys: list[K]) -> list[V]:
            found = await self.reads.read(lambda session: fetch(session, keys))
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
            for (limit, after), parents in requests.items():
                request = PageRequest(limit, after)
                # Awaited at once: the lambda never outlives this iteration's bindings.
                found = await self.reads.read(lambda s: fetch(s, parents, request))  # noqa: B023
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
