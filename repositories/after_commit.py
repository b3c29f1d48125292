"""Counting what a transaction did only once it committed: a metric never counts a
message that a rollback took back, and a retried transaction is counted once."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_KEY = "campaigns.after_commit"


def after_commit(session: AsyncSession, count: Callable[[], None]) -> None:
    """Run `count` when the session's transaction commits; drop it if it rolls back."""
    session.info.setdefault(_KEY, []).append(count)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for count in session.info.pop(_KEY, ()):
        count()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session, *_: Any) -> None:
    session.info.pop(_KEY, None)
