import asyncio
from collections.abc import AsyncGenerator

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.ids import decode_pk
from gql.types.send import CampaignSend
from services.events.messages import Event, SendProgress

# Progress events are coalesced: at most one update per window, and the last one always.
WINDOW = 0.25


@strawberry.subscription(
    permission_classes=AUTHENTICATED,
    description="The send now, then again whenever it progresses (a few times a second at "
    "most, and always its latest state).",
)
async def campaign_send_progress(
    info: Info, send_id: strawberry.ID
) -> AsyncGenerator[CampaignSend, None]:
    context = info.context
    pk = decode_pk(send_id, "CampaignSend")
    if pk is None:
        return

    def accept(event: Event) -> bool:
        return isinstance(event, SendProgress) and event.send_id == pk

    async with context.bus.subscribe(context.merchant_id, accept) as events:
        current = await context.fresh_loaders().send.load(pk)
        if current is None:
            return
        yield CampaignSend.from_model(current)
        while True:
            await events.__anext__()
            await asyncio.sleep(WINDOW)
            while not events.queue.empty():
                events.queue.get_nowait()
            # Fresh loaders: counts must be read now, not from an earlier event's cache.
            send = await context.fresh_loaders().send.load(pk)
            if send is not None:
                yield CampaignSend.from_model(send)
