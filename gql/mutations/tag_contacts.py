"""tagContacts."""

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.mutations.contacts_payload import ContactsPayload, change_contacts, contact_pks


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Add tags to contacts, in one statement: each tag kept once, in byte order. Tags "
    "are trimmed and lowercased: 1 to 64 of a-z 0-9 _ - : . (no spaces). Codes: "
    "NOT_FOUND (by index into contactIds); TOO_MANY_TAGS (a contact would have more "
    "than 50: it keeps its tags); INVALID_TAG, REQUIRED (no tag); TOO_MANY_CONTACTS.",
)
async def tag_contacts(
    info: Info, contact_ids: list[strawberry.ID], tags: list[str]
) -> ContactsPayload:
    merchant_id = info.context.merchant_id
    ids = contact_pks(contact_ids)
    return await change_contacts(info.context, lambda service: service.tag(merchant_id, ids, tags))
