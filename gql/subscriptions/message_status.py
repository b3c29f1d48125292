"""messageStatusChanged: the ledger rows of a campaign whose message status changed,
loaded fresh for each event that any server process published."""

import asyncio
import time
from collections.abc import AsyncGenerator

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.ids import decode_pk
from gql.loaders import Loaders
from gql.types.lead import CampaignLeadMessage
from services.events.bus import Subscription
from services.events.messages import Event, MessageStatusChanged
from services.telemetry import metrics

# Events taken from the queue at once: a burst of callbacks (a send of thousands) is
# loaded in a few batched statements instead of a few statements per event.
BATCH = 500


def _pending_ledger_ids(first: MessageStatusChanged, events: Subscription) -> list[int]:
    """The ledger rows of `first` and of the events already queued behind it, each once:
    data is loaded fresh, so one payload per row shows every change queued for it. An
    event carries every row one batch of callbacks changed in the campaign."""
    ids = list(first.ledger_ids)
    while len(ids) < BATCH and not events.queue.empty():
        event = events.queue.get_nowait()
        assert isinstance(event, MessageStatusChanged)
        ids.extend(event.ledger_ids)
    return list(dict.fromkeys(ids))


async def _load(loaders: Loaders, ledger_ids: list[int]) -> list[CampaignLeadMessage]:
    """The rows, with what MessageFields selects under them preloaded into `loaders`, so
    that resolving each payload reads from the loaders' cache."""
    async with loaders.reads.held():  # one pool checkout for the three steps, not three
        return await _load_held(loaders, ledger_ids)


async def _load_held(loaders: Loaders, ledger_ids: list[int]) -> list[CampaignLeadMessage]:
    found = await asyncio.gather(*(loaders.ledger_row.load(i) for i in ledger_ids))
    rows = [row for row in found if row is not None]
    leads = loaders.lead.load_many([row.campaign_lead_id for row in rows])
    messages = loaders.message.load_many([r.message_id for r in rows if r.message_id is not None])
    loaded_leads, _ = await asyncio.gather(leads, messages)
    await loaders.person.load_many([lead.conversation_user_id for lead in loaded_leads if lead])
    return [CampaignLeadMessage.from_model(row) for row in rows]


@strawberry.subscription(
    permission_classes=AUTHENTICATED,
    description="Ledger rows of one of the viewer's campaigns whose message status changed "
    "(sent, delivered, read, failed, ...), as they are now; events from every server process.",
)
async def message_status_changed(
    info: Info, campaign_id: strawberry.ID
) -> AsyncGenerator[CampaignLeadMessage, None]:
    context = info.context
    wanted = decode_pk(campaign_id, "Campaign")
    if wanted is None:
        return  # no such campaign: an empty stream, as for another merchant's id

    def accept(event: Event) -> bool:
        return isinstance(event, MessageStatusChanged) and event.campaign_id == wanted

    async with context.bus.subscribe(context.merchant_id, accept) as events:
        async for event in events:
            assert isinstance(event, MessageStatusChanged)
            # Fresh loaders per event. The nested fields (lead, message) resolve through
            # context.loaders, and the connection's context outlives many changes: its
            # cached loaders would keep answering with the message as first seen.
            loaders = Loaders(context.db, context.merchant_id)
            rows = await _load(loaders, _pending_ledger_ids(event, events))
            if event.received_at:
                metrics.callback_to_subscriber.observe(max(time.time() - event.received_at, 0))
            for row in rows:
                # Set before each payload: another subscription of this connection may
                # have put its own loaders there meanwhile.
                context.loaders = loaders
                yield row
