"""The events published to subscribers, and how they travel as NOTIFY payloads."""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import notifications

CHANNEL = "campaigns_events"


@dataclass(frozen=True)
class Event:
    kind: ClassVar[str]
    merchant_id: int


@dataclass(frozen=True)
class CampaignStatusChanged(Event):
    kind: ClassVar[str] = "campaign_status"
    campaign_id: int
    previous_status: str
    status: str


@dataclass(frozen=True)
class SendProgress(Event):
    kind: ClassVar[str] = "send_progress"
    campaign_id: int
    send_id: int


@dataclass(frozen=True)
class MessageStatusChanged(Event):
    """Ledger rows of a campaign whose message status changed: every row one batch of
    status callbacks changed in the campaign (`ledger_ids`). `ledger_id` is the first of
    them, kept so that an event with one row reads as before and a payload from a
    process of the previous version (no `ledger_ids`) still decodes to its row."""

    kind: ClassVar[str] = "message_status"
    campaign_id: int
    ledger_id: int
    ledger_ids: list[int] = field(default_factory=list)
    # When the first status callback of the batch arrived (Unix time; 0: not from a
    # callback): subscribers measure how long the change took to reach them. A
    # measurement, not what changed: events equal without it.
    received_at: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        if not self.ledger_ids:
            object.__setattr__(self, "ledger_ids", [self.ledger_id])


# A NOTIFY payload must stay under 8,000 bytes: at most 20 characters per id (19 digits
# and a comma) leaves room for the rest of the event.
IDS_PER_EVENT = 300


def rows_changed(
    merchant_id: int, campaign_id: int, ledger_ids: list[int], received_at: float = 0.0
) -> list[Event]:
    """MessageStatusChanged events for rows of one campaign, split to fit NOTIFY."""
    return [
        MessageStatusChanged(merchant_id, campaign_id, ids[0], ids, received_at)
        for start in range(0, len(ledger_ids), IDS_PER_EVENT)
        for ids in [ledger_ids[start : start + IDS_PER_EVENT]]
    ]


@dataclass(frozen=True)
class TokenRevoked(Event):
    """Every process forgets the token at once (jobs/token_cache.py)."""

    kind: ClassVar[str] = "token_revoked"
    token_id: int


@dataclass(frozen=True)
class ImportProgress(Event):
    """A contact import wrote a chunk, started or ended (services/imports)."""

    kind: ClassVar[str] = "import_progress"
    import_id: int


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        CampaignStatusChanged,
        SendProgress,
        MessageStatusChanged,
        TokenRevoked,
        ImportProgress,
    )
}


def encode(event: Event) -> str:
    return json.dumps({"kind": event.kind, **asdict(event)}, separators=(",", ":"))


def decode(payload: str) -> Event | None:
    """The event in a payload, or None for one this version does not know."""
    try:
        data: dict[str, Any] = json.loads(payload)
        cls = EVENT_TYPES[data.pop("kind")]
        return cls(**data)
    except (ValueError, KeyError, TypeError):
        return None


async def publish(session: AsyncSession, event: Event) -> None:
    """Queue the event in the session's transaction: PostgreSQL delivers it to every
    listening process when (and only if) the transaction commits."""
    await notifications.notify(session, CHANNEL, encode(event))


async def publish_many(session: AsyncSession, events: Sequence[Event]) -> None:
    """Queue several events with one statement (as `publish`, each delivered at commit):
    a batch of status callbacks publishes all its events at once."""
    if events:
        await notifications.notify_many(session, CHANNEL, [encode(e) for e in events])
