"""A CSV import of contacts: its status, counters and refused rows."""

from datetime import datetime

import strawberry

from db import models
from db.models import ContactImportStatus
from gql.context import Info
from gql.types.campaign import Campaign
from gql.types.common import Node
from gql.types.pagination import Connection, connection_from_page, page_request
from gql.types.rows import from_row, node_from_row
from services.imports.codes import RowCode
from services.imports.service import ImportService

strawberry.enum(ContactImportStatus, description="RUNNING until every row is handled.")
strawberry.enum(
    RowCode,
    name="ContactImportRowErrorCode",
    description="Why a row was not imported. DUPLICATE_PHONE: the phone (once normalised) is "
    "on an earlier line of the file, which is the one imported.",
)


@strawberry.type(description="A row of the file that was not imported, and why.")
class ContactImportRowError:
    line: int = strawberry.field(description="The file's line (1-based; the header is line 1).")
    column: str | None = strawberry.field(description="The column's name, when one is at fault.")
    code: RowCode
    message: str

    @classmethod
    def from_model(cls, model: models.ContactImportError) -> "ContactImportRowError":
        return from_row(cls, model, code=RowCode(model.code))


@strawberry.type(
    description="A CSV upload of contacts. Counters grow chunk by chunk, each chunk stored "
    "with its counts in one transaction; at the end totalRows = importedRows + "
    "duplicateRows + failedRows (existingRows are among importedRows)."
)
class ContactImport(Node):
    model: strawberry.Private[models.ContactImport]
    status: ContactImportStatus
    file_name: str | None
    total_rows: int = strawberry.field(description="Data rows in the file (once it is read).")
    processed_rows: int = strawberry.field(description="Rows handled so far.")
    imported_rows: int = strawberry.field(description="Rows stored as contacts (new or not).")
    existing_rows: int = strawberry.field(
        description="Imported rows whose phone already was a contact: updated (name where "
        "given, attributes merged, tags added), never duplicated."
    )
    duplicate_rows: int = strawberry.field(description="Rows whose phone came earlier in the file.")
    failed_rows: int = strawberry.field(description="Rows refused: see rowErrors.")
    failure_reason: str | None = strawberry.field(description="Why a FAILED import stopped.")
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_model(cls, model: models.ContactImport) -> "ContactImport":
        return node_from_row(cls, model, model=model)

    @strawberry.field
    async def campaign(self, info: Info) -> Campaign | None:
        if self.model.campaign_id is None:
            return None
        found = await info.context.loaders.campaign.load(self.model.campaign_id)
        return None if found is None else Campaign.from_model(found)

    @strawberry.field(
        description="Refused rows in file order (duplicates too), the first 100,000 kept."
    )
    async def row_errors(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[ContactImportRowError]:
        request = page_request(first, after, "ContactImportRowError")
        import_id = self.model.id
        page, total = await info.context.loaders.reads.read(
            lambda session: ImportService(session).row_errors(import_id, request)
        )
        return connection_from_page(
            page, total, "ContactImportRowError", ContactImportRowError.from_model
        )
