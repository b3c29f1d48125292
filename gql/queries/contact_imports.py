"""Contact imports: one by id, and the merchant's list, newest first."""

import strawberry

from gql.context import AUTHENTICATED, Context, Info
from gql.ids import decode_pk
from gql.types.contact_import import ContactImport
from gql.types.pagination import Connection, connection_from_page, page_request
from services.imports.service import ImportService


async def load_contact_import(context: Context, pk: int) -> ContactImport | None:
    """The merchant's import with this primary key (None for another merchant's)."""
    found = await context.loaders.reads.read(
        lambda session: ImportService(session).by_ids(context.merchant_id, [pk])
    )
    row = found.get(pk)
    return None if row is None else ContactImport.from_model(row)


@strawberry.type
class ContactImportQueries:
    @strawberry.field(permission_classes=AUTHENTICATED)
    async def contact_import(self, info: Info, id: strawberry.ID) -> ContactImport | None:
        pk = decode_pk(id, "ContactImport")
        return None if pk is None else await load_contact_import(info.context, pk)

    @strawberry.field(permission_classes=AUTHENTICATED, description="Newest first.")
    async def contact_imports(
        self, info: Info, first: int | None = 50, after: str | None = None
    ) -> Connection[ContactImport]:
        request = page_request(first, after, "ContactImport")
        context = info.context
        page, total = await context.loaders.reads.read(
            lambda session: ImportService(session).page(context.merchant_id, request)
        )
        return connection_from_page(page, total, "ContactImport", ContactImport.from_model)
