"""The statement behind cluster-wide pacing: one UPDATE on the sender's row."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_RESERVE = text(
    """
    INSERT INTO sender_rate_limits AS s (sender, next_free_at)
    VALUES (:sender, clock_timestamp() + make_interval(secs => :span))
    ON CONFLICT (sender) DO UPDATE
        SET next_free_at = GREATEST(s.next_free_at, clock_timestamp())
                           + make_interval(secs => :span)
    RETURNING EXTRACT(EPOCH FROM (s.next_free_at - clock_timestamp()))
    """
)


async def reserve_span(session: AsyncSession, sender: str, span: float) -> float:
    """Move the sender's next free moment `span` seconds on; returns the seconds from now
    to the end of the reserved span."""
    return float((await session.execute(_RESERVE, {"sender": sender, "span": span})).scalar_one())
