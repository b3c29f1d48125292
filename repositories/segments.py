"""Segments: a merchant's saved contact filters."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Segment
from repositories.pagination import Page, PageRequest


class SegmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, merchant_id: int, name: str, filter: dict[str, Any]) -> Segment | None:
        """The new segment; None when the merchant has one of that name already. ON
        CONFLICT: a concurrent create of the same name waits for the first, then gets None
        rather than an error that would abort the transaction."""
        statement = (
            insert(Segment)
            .values(merchant_id=merchant_id, name=name, filter=filter)
            .on_conflict_do_nothing(index_elements=[Segment.merchant_id, Segment.name])
            .returning(Segment)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get(self, merchant_id: int, segment_id: int, *, lock: bool = False) -> Segment | None:
        statement = select(Segment).where(
            Segment.id == segment_id, Segment.merchant_id == merchant_id
        )
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def update(
        self, merchant_id: int, segment_id: int, changes: dict[str, Any]
    ) -> Segment | None:
        """The changed segment; None when another of the merchant's segments has the new
        name (in a savepoint: the rest of the transaction goes on)."""
        statement = (
            update(Segment)
            .where(Segment.id == segment_id, Segment.merchant_id == merchant_id)
            .values(**changes, updated_at=func.now())
            .returning(Segment)
            .execution_options(synchronize_session=False)
        )
        try:
            async with self.session.begin_nested():
                return (await self.session.execute(statement)).scalar_one_or_none()
        except IntegrityError:
            return None

    async def delete(self, merchant_id: int, segment_id: int) -> bool:
        statement = (
            delete(Segment)
            .where(Segment.id == segment_id, Segment.merchant_id == merchant_id)
            .returning(Segment.id)
        )
        return (await self.session.execute(statement)).first() is not None

    async def by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, Segment]:
        statement = select(Segment).where(Segment.merchant_id == merchant_id, Segment.id.in_(ids))
        found = (await self.session.execute(statement)).scalars()
        return {segment.id: segment for segment in found}

    async def page(self, merchant_id: int, request: PageRequest) -> Page[Segment]:
        """Newest first."""
        statement = select(Segment).where(Segment.merchant_id == merchant_id)
        if request.after_id is not None:
            statement = statement.where(Segment.id < request.after_id)
        statement = statement.order_by(Segment.id.desc()).limit(request.limit + 1)
        rows = list((await self.session.execute(statement)).scalars())
        return Page.from_overfetch(rows, request.limit)
