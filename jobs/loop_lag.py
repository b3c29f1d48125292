"""Measures how late the event loop runs a timer: when requests and jobs queue for the
CPU, every one of them waits that long."""

import asyncio
import time

from services.telemetry import metrics

INTERVAL = 0.5


async def watch_loop_lag(interval: float = INTERVAL) -> None:
    while True:
        started = time.perf_counter()
        await asyncio.sleep(interval)
        metrics.event_loop_lag.observe(max(time.perf_counter() - started - interval, 0.0))
