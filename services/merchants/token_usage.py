"""`last_used_at` without a write per request.

Requests only note the time in memory; the token usage job (jobs/token_usage.py) writes
what was noted every few seconds in one statement, and only for tokens this process has
not written within the last minute. The statement itself skips rows written less than a
minute before, so a token's row changes at most once a minute whichever processes it is
used on.
"""

import time
from datetime import UTC, datetime

WRITE_EVERY = 60.0  # seconds, per token


class TokenUsage:
    def __init__(self, interval: float) -> None:
        self.interval = interval  # how often the job writes what was noted
        self._pending: dict[int, datetime] = {}
        self._written: dict[int, float] = {}  # token id → monotonic time of our last write

    def record(self, token_id: int) -> None:
        written = self._written.get(token_id)
        if written is None or time.monotonic() - written >= WRITE_EVERY:
            self._pending[token_id] = datetime.now(UTC)

    def take(self) -> dict[int, datetime]:
        """The uses noted since the last take, for the job to write."""
        uses, self._pending = self._pending, {}
        return uses

    def written(self, uses: dict[int, datetime]) -> None:
        now = time.monotonic()
        for token_id in uses:
            self._written[token_id] = now
        if len(self._written) > 100_000:  # forget tokens not used for a minute
            self._written = {k: v for k, v in self._written.items() if now - v < WRITE_EVERY}
