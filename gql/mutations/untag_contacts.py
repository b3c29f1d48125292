"""untagContacts."""

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.mutations.contacts_payload import ContactsPayload, change_contacts, contact_pks


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Remove tags from contacts, in one statement (a contact without them is unchanged)."
    " Codes: NOT_FOUND (by index into contactIds); INVALID_TAG, REQUIRED (no tag); "
    "TOO_MANY_CONTACTS.",
)
async def untag_contacts(
    info: Info, contact_ids: list[strawberry.ID], tags: list[str]
) -> ContactsPayload:
    merchant_id = info.context.merchant_id
    ids = contact_pks(contact_ids)
    return await change_contacts(
        info.context, lambda service: service.untag(merchant_id, ids, tags)
    )
