"""`/readyz`: whether this process should get traffic. Ready only when the database
answers, its schema is at this code's newest migration, and every background job of the
process is still running (one that died would leave sends or approvals unattended).
`/healthz` stays the liveness check: the process answers."""

import asyncio
from dataclasses import dataclass, field

from db.database import Database
from db.migrate import head_revision, schema_revision

# The head never changes while a process runs: read once.
_HEAD = head_revision()


@dataclass(frozen=True)
class Readiness:
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


async def readiness(db: Database, tasks: list[asyncio.Task[None]], started: bool) -> Readiness:
    problems: list[str] = []
    try:
        revision = await asyncio.wait_for(schema_revision(db.engine), timeout=5)
    except Exception:  # unreachable, refused, too slow: all mean "not ready"
        problems.append("database unavailable")
    else:
        if revision != _HEAD:
            problems.append(f"database schema at {revision}, this server needs {_HEAD}")
    if not started:
        problems.append("background jobs not started")
    problems += [f"background job {task.get_name()} stopped" for task in tasks if task.done()]
    return Readiness(problems)
