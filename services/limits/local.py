"""Limits kept in one process's memory: a token bucket per key and in-flight counters."""

import time
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    level: float
    at: float


@dataclass
class LocalBuckets:
    """A token bucket per key (e.g. per client address): `burst` at most, refilled at
    `rate` per second. Buckets that have refilled completely are dropped now and then,
    so memory stays proportional to the keys seen recently."""

    rate: float
    burst: float
    max_keys: int = 100_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def _level(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.level = min(self.burst, bucket.level + (now - bucket.at) * self.rate)
        bucket.at = now
        return bucket

    def exhausted(self, key: str) -> float:
        """Seconds until the key has a whole token again; 0 when it has one now."""
        bucket = self._level(key, time.monotonic())
        return 0.0 if bucket.level >= 1 else (1 - bucket.level) / self.rate

    def take(self, key: str) -> None:
        bucket = self._level(key, time.monotonic())
        bucket.level = max(0.0, bucket.level - 1)

    def _prune(self, now: float) -> None:
        def full(b: _Bucket) -> bool:
            return b.level + (now - b.at) * self.rate >= self.burst

        kept = {k: b for k, b in self._buckets.items() if not full(b)}
        if len(kept) >= self.max_keys:  # a flood of addresses: keep the latest half
            latest = sorted(kept.items(), key=lambda item: item[1].at)[self.max_keys // 2 :]
            kept = dict(latest)
        self._buckets = kept


@dataclass
class InFlight:
    """How many things (requests, connections) each key holds at once, up to `limit`."""

    limit: int
    _counts: dict[int, int] = field(default_factory=dict)

    def acquire(self, key: int) -> bool:
        count = self._counts.get(key, 0)
        if count >= self.limit:
            return False
        self._counts[key] = count + 1
        return True

    def release(self, key: int) -> None:
        count = self._counts.get(key, 0) - 1
        if count <= 0:
            self._counts.pop(key, None)
        else:
            self._counts[key] = count

    def count(self, key: int) -> int:
        return self._counts.get(key, 0)
