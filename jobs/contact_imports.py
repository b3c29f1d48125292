"""Contact imports, run in the background of the process that received the upload.

The file is scanned and its chunks parsed in worker processes (so the phone checks use
every core and never hold the event loop); each chunk's good rows, refused rows and the
import's counters are committed in one transaction, so the counters always say what is
stored and a process killed mid-import leaves no half row. While an import runs, its
process beats a heartbeat; every process's loop fails running imports whose heartbeat is
older than CAMPAIGNS_IMPORT_STALE_AFTER (their process died), once, cluster-wide.
"""

import asyncio
import contextlib
import logging
import multiprocessing
import os
import socket
import uuid
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from db.database import Database
from db.models import ContactImport
from services.imports import rows
from services.imports.service import ImportLost, ImportService
from services.settings import Settings

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 100_000  # row errors kept per import; the counters go on counting
MAX_CELL = 1_024  # characters in a mapped cell
MAX_COLUMNS = 100
POOL_IDLE = 60.0  # seconds without an import before the workers (~70 MiB each) exit


@dataclass
class ImportRun:
    row: ContactImport
    path: Path
    plan: rows.Plan
    header: list[str]
    tags: list[str]
    imported: int = 0
    total: int = 0
    stored_errors: int = 0
    futures: deque["asyncio.Future[rows.ChunkResult]"] = field(default_factory=deque)


class ContactImportJob:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pool: ProcessPoolExecutor | None = None
        self._running: dict[int, asyncio.Task[None]] = {}
        self._idle_since = 0.0

    @property
    def workers(self) -> int:
        return self.settings.import_workers or os.cpu_count() or 1

    @property
    def interval(self) -> float:
        """Seconds between heartbeats (and looks for dead imports): a few per lease."""
        return min(max(self.settings.import_stale_after / 4, 0.2), 5.0)

    async def run(self) -> None:
        """Beat for this process's imports and fail those whose process died: at start,
        then every `interval`."""
        while True:
            try:
                async with self.db.transaction() as session:
                    service = ImportService(session)
                    if self._running:
                        await service.beat(self.owner)
                    reaped = await service.reap(self.settings.import_stale_after)
                for row in reaped:
                    logger.warning("contact import %s: %s", row.id, row.failure_reason)
            except Exception as error:  # the database may be away; try again later
                logger.warning("contact imports' heartbeat failed: %s", error)
            await self._close_idle_pool()
            await asyncio.sleep(self.interval)

    async def _close_idle_pool(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._running or self._pool is None:
            self._idle_since = now
        elif now - self._idle_since > POOL_IDLE:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, True)

    def start(self, run: ImportRun) -> None:
        import_id = run.row.id
        task = asyncio.create_task(self._run(run), name=f"contact-import-{import_id}")
        self._running[import_id] = task
        task.add_done_callback(lambda _: self._running.pop(import_id, None))

    async def stop(self) -> None:
        """Server shutdown: running imports end FAILED, saying how far they got."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a fork of a process with an event loop, threads and open sockets
            # may inherit a held lock; a spawned worker imports only services.imports.rows.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool

    async def _run(self, run: ImportRun) -> None:
        reason: str | None = None
        try:
            reason = await self._import(run)
        except asyncio.CancelledError:
            for future in run.futures:
                future.cancel()
            await self._finish(run, None, interrupted=True)
            raise
        except ImportLost:
            return  # the reaper failed it: its counters say how far it got
        except Exception as error:
            logger.exception("contact import %s failed", run.row.id)
            reason = f"The import failed on the server ({type(error).__name__}); upload it again."
            if isinstance(error, BrokenProcessPool):
                self._pool = None  # a worker died: the next import gets a new pool
        finally:
            await asyncio.to_thread(run.path.unlink, missing_ok=True)
        await self._finish(run, reason)

    async def _finish(
        self, run: ImportRun, reason: str | None, *, interrupted: bool = False
    ) -> None:
        """End the import: with `reason` (None: COMPLETED), or `interrupted` by this
        server stopping, with the counts the database holds (a chunk whose commit the
        cancellation cut short may be in them and not in `run`)."""
        try:
            async with self.db.transaction() as session:
                service = ImportService(session)
                if interrupted:
                    await service.interrupt(run.row.id, self.owner)
                else:
                    await service.finish(run.row.id, self.owner, reason)
        except Exception as error:  # the reaper will fail it once its lease is over
            logger.warning("contact import %s could not be ended: %s", run.row.id, error)

    async def _import(self, run: ImportRun) -> str | None:
        """Every chunk of the file written; the reason the file cannot be read, if not."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        settings = self.settings
        path = str(run.path)
        try:
            scan = await loop.run_in_executor(
                pool,
                rows.scan,
                path,
                settings.import_chunk_rows,
                settings.max_import_rows,
                MAX_COLUMNS,
            )
        except rows.FileProblem as problem:
            return str(problem)
        async with self.db.transaction() as session:
            await ImportService(session).begin_rows(run.row.id, scan.total_rows)
        run.total = scan.total_rows
        chunks = iter(scan.chunks)

        def submit() -> None:
            chunk = next(chunks, None)
            if chunk is not None:
                work = pool.submit(rows.parse_chunk, path, chunk, run.plan, run.header)
                run.futures.append(asyncio.wrap_future(work))

        for _ in range(self.workers + 1):  # parsing stays ahead of writing
            submit()
        while run.futures:
            try:
                parsed = await run.futures.popleft()
            except rows.FileProblem as problem:
                done = f"{run.imported} of {run.total} rows were imported"
                return f"{problem} ({done}; the rest were not read)"
            submit()
            await self._write(run, parsed)
        return None

    async def _write(self, run: ImportRun, parsed: rows.ChunkResult) -> None:
        room = MAX_STORED_ERRORS - run.stored_errors
        async with self.db.transaction() as session:
            counts = await ImportService(session).write_chunk(
                run.row, self.owner, parsed, room, run.tags
            )
        run.imported += counts.imported
        run.stored_errors += counts.stored_errors
