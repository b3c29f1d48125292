"""SQL for the request budgets every server process shares (api_token_rate_limits)."""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# One statement: refill the bucket for the time since it was last touched (by the
# database's clock, the same for every process), take up to `chunk` whole requests out of
# it, and say what was taken and what is left. FOR UPDATE serialises processes leasing
# from the same bucket; the loser re-reads the winner's row before computing.
_LEASE = text(
    """
    WITH current AS (
        SELECT token_id, clock_timestamp() AS now,
               LEAST(CAST(:burst AS double precision),
                     available + :rate * EXTRACT(EPOCH FROM clock_timestamp() - refilled_at))
                   AS refilled
        FROM api_token_rate_limits WHERE token_id = :token_id FOR UPDATE
    ), lease AS (
        SELECT token_id, now, refilled,
               CASE WHEN refilled >= 1 THEN LEAST(:chunk, floor(refilled)) ELSE 0 END AS granted
        FROM current
    )
    UPDATE api_token_rate_limits AS b
    SET available = lease.refilled - lease.granted, refilled_at = lease.now
    FROM lease WHERE b.token_id = lease.token_id
    RETURNING lease.granted, lease.refilled - lease.granted
    """
)

_CREATE = text(
    """
    INSERT INTO api_token_rate_limits (token_id, available, refilled_at)
    VALUES (:token_id, :burst, clock_timestamp())
    ON CONFLICT (token_id) DO NOTHING
    """
)


@dataclass(frozen=True)
class Lease:
    granted: int  # requests this process may serve
    left: float  # what the shared bucket still holds after the lease


async def lease(
    session: AsyncSession, token_id: int, chunk: int, rate: float, burst: float
) -> Lease:
    params = {"token_id": token_id, "chunk": chunk, "rate": rate, "burst": burst}
    row = (await session.execute(_LEASE, params)).one_or_none()
    if row is None:  # the token's first request anywhere: its bucket starts full
        await session.execute(_CREATE, params)
        row = (await session.execute(_LEASE, params)).one()
    return Lease(int(row[0]), float(row[1]))
