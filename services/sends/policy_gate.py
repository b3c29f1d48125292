"""The merchant's sending policy applied to a claimed batch, before any slot is reserved:
rows whose person is in quiet hours are held until the hours end, marketing rows over
the person's frequency cap are skipped, and every row gets its category's validity
period. One-off (service) messages are exempt from quiet hours and the cap.

Called in the claim's transaction: the cap's per-person locks are held until it commits,
so two processes claiming rows of one person count each other's."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from repositories.sending_limits import Held, lock_people, marketing_received
from services.policy.policy import MarketingCap, QuietHours, is_marketing
from services.policy.stored import policies_of
from services.policy.zones import quiet_until, zone_of
from services.sends.audience import SkipReason
from services.sends.context import Delivery


async def apply_policies(
    session: AsyncSession, deliveries: Sequence[Delivery], now: datetime
) -> list[Held]:
    """Judge the batch; returns the rows to hold back (the caller gives them back and
    sends the rest). Skips and validity periods are set on the deliveries."""
    policies = await policies_of(session, list({d.person.merchant_id for d in deliveries}))
    held: list[Held] = []
    capped: list[tuple[Delivery, MarketingCap]] = []
    for delivery in deliveries:
        policy = policies[delivery.person.merchant_id]
        delivery.validity = policy.validity.of(delivery.campaign)
        if delivery.row.campaign_send_id is None or delivery.broken or delivery.skip:
            continue
        if policy.quiet_hours is not None:
            until = _quiet(delivery, policy.quiet_hours, now)
            if until is not None:
                held.append(until)
                continue
        if policy.marketing_cap is not None and is_marketing(delivery.campaign):
            capped.append((delivery, policy.marketing_cap))
    await _apply_caps(session, capped, now)
    return held


def _quiet(delivery: Delivery, quiet: QuietHours, now: datetime) -> Held | None:
    zone = zone_of(delivery.person.phone, delivery.person.time_zone)
    until = quiet_until(quiet, zone, now)
    if until is None:
        return None
    local = now.astimezone(zone)
    reason = (
        f"Quiet hours {quiet.start:%H:%M}-{quiet.end:%H:%M} in {zone}: it is {local:%H:%M} "
        f"there; held until {until.astimezone(zone):%H:%M} local ({until:%Y-%m-%d %H:%M} UTC)"
    )
    return Held(delivery.claim, until, reason)


async def _apply_caps(
    session: AsyncSession, capped: list[tuple[Delivery, MarketingCap]], now: datetime
) -> None:
    """Skip the rows over their person's cap, counting the batch's own rows in order."""
    if not capped:
        return
    people = sorted({d.person.id for d, _ in capped})
    await lock_people(session, people)
    batch = [d.claim.ledger_id for d, _ in capped]
    counts: dict[tuple[int, int], int] = {}
    for days in sorted({cap.days for _, cap in capped}):
        since = now - timedelta(days=days)
        for person, count in (await marketing_received(session, people, since, batch)).items():
            counts[(person, days)] = count
    for delivery, cap in capped:
        key = (delivery.person.id, cap.days)
        if counts.get(key, 0) >= cap.messages:
            delivery.skip = SkipReason.FREQUENCY_CAPPED
        else:
            counts[key] = counts.get(key, 0) + 1
