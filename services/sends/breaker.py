"""The circuit breaker: a send pauses itself when too many of its recent messages fail,
are limited by Meta (63049) or make their recipients opt out. A sender whose messages are
blocked or reported should stop before Meta lowers its quality rating or stops it.

The send worker's housekeeping calls this about once a second in every process; pausing
is conditional (a running send only), so two processes judging at once pause it once.
Each merchant's thresholds are its policy's Breaker (services/policy); a resume sets the
send's breaker_since, so what went out before it is not judged again."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from repositories import breaker as breaker_repository
from repositories.breaker import Outcomes, RunningSend
from repositories.sends import pause_send
from services.events.messages import SendProgress, publish
from services.policy.policy import Breaker
from services.policy.stored import policies_of


@dataclass(frozen=True)
class Tripped:
    send_id: int
    campaign_id: int
    reason: str


async def trip_breakers(session: AsyncSession) -> list[Tripped]:
    """Judge every running send by its merchant's breaker; pause those over a limit."""
    running = await breaker_repository.running_sends(session)
    if not running:
        return []
    policies = await policies_of(session, sorted({send.merchant_id for send in running}))
    breakers = {send.id: policies[send.merchant_id].breaker for send in running}
    windows = {i: b.window for i, b in breakers.items() if _armed(b)}
    sends = {send.id: send for send in running}
    tripped = []
    for outcomes in await breaker_repository.recent_outcomes(session, windows):
        reason = verdict(breakers[outcomes.send_id], outcomes)
        send = sends[outcomes.send_id]
        if reason is not None and await _pause(session, send, reason):
            tripped.append(Tripped(send.id, send.campaign_id, reason))
    return tripped


def verdict(breaker: Breaker, outcomes: Outcomes) -> str | None:
    """Why the send must stop (the first check over its limit), or None. Judged only once
    a whole window has an outcome: three failures of the first five say little."""
    if outcomes.judged < breaker.window:
        return None
    n = outcomes.judged
    checks = (
        (
            breaker.failure_rate,
            outcomes.failed,
            f"{outcomes.failed} of the last {n} messages failed",
        ),
        (
            breaker.limited_rate,
            outcomes.limited,
            f"Meta held back {outcomes.limited} of the last {n} messages, error 63049",
        ),
        (
            breaker.opt_out_rate,
            outcomes.opted_out,
            f"{outcomes.opted_out} of the last {n} recipients opted out",
        ),
    )
    for limit, count, what in checks:
        if limit is not None and count > limit * n:
            return (
                f"Circuit breaker: {what} "
                f"({_percent(count / n)}, over the {_percent(limit)} limit)."
            )
    return None


def _armed(breaker: Breaker) -> bool:
    rates = (breaker.failure_rate, breaker.opt_out_rate, breaker.limited_rate)
    return any(rate is not None for rate in rates)


def _percent(share: float) -> str:
    """32%, 5.5%: a tenth of a percent at most, none when whole."""
    return f"{round(share * 100, 1):g}%"


async def _pause(session: AsyncSession, send: RunningSend, reason: str) -> bool:
    if not await pause_send(session, send.id, reason):
        return False  # paused, cancelled or completed meanwhile (another process judged)
    await publish(session, SendProgress(send.merchant_id, send.campaign_id, send.id))
    return True
