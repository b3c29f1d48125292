"""The payload every contact mutation returns: the contacts written, the refused ones
reported by index (a partial success, as addCampaignLeads)."""

import strawberry

from gql.context import Context
from gql.types.common import UserError
from gql.types.people import ConversationUser
from services.contacts.service import ContactsResult
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
