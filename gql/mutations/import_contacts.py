"""importContacts: a CSV file uploaded with the GraphQL multipart request spec."""

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from gql.context import AUTHENTICATED, Context, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.types.common import UserError
from gql.types.contact_import import ContactImport
from jobs.contact_imports import MAX_CELL, MAX_COLUMNS, ImportRun
from services.errors import ErrorCode, ServiceError
from services.imports.mapping import ImportMapping
from services.imports.rows import FileProblem, read_header
from services.imports.service import ImportService


@strawberry.input(description="Which CSV columns (by their header) go where.")
class ContactImportMappingInput:
    phone: str = strawberry.field(description="The column of phone numbers (E.164, +…).")
    name: str | None = strawberry.field(default=None, description="The column of names.")
    attributes: list[str] | None = strawberry.field(
        default=None, description="Columns kept as contact attributes (strings), by name."
    )
    custom_variables: list[str] | None = strawberry.field(
        default=None,
        description="Columns named like template variables (e.g. coupon_code): the "
        "campaign leads' custom variables. Only with campaignId.",
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Tags added to every imported contact."
    )

    def to_service(self) -> ImportMapping:
        return ImportMapping(
            phone=self.phone,
            name=self.name,
            attributes=list(self.attributes or ()),
            custom_variables=list(self.custom_variables or ()),
            tags=list(self.tags or ()),
        )


@strawberry.type
class ImportContactsPayload:
    contact_import: ContactImport | None
    errors: list[UserError]


def _save(source: BinaryIO) -> Path:
    """The upload copied to a named file the import's worker processes can open."""
    with tempfile.NamedTemporaryFile(
        prefix="campaigns-import-", suffix=".csv", delete=False
    ) as target:
        source.seek(0)
        shutil.copyfileobj(source, target, 1 << 20)
    return Path(target.name)


def _header(path: Path) -> list[str] | str:
    try:
        return read_header(str(path), MAX_COLUMNS)
    except FileProblem as problem:
        return str(problem)


async def _start(
    context: Context, path: Path, mapping: ImportMapping, campaign: int | None, name: str | None
) -> ContactImport:
    header = await asyncio.to_thread(_header, path)
    job = context.runtime.contact_imports
    row, plan = await in_transaction(
        context,
        lambda session: ImportService(session).start(
            context.merchant_id,
            campaign,
            mapping,
            header,
            file_name=name,
            owner=job.owner,
            max_cell=MAX_CELL,
        ),
    )
    if plan is not None and not isinstance(header, str):
        job.start(ImportRun(row, path, plan, header, mapping.clean_tags()))
    else:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return ContactImport.from_model(row)


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Import contacts from a CSV file (UTF-8, a header row), sent as a multipart "
    "request (GraphQL multipart request spec). Answers at once with the RUNNING import; "
    "follow it with `contactImport` or `importProgress`. With campaignId the contacts also "
    "join that campaign's audience. Codes: UNKNOWN_COLUMN (a mapped column is not in the "
    "header), UNKNOWN_VARIABLE, INVALID (mapping, file), NOT_FOUND, NOT_HEAD_VERSION and "
    "ARCHIVED (the campaign). A file that cannot be read ends FAILED with its reason.",
)
async def import_contacts(
    info: Info,
    file: Upload,
    mapping: ContactImportMappingInput,
    campaign_id: strawberry.ID | None = None,
) -> ImportContactsPayload:
    context = info.context
    if not isinstance(file, UploadFile):
        raise ServiceError.single(
            ErrorCode.INVALID,
            "Send the file in a multipart request (GraphQL multipart request spec).",
            ("file",),
        )
    campaign = None
    if campaign_id is not None:
        campaign = require_pk(campaign_id, "Campaign", "Campaign", ("campaignId",))
    path = await asyncio.to_thread(_save, file.file)
    await file.close()
    try:
        started = await _start(context, path, mapping.to_service(), campaign, file.filename)
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    return ImportContactsPayload(contact_import=started, errors=[])
