"""The payload every contact mutation returns: the contacts written, the refused ones
reported by index (a partial success, as addCampaignLeads)."""

from collections.abc import Awaitable, Callable

import strawberry

from gql.context import Context
from gql.errors import in_transaction
from gql.ids import decode_pk
from gql.types.common import UserError
from gql.types.people import ConversationUser
from services.contacts.service import ContactService, ContactsResult
from services.cooperative import cooperatively


@strawberry.type
class ContactsPayload:
    contacts: list[ConversationUser] = strawberry.field(
        description="The contacts written, in the order given (each once)."
    )
    errors: list[UserError]


async def contacts_payload(context: Context, result: ContactsResult) -> ContactsPayload:
    contacts = []
    # The rows were just written: a lead's `conversationUser` need not read them again.
    async for person in cooperatively(result.contacts):
        context.loaders.person.prime(person.id, person)
        contacts.append(ConversationUser.from_model(person))
    return ContactsPayload(contacts=contacts, errors=UserError.list_from(result.errors))


async def change_contacts(
    context: Context, change: Callable[[ContactService], Awaitable[ContactsResult]]
) -> ContactsPayload:
    """Run one ContactService change in the request's transaction; its payload."""
    limit = context.settings.max_leads_per_call
    result = await in_transaction(context, lambda session: change(ContactService(session, limit)))
    return await contacts_payload(context, result)


def contact_pks(contact_ids: list[strawberry.ID]) -> list[int | None]:
    """Each global id's key, None where it names no contact (NOT_FOUND at its index)."""
    return [decode_pk(contact_id, "ConversationUser") for contact_id in contact_ids]
