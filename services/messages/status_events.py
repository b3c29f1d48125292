"""What subscribers are told about a batch of status changes."""

from services.events.messages import Event, SendProgress, rows_changed
from services.messages.status_batch import StatusResult


def status_events(changed: list[StatusResult], received_at: float = 0.0) -> list[Event]:
    """One MessageStatusChanged per campaign (split to fit NOTIFY) and one SendProgress
    per send: per-callback events made subscribers load and PostgreSQL queue far more
    than the changes needed."""
    by_campaign: dict[tuple[int, int], list[int]] = {}
    sends: dict[tuple[int, int, int], None] = {}
    for result in changed:
        # A message outside the ledger (none yet) has no campaign to tell anyone about.
        if result.ledger_id is None or result.campaign_id is None:
            continue
        key = (result.merchant_id, result.campaign_id)
        by_campaign.setdefault(key, []).append(result.ledger_id)
        if result.send_id is not None:
            sends[(result.merchant_id, result.campaign_id, result.send_id)] = None
    events: list[Event] = [
        event
        for (merchant_id, campaign_id), ids in by_campaign.items()
        for event in rows_changed(merchant_id, campaign_id, ids, received_at)
    ]
    events.extend(SendProgress(*key) for key in sends)
    return events
