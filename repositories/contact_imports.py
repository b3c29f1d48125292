"""Statements of contact imports: the import rows, their refused rows, and the chunked
write of good rows through COPY into a staging table, then INSERT ... SELECT."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ContactImport, ContactImportError, ContactImportStatus
from repositories.pagination import Page, PageRequest

# One per chunk transaction, dropped at its commit: nothing to clean up after a crash.
_STAGING = "contact_import_chunk"
WORK_SCHEMA = "contact_import_work"
_STAGING_COLUMNS = ("line", "phone", "name", "attributes", "custom")
_ERROR_COLUMNS = ("import_id", "line", "column", "code", "message")

_UPSERT_PEOPLE = """
INSERT INTO conversation_users AS cu (merchant_id, phone, name, attributes, tags)
SELECT :merchant_id, c.phone, c.name, c.attributes::jsonb, CAST(:tags AS text[])
FROM contact_import_chunk c
ON CONFLICT (merchant_id, phone) DO UPDATE SET
    name = coalesce(excluded.name, cu.name),
    attributes = cu.attributes || excluded.attributes,
    tags = ARRAY(SELECT DISTINCT t COLLATE "C" FROM unnest(cu.tags || excluded.tags) t ORDER BY 1),
    updated_at = now()
RETURNING cu.id, cu.phone, (cu.xmax = 0) AS inserted
"""
_UPSERT_LEADS = """,
leads AS (
    INSERT INTO campaign_leads AS l (campaign_id, conversation_user_id, custom_variables)
    SELECT :campaign_id, p.id, c.custom::jsonb
    FROM people p JOIN contact_import_chunk c ON c.phone = p.phone
    ON CONFLICT (campaign_id, conversation_user_id) DO UPDATE SET
        active = true,
        custom_variables = l.custom_variables || excluded.custom_variables,
        updated_at = now()
)"""
_COUNT_EXISTING = " SELECT count(*) FILTER (WHERE NOT inserted) FROM people"


@dataclass(frozen=True)
class ChunkCounts:
    processed: int
    imported: int
    existing: int
    duplicates: int
    failed: int
    stored_errors: int


def _seen(import_id: int) -> str:
    # Phones of the file so far, by first line: duplicates are found across chunks in
    # the database, so the server's memory does not grow with the file. Unlogged: after
    # a crash the import is failed and the table dropped anyway. In a schema of their own
    # (migration 0013), apart from the tables the models describe.
    return f"{WORK_SCHEMA}.phones_{int(import_id)}"


class ContactImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, **values: Any) -> ContactImport:
        # Leased from the start: the file's scan, before any chunk, may take a while.
        row = ContactImport(**values, heartbeat_at=func.now())
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)  # the server's defaults (counters, times)
        return row

    async def by_ids(self, merchant_id: int, ids: Sequence[int]) -> dict[int, ContactImport]:
        statement = select(ContactImport).where(
            ContactImport.id.in_(ids), ContactImport.merchant_id == merchant_id
        )
        return {row.id: row for row in (await self.session.execute(statement)).scalars()}

    async def page(self, merchant_id: int, request: PageRequest) -> tuple[Page[ContactImport], int]:
        """Newest first."""
        conditions = [ContactImport.merchant_id == merchant_id]
        total = await self.session.scalar(
            select(func.count()).select_from(ContactImport).where(*conditions)
        )
        if request.after_id is not None:
            conditions.append(ContactImport.id < request.after_id)
        statement = (
            select(ContactImport)
            .where(*conditions)
            .order_by(ContactImport.id.desc())
            .limit(request.limit + 1)
        )
        rows = list((await self.session.execute(statement)).scalars())
        return Page.from_overfetch(rows, request.limit), int(total or 0)

    async def error_page(
        self, import_id: int, request: PageRequest
    ) -> tuple[Page[ContactImportError], int]:
        """In file order. The caller has checked the import is the merchant's."""
        conditions = [ContactImportError.import_id == import_id]
        total = await self.session.scalar(
            select(func.count()).select_from(ContactImportError).where(*conditions)
        )
        if request.after_id is not None:
            conditions.append(ContactImportError.id > request.after_id)
        statement = (
            select(ContactImportError)
            .where(*conditions)
            .order_by(ContactImportError.id)
            .limit(request.limit + 1)
        )
        rows = list((await self.session.execute(statement)).scalars())
        return Page.from_overfetch(rows, request.limit), int(total or 0)

    async def begin_rows(self, import_id: int, total_rows: int) -> None:
        await self.session.execute(
            update(ContactImport)
            .where(ContactImport.id == import_id)
            .values(total_rows=total_rows, heartbeat_at=func.now(), updated_at=func.now())
        )
        await self.session.execute(
            text(
                f"CREATE UNLOGGED TABLE IF NOT EXISTS {_seen(import_id)} "
                "(phone text PRIMARY KEY, line integer NOT NULL)"
            )
        )

    async def drop_seen(self, import_ids: Sequence[int]) -> None:
        for import_id in import_ids:
            await self.session.execute(text(f"DROP TABLE IF EXISTS {_seen(import_id)}"))

    async def _driver(self) -> Any:
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        return raw.driver_connection

    async def stage(self, records: Sequence[tuple[Any, ...]]) -> None:
        """COPY the chunk's good rows into this transaction's staging table."""
        await self.session.execute(
            text(
                f"CREATE TEMP TABLE {_STAGING} (line integer, phone text, name text, "
                "attributes text, custom text) ON COMMIT DROP"
            )
        )
        driver = await self._driver()
        await driver.copy_records_to_table(_STAGING, records=records, columns=_STAGING_COLUMNS)

    async def remove_duplicates(self, import_id: int) -> list[tuple[int, int]]:
        """Note the staged phones first seen here, and drop from the staging table the
        rows whose phone came earlier in the file: (line, first line) of each."""
        seen = _seen(import_id)
        await self.session.execute(
            text(
                f"INSERT INTO {seen} (phone, line) SELECT phone, line FROM {_STAGING} "
                "ORDER BY line ON CONFLICT (phone) DO NOTHING"
            )
        )
        rows = await self.session.execute(
            text(
                f"DELETE FROM {_STAGING} c USING {seen} s "
                "WHERE s.phone = c.phone AND s.line <> c.line RETURNING c.line, s.line"
            )
        )
        return sorted((int(line), int(first)) for line, first in rows)

    async def remove_overfull(
        self, merchant_id: int, tags: Sequence[str], max_tags: int, max_attributes: int
    ) -> list[tuple[int, bool]]:
        """Drop from the staging table the rows that would give a known contact more
        tags or attributes than a contact may have: (line, whether tags are the cause)."""
        rows = await self.session.execute(
            text(
                f"""
                WITH over AS (
                    SELECT c.line,
                        cardinality(ARRAY(SELECT DISTINCT t FROM
                            unnest(cu.tags || CAST(:tags AS text[])) t)) > :max_tags AS tags,
                        (SELECT count(*) FROM jsonb_object_keys(
                            cu.attributes || c.attributes::jsonb)) > :max_attributes AS attrs
                    FROM {_STAGING} c JOIN conversation_users cu
                        ON cu.merchant_id = :merchant_id AND cu.phone = c.phone
                )
                DELETE FROM {_STAGING} c USING over
                WHERE over.line = c.line AND (over.tags OR over.attrs)
                RETURNING c.line, over.tags
                """
            ),
            {
                "merchant_id": merchant_id,
                "tags": list(tags),
                "max_tags": max_tags,
                "max_attributes": max_attributes,
            },
        )
        return sorted((int(line), bool(by_tags)) for line, by_tags in rows)

    async def upsert_staged(
        self, merchant_id: int, campaign_id: int | None, tags: Sequence[str]
    ) -> int:
        """Write the staged rows into the contacts (and the campaign's leads); how many of
        them were contacts already. Opt-outs are left as they are."""
        sql = f"WITH people AS ({_UPSERT_PEOPLE})"
        params: dict[str, Any] = {"merchant_id": merchant_id, "tags": list(tags)}
        if campaign_id is not None:
            sql += _UPSERT_LEADS
            params["campaign_id"] = campaign_id
        existing = await self.session.scalar(text(sql + _COUNT_EXISTING), params)
        return int(existing or 0)

    async def add_errors(self, import_id: int, errors: Sequence[tuple[Any, ...]]) -> None:
        if errors:
            driver = await self._driver()
            records = [(import_id, *error) for error in errors]
            await driver.copy_records_to_table(
                "contact_import_errors", records=records, columns=_ERROR_COLUMNS
            )

    async def add_counts(self, import_id: int, owner: str, counts: ChunkCounts) -> bool:
        """Add a chunk's counts, if the import is still running here (else nothing, and
        the caller rolls the chunk back)."""
        c = ContactImport
        statement = (
            update(c)
            .where(c.id == import_id, c.status == ContactImportStatus.RUNNING, c.owner == owner)
            .values(
                processed_rows=c.processed_rows + counts.processed,
                imported_rows=c.imported_rows + counts.imported,
                existing_rows=c.existing_rows + counts.existing,
                duplicate_rows=c.duplicate_rows + counts.duplicates,
                failed_rows=c.failed_rows + counts.failed,
                stored_errors=c.stored_errors + counts.stored_errors,
                heartbeat_at=func.now(),
                updated_at=func.now(),
            )
            .returning(c.id)
        )
        return (await self.session.scalar(statement)) is not None

    async def finish(
        self,
        import_id: int,
        owner: str | None,
        status: ContactImportStatus,
        reason: str | None,
        *,
        counted: bool = False,
    ) -> ContactImport | None:
        """End a running import (only its owner's, when `owner` is given). `counted`:
        `reason` is a format() string given the imported and total rows as stored, as
        reap's is: the last chunk's commit may be in them and not in the caller's count."""
        c = ContactImport
        conditions = [c.id == import_id, c.status == ContactImportStatus.RUNNING]
        if owner is not None:
            conditions.append(c.owner == owner)
        message = func.format(reason, c.imported_rows, c.total_rows) if counted else reason
        statement = (
            update(c)
            .where(*conditions)
            .values(
                status=status, failure_reason=message, finished_at=func.now(), updated_at=func.now()
            )
            .returning(c)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def beat(self, owner: str) -> None:
        await self.session.execute(
            update(ContactImport)
            .where(
                ContactImport.owner == owner, ContactImport.status == ContactImportStatus.RUNNING
            )
            .values(heartbeat_at=func.now())
        )

    async def reap(self, stale_seconds: float, reason: str) -> list[ContactImport]:
        """Fail the running imports whose owner has not beaten for `stale_seconds`.
        `reason` is a format() string given the imported and total rows."""
        c = ContactImport
        message = func.format(reason, c.imported_rows, c.total_rows)
        statement = (
            update(c)
            .where(
                c.status == ContactImportStatus.RUNNING,
                c.heartbeat_at < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, stale_seconds),
            )
            .values(
                status=ContactImportStatus.FAILED,
                failure_reason=message,
                finished_at=func.now(),
                updated_at=func.now(),
            )
            .returning(c)
        )
        return list((await self.session.execute(statement)).scalars())
