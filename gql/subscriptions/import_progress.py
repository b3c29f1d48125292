"""importProgress: a contact import's counters as they grow, until it ends."""

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import strawberry

from db.models import ContactImportStatus
from gql.context import AUTHENTICATED, Info
from gql.ids import decode_pk
from gql.queries.contact_imports import load_contact_import
from gql.types.contact_import import ContactImport
from services.events.messages import Event, ImportProgress

# Chunks commit a few times a second at most; updates are coalesced like a send's.
WINDOW = 0.25


@strawberry.subscription(
    permission_classes=AUTHENTICATED,
    description="The import now, then again as its chunks are stored (a few times a second "
    "at most), from any server process; ends after its final state (COMPLETED or FAILED).",
)
async def import_progress(
    info: Info, import_id: strawberry.ID
) -> AsyncGenerator[ContactImport, None]:
    context = info.context
    pk = decode_pk(import_id, "ContactImport")
    if pk is None:
        return

    def accept(event: Event) -> bool:
        return isinstance(event, ImportProgress) and event.import_id == pk

    async with context.bus.subscribe(context.merchant_id, accept) as events:
        current = await load_contact_import(context, pk)
        while current is not None:
            yield current
            if current.status is not ContactImportStatus.RUNNING:
                return
            # A missed event (the LISTEN connection reconnecting) only delays the next read.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await events.__anext__()
            await asyncio.sleep(WINDOW)
            while not events.queue.empty():
                events.queue.get_nowait()
            current = await load_contact_import(context, pk)
