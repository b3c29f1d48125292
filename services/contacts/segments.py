"""Segments: named, saved contact filters, resolved whenever they are used (their size,
their contacts, a campaign's audience filled from one)."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ConversationUser, Segment
from repositories.contact_queries import ContactQueries
from repositories.pagination import Page, PageRequest
from repositories.segments import SegmentRepository
from repositories.timeouts import statement_timeout_for_transaction
from services.campaigns.leads import LeadService
from services.contacts.filters import ContactFilter, ContactFilterInput, build_filter
from services.errors import ErrorCode, FieldError, ServiceError, not_found

MAX_SEGMENT_NAME_LENGTH = 200


@dataclass(frozen=True)
class SegmentInput:
    name: str | None = None  # None on update: keep the name
    filter: ContactFilterInput | None = None  # None on update: keep the filter
    filter_given: bool = False  # on update: replace the filter (None: match everyone)


def _name(given: str, errors: list[FieldError]) -> str:
    name = given.strip()
    if not name:
        errors.append(FieldError(ErrorCode.REQUIRED, "A segment needs a name.", ("input", "name")))
    elif len(name) > MAX_SEGMENT_NAME_LENGTH:
        message = f"A segment's name is at most {MAX_SEGMENT_NAME_LENGTH} characters."
        errors.append(FieldError(ErrorCode.INVALID_NAME, message, ("input", "name")))
    return name


def _duplicate(name: str) -> ServiceError:
    return ServiceError.single(
        ErrorCode.DUPLICATE_NAME, f"A segment named {name!r} exists already.", ("input", "name")
    )


class SegmentService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.segments = SegmentRepository(session)
        self.contacts = ContactQueries(session)

    async def _filter(self, merchant_id: int, given: ContactFilterInput | None) -> ContactFilter:
        return await build_filter(self.session, merchant_id, given, ("input", "filter"))

    async def create(self, merchant_id: int, given: SegmentInput) -> Segment:
        errors: list[FieldError] = []
        name = _name(given.name or "", errors)
        try:
            contact_filter = await self._filter(merchant_id, given.filter)
        except ServiceError as error:
            errors += error.errors
        if errors:
            raise ServiceError(errors)
        created = await self.segments.create(merchant_id, name, contact_filter.to_json())
        if created is None:
            raise _duplicate(name)
        return created

    async def update(self, merchant_id: int, segment_id: int, given: SegmentInput) -> Segment:
        if await self.segments.get(merchant_id, segment_id, lock=True) is None:
            raise not_found("Segment")
        errors: list[FieldError] = []
        changes: dict[str, object] = {}
        if given.name is not None:
            changes["name"] = _name(given.name, errors)
        if given.filter_given:
            try:
                changes["filter"] = (await self._filter(merchant_id, given.filter)).to_json()
            except ServiceError as error:
                errors += error.errors
        if errors:
            raise ServiceError(errors)
        updated = await self.segments.update(merchant_id, segment_id, changes)
        if updated is None:  # the segment is locked: only its new name can be refused
            raise _duplicate(str(changes.get("name")))
        return updated

    async def delete(self, merchant_id: int, segment_id: int) -> None:
        if not await self.segments.delete(merchant_id, segment_id):
            raise not_found("Segment")

    async def page(self, merchant_id: int, request: PageRequest) -> Page[Segment]:
        return await self.segments.page(merchant_id, request)

    async def sizes(self, merchant_id: int, segments: Sequence[Segment]) -> dict[int, int]:
        """Each segment's size now, by id, in one statement for a whole page of them."""
        criteria = [ContactFilter.from_json(segment.filter) for segment in segments]
        counts = await self.contacts.counts(merchant_id, criteria) if segments else []
        return {segment.id: count for segment, count in zip(segments, counts, strict=True)}

    async def contacts_page(
        self, merchant_id: int, segment: Segment, request: PageRequest
    ) -> Page[ConversationUser]:
        criteria = ContactFilter.from_json(segment.filter)
        return await self.contacts.page(merchant_id, criteria, request)

    async def add_to_campaign(
        self, merchant_id: int, campaign_id: int, segment_id: int, timeout_ms: int = 0
    ) -> int:
        """Every contact the segment chooses now becomes an active lead of the campaign,
        in one statement; the number of leads added or reactivated. `timeout_ms` (0:
        the session's own) bounds that statement: a million contacts take ~20 s."""
        campaign = await LeadService(self.session).audience_campaign(merchant_id, campaign_id)
        segment = await self.segments.get(merchant_id, segment_id)
        if segment is None:
            raise not_found("Segment", ("segmentId",))
        criteria = ContactFilter.from_json(segment.filter)
        if timeout_ms:
            await statement_timeout_for_transaction(self.session, timeout_ms)
        return await self.contacts.add_to_campaign(merchant_id, criteria, campaign.id)


class ContactSearch:
    """`contacts(filter:)`: a page of the merchant's contacts the filter chooses."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, merchant_id: int, given: ContactFilterInput | None, request: PageRequest
    ) -> Page[ConversationUser]:
        criteria = await build_filter(self.session, merchant_id, given, ("filter",))
        return await ContactQueries(self.session).page(merchant_id, criteria, request)
