"""updateContacts: contacts by id; a field left out stays as it is."""

import strawberry
from strawberry.scalars import JSON

from gql.coerced_inputs import take_as_coerced
from gql.context import AUTHENTICATED, Info
from gql.ids import decode_pk
from gql.input_guard import InputGuard
from gql.mutations.contacts_payload import ContactsPayload, change_contacts
from services.contacts.service import KEEP, ContactUpdate


@strawberry.input
class ContactUpdateInput:
    id: strawberry.ID
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Left out: unchanged; null: no name."
    )
    attributes: JSON | None = strawberry.field(
        default=None, description="Merged into the contact's; a null value removes its key."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Replace the contact's tags; left out: unchanged."
    )
    opted_out: bool | None = strawberry.field(
        default=None,
        description="true: the person opted out (since now, unless already); false: "
        "opted back in. Left out: unchanged.",
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The person's own IANA time zone (Europe/Lisbon), over the one their "
        'phone number implies. Left out: unchanged; null or "": none of its own.',
    )


take_as_coerced(ContactUpdateInput)


def _update(given: ContactUpdateInput) -> ContactUpdate:
    name = KEEP if given.name is strawberry.UNSET else given.name
    zone = KEEP if given.time_zone is strawberry.UNSET else given.time_zone
    pk = decode_pk(given.id, "ConversationUser")
    return ContactUpdate(pk, name, given.attributes, given.tags, given.opted_out, zone)


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Update up to 10,000 contacts by id: name, attributes (merged, null "
    "removing a key), tags (replaced), opt-out, time zone. Valid ones are written even when others "
    "are reported in `errors` by index. Codes: NOT_FOUND (no such contact of yours); "
    "DUPLICATE_CONTACT (the id was given earlier in the list); INVALID, "
    "INVALID_ATTRIBUTE and TOO_MANY_ATTRIBUTES; INVALID_TAG and TOO_MANY_TAGS; "
    "UNKNOWN_TIME_ZONE; TOO_MANY_CONTACTS; BAD_USER_INPUT.",
    extensions=[InputGuard(batch="contacts")],
)
async def update_contacts(info: Info, contacts: list[ContactUpdateInput]) -> ContactsPayload:
    merchant_id = info.context.merchant_id
    updates = [_update(c) for c in contacts]
    return await change_contacts(info.context, lambda service: service.update(merchant_id, updates))
