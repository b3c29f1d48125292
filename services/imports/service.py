"""Contact imports: starting one, writing each chunk of rows with the import's counters,
and ending it. Each call runs inside the caller's transaction (a job's, per chunk)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ContactImport, ContactImportError, ContactImportStatus
from repositories.contact_imports import ChunkCounts, ContactImportRepository
from repositories.pagination import Page, PageRequest
from services.campaigns.leads import LeadService
from services.contacts.rules import MAX_ATTRIBUTES, MAX_TAGS
from services.errors import not_found
from services.events.messages import ImportProgress, publish
from services.imports.codes import RowCode
from services.imports.mapping import ImportMapping, plan_for
from services.imports.rows import ChunkResult, Plan, RowError

INTERRUPTED = (
    "interrupted: the server stopped during the import; %s of %s rows were imported — "
    "upload the file again (rows already imported are updated, not duplicated)"
)


class ImportLost(Exception):
    """The import is no longer running on this process (failed by the reaper)."""


class ImportService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.imports = ContactImportRepository(session)

    async def start(
        self,
        merchant_id: int,
        campaign_id: int | None,
        mapping: ImportMapping,
        header: list[str] | str,
        *,
        file_name: str | None,
        owner: str,
        max_cell: int,
    ) -> tuple[ContactImport, Plan | None]:
        """A running import and where its columns are; or, for a file whose first line
        cannot be read (`header` is then the reason), an import failed at once."""
        if campaign_id is not None:
            await LeadService(self.session).audience_campaign(merchant_id, campaign_id)
        plan = None
        if not isinstance(header, str):
            plan = plan_for(
                mapping, header, with_campaign=campaign_id is not None, max_cell=max_cell
            )
        row = await self.imports.create(
            merchant_id=merchant_id,
            campaign_id=campaign_id,
            file_name=file_name,
            mapping=mapping.as_json(),
            owner=owner,
            status=ContactImportStatus.FAILED if plan is None else ContactImportStatus.RUNNING,
            failure_reason=header if isinstance(header, str) else None,
        )
        await publish(self.session, ImportProgress(merchant_id, row.id))
        return row, plan

    async def get(self, merchant_id: int, import_id: int) -> ContactImport:
        found = (await self.imports.by_ids(merchant_id, [import_id])).get(import_id)
        if found is None:
            raise not_found("Contact import", ("id",))
        return found

    async def by_ids(self, merchant_id: int, ids: list[int]) -> dict[int, ContactImport]:
        return await self.imports.by_ids(merchant_id, ids)

    async def page(self, merchant_id: int, request: PageRequest) -> tuple[Page[ContactImport], int]:
        return await self.imports.page(merchant_id, request)

    async def row_errors(
        self, import_id: int, request: PageRequest
    ) -> tuple[Page[ContactImportError], int]:
        return await self.imports.error_page(import_id, request)

    async def begin_rows(self, import_id: int, total_rows: int) -> None:
        await self.imports.begin_rows(import_id, total_rows)

    async def write_chunk(
        self,
        row: ContactImport,
        owner: str,
        chunk: ChunkResult,
        error_room: int,
        tags: Sequence[str],
    ) -> ChunkCounts:
        """The chunk's good rows into the contacts (and the campaign's audience), its
        refused rows (as many as `error_room` allows) and the import's counters, all in the
        caller's transaction. Raises ImportLost when the import is no longer ours."""
        duplicates: list[tuple[int, int]] = []
        overfull: list[tuple[int, bool]] = []
        existing = 0
        if chunk.records:
            await self.imports.stage(chunk.records)
            duplicates = await self.imports.remove_duplicates(row.id)
            if tags or row.mapping.get("attributes"):
                overfull = await self.imports.remove_overfull(
                    row.merchant_id, tags, MAX_TAGS, MAX_ATTRIBUTES
                )
            existing = await self.imports.upsert_staged(row.merchant_id, row.campaign_id, tags)
        errors = sorted(
            [
                *chunk.errors,
                *(_duplicate(row, line, first) for line, first in duplicates),
                *(_overfull(line, by_tags) for line, by_tags in overfull),
            ],
            key=lambda error: error.line,
        )[: max(error_room, 0)]
        await self.imports.add_errors(
            row.id, [(e.line, e.column, str(e.code), e.message) for e in errors]
        )
        counts = ChunkCounts(
            processed=chunk.rows,
            imported=len(chunk.records) - len(duplicates) - len(overfull),
            existing=existing,
            duplicates=len(duplicates),
            failed=len(chunk.errors) + len(overfull),
            stored_errors=len(errors),
        )
        if not await self.imports.add_counts(row.id, owner, counts):
            raise ImportLost(row.id)
        await publish(self.session, ImportProgress(row.merchant_id, row.id))
        return counts

    async def finish(
        self, import_id: int, owner: str | None, reason: str | None = None
    ) -> ContactImport | None:
        """COMPLETED, or FAILED with `reason`; None if it was not running (here)."""
        status = ContactImportStatus.FAILED if reason else ContactImportStatus.COMPLETED
        return await self._ended(
            import_id, await self.imports.finish(import_id, owner, status, reason)
        )

    async def interrupt(self, import_id: int, owner: str) -> ContactImport | None:
        """FAILED because this server stops, saying how many rows the database holds."""
        failed = ContactImportStatus.FAILED
        ended = await self.imports.finish(import_id, owner, failed, INTERRUPTED, counted=True)
        return await self._ended(import_id, ended)

    async def _ended(self, import_id: int, ended: ContactImport | None) -> ContactImport | None:
        await self.imports.drop_seen([import_id])
        if ended is not None:
            await publish(self.session, ImportProgress(ended.merchant_id, ended.id))
        return ended

    async def beat(self, owner: str) -> None:
        await self.imports.beat(owner)

    async def reap(self, stale_seconds: float) -> list[ContactImport]:
        """Fail imports whose process died (cluster-wide: one UPDATE decides)."""
        reaped = await self.imports.reap(stale_seconds, INTERRUPTED)
        await self.imports.drop_seen([row.id for row in reaped])
        for row in reaped:
            await publish(self.session, ImportProgress(row.merchant_id, row.id))
        return reaped


def _duplicate(row: ContactImport, line: int, first: int) -> RowError:
    message = f"This phone is already on line {first} of the file; that line is imported."
    return RowError(line, row.mapping.get("phone"), RowCode.DUPLICATE_PHONE, message)


def _overfull(line: int, by_tags: bool) -> RowError:
    if by_tags:
        message = f"The contact would have more than {MAX_TAGS} tags; it is left as it was."
        return RowError(line, None, RowCode.TOO_MANY_TAGS, message)
    message = f"The contact would have more than {MAX_ATTRIBUTES} attributes; it is left as it was."
    return RowError(line, None, RowCode.TOO_MANY_ATTRIBUTES, message)
