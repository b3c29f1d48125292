"""tagContacts."""

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import decode_pk
from gql.mutations.contacts_payload import ContactsPayload, contacts_payload
from services.contacts.service import ContactService


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
    context = info.context
    ids = [decode_pk(contact_id, "ConversationUser") for contact_id in contact_ids]
    limit = context.settings.max_leads_per_call
    result = await in_transaction(
        context,
        lambda session: ContactService(session, limit).tag(context.merchant_id, ids, tags),
    )
    return await contacts_payload(context, result)
