"""The gauges /metrics reads at scrape time: the database's counts (shared by the whole
cluster) and this process's connection pools."""

import asyncio
import logging

from db.database import Database
from repositories import telemetry
from services.telemetry import metrics

logger = logging.getLogger(__name__)


async def refresh_gauges(db: Database, jobs_db: Database) -> None:
    pools = {**db.pool_use(), "jobs": jobs_db.pool_use()["requests"]}
    for name, (in_use, idle) in pools.items():
        metrics.db_pool_connections.labels(name, "in_use").set(in_use)
        metrics.db_pool_connections.labels(name, "idle").set(idle)
    try:
        async with asyncio.timeout(2):
            async with db.session() as session:
                sends = await telemetry.live_sends(session)
                rows = await telemetry.queued_rows(session)
    except Exception as error:  # a scrape still answers: the gauges keep their last values
        logger.warning("metrics: could not read the database's counts: %s", error)
        return
    for status, count in sends.items():
        metrics.sends.labels(status).set(count)
    for state, count in rows.items():
        metrics.ledger_rows.labels(state).set(count)
