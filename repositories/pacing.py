"""The statement behind cluster-wide pacing: one UPDATE on the sender's row."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# The row is locked first and the clock read after the lock is granted, so a reservation
# that waited for another one starts where that one ended, never in the past. Without a
# horizon every slot asked for is granted; with one, only those starting within it.
_RESERVE = text(
    """
    WITH locked AS (
        SELECT next_free_at FROM sender_rate_limits WHERE sender = :sender FOR UPDATE
    ), clocked AS MATERIALIZED (
        SELECT next_free_at, clock_timestamp() AS now_at FROM locked
    ), waited AS (
        SELECT now_at,
               GREATEST(0, CAST(EXTRACT(EPOCH FROM next_free_at - now_at) AS float8)) AS wait
        FROM clocked
    ), granted AS MATERIALIZED (
        SELECT now_at, wait,
               CASE WHEN CAST(:horizon AS float8) IS NULL THEN CAST(:count AS int)
                    ELSE LEAST(CAST(:count AS int), GREATEST(0, CAST(FLOOR(
                        (CAST(:horizon AS float8) - wait) / CAST(:interval AS float8)
                    ) AS int) + 1))
               END AS n
        FROM waited
    ), moved AS (
        UPDATE sender_rate_limits s
        SET next_free_at = g.now_at
            + make_interval(secs => g.wait + g.n * CAST(:interval AS float8))
        FROM granted g WHERE s.sender = :sender
    )
    SELECT wait, n FROM granted
    """
)

_ADD_SENDER = text(
    """
    INSERT INTO sender_rate_limits (sender, next_free_at) VALUES (:sender, clock_timestamp())
    ON CONFLICT (sender) DO NOTHING
    """
)


async def reserve_slots(
    session: AsyncSession, sender: str, count: int, interval: float, horizon: float | None
) -> tuple[float, int]:
    """Reserve up to `count` consecutive slots `interval` seconds apart on the sender's
    row, only those starting within `horizon` seconds from now when given; returns the
    seconds from now to the first slot and how many were granted."""
    values = {"sender": sender, "count": count, "interval": interval, "horizon": horizon}
    row = (await session.execute(_RESERVE, values)).first()
    if row is None:  # the sender's first reservation ever
        await session.execute(_ADD_SENDER, {"sender": sender})
        row = (await session.execute(_RESERVE, values)).one()
    return float(row[0]), int(row[1])
