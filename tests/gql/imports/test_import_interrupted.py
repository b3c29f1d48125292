"""A server killed during an import: no half chunk is stored, and the import ends FAILED
(by another process, once the dead one's heartbeat is stale) saying how far it got."""

import httpx
from sqlalchemy import func, select

from db.database import Database
from db.models import ContactImport, ContactImportStatus, ConversationUser
from gql.ids import decode_pk
from services.merchants.service import create_merchant
from tests.conftest import RunningEmulator
from tests.gql.imports.support import finished, start_import, state
from tests.gql.imports.test_import_progress import phones
from tests.processes import server_process
from tests.support import eventually

FAST_LEASE = {"CAMPAIGNS_IMPORT_STALE_AFTER": "2", "CAMPAIGNS_IMPORT_CHUNK_ROWS": "5000"}


async def _contacts(db: Database, merchant_id: int) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).where(ConversationUser.merchant_id == merchant_id)
        )
        return int(count or 0)


async def test_a_killed_server_leaves_whole_chunks_and_a_failed_import(
    database_url: str, db: Database, emulator: RunningEmulator
) -> None:
    async with db.transaction() as session:
        account = await create_merchant(session, "Killed Import", with_templates=False)
    token, merchant_id = account.token, account.merchant.id
    rows = 400_000
    async with server_process(database_url, emulator.url, env=FAST_LEASE) as doomed:
        async with httpx.AsyncClient(base_url=doomed.url, timeout=60) as http:
            started = await start_import(http, token, phones(rows), {"phone": "phone"})
            await eventually(
                lambda: state(http, token, started["id"]),
                lambda found: found["processedRows"] > 0,
            )
        doomed.kill()
        await doomed.process.wait()
    async with (
        server_process(database_url, emulator.url, env=FAST_LEASE) as survivor,
        httpx.AsyncClient(base_url=survivor.url, timeout=60) as http,
    ):
        done = await finished(http, token, started["id"], within=30)
    assert done["status"] == "FAILED"
    imported = done["importedRows"]
    assert 0 < imported < rows, done
    assert done["processedRows"] == imported + done["duplicateRows"] + done["failedRows"]
    assert await _contacts(db, merchant_id) == imported  # exactly the committed chunks
    assert imported % 5000 == 0
    assert done["failureReason"] == (
        f"interrupted: the server stopped during the import; {imported} of {rows} rows were "
        "imported — upload the file again (rows already imported are updated, not duplicated)"
    )


async def test_a_server_stopping_ends_its_import_itself(
    database_url: str, db: Database, emulator: RunningEmulator
) -> None:
    async with db.transaction() as session:
        account = await create_merchant(session, "Stopped Import", with_templates=False)
    token = account.token
    async with server_process(database_url, emulator.url, env=FAST_LEASE) as stopping:
        async with httpx.AsyncClient(base_url=stopping.url, timeout=60) as http:
            started = await start_import(http, token, phones(400_000), {"phone": "phone"})
            await eventually(
                lambda: state(http, token, started["id"]),
                lambda found: found["processedRows"] > 0,
            )
        # SIGTERM: uvicorn's graceful shutdown, then the runtime's (uvicorn then raises the
        # signal again, so the exit status is -15 either way: the rows tell).
        stopping.process.terminate()
        await stopping.process.wait()
    async with db.session() as session:
        row = await session.get_one(ContactImport, decode_pk(started["id"], "ContactImport"))
    assert row.status == ContactImportStatus.FAILED
    assert row.failure_reason is not None
    assert row.failure_reason.startswith("interrupted: the server stopped during the import; ")
    assert f"{row.imported_rows} of 400000 rows" in row.failure_reason
    assert await _contacts(db, account.merchant.id) == row.imported_rows
