"""untagContacts."""

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import decode_pk
from gql.mutations.contacts_payload import ContactsPayload, contacts_payload
from services.contacts.service import ContactService


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Remove tags from contacts, in one statement (a contact without them is unchanged)."
    " Codes: NOT_FOUND (by index into contactIds); INVALID_TAG, REQUIRED (no tag); "
    "TOO_MANY_CONTACTS.",
)
async def untag_contacts(
    info: Info, contact_ids: list[strawberry.ID], tags: list[str]
) -> ContactsPayload:
    context = info.context
    ids = [decode_pk(contact_id, "ConversationUser") for contact_id in contact_ids]
    limit = context.settings.max_leads_per_call
    result = await in_transaction(
        context,
        lambda session: ContactService(session, limit).untag(context.merchant_id, ids, tags),
    )
    return await contacts_payload(context, result)
