"""createContacts: contacts by phone, merged into those the merchant already has."""

import strawberry
from strawberry.scalars import JSON

from gql.coerced_inputs import take_as_coerced
from gql.context import AUTHENTICATED, Info
from gql.input_guard import InputGuard
from gql.mutations.contacts_payload import ContactsPayload, change_contacts
from services.contacts.service import KEEP, Keep
from services.contacts.service import ContactInput as Contact


@strawberry.input
class ContactInput:
    phone: str = strawberry.field(description="E.164, e.g. +14155550123.")
    name: str | None = None
    attributes: JSON | None = strawberry.field(
        default=None,
        description='A flat object, e.g. {"order_id": "1042", "vip": true}; merged into '
        "a known contact's, a null value removing its key.",
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Added to a known contact's tags."
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The person's own IANA time zone (Europe/Lisbon), over the one their "
        "phone number implies: quiet hours follow it. Left out: a known contact's stays; "
        'null or "": none of its own.',
    )


take_as_coerced(ContactInput)


def _zone(given: ContactInput) -> str | Keep | None:
    return KEEP if given.time_zone is strawberry.UNSET else given.time_zone


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Create up to 10,000 contacts by phone. A phone you already have is "
    "merged into that contact, not refused: a name given replaces its name, attributes "
    "are merged key by key (null removes a key), tags are added; its opt-out stays as "
    "it is. Valid contacts are written even when others are reported in `errors` by "
    "index. Codes: INVALID_PHONE; DUPLICATE_CONTACT (the phone, once normalised, was "
    "given earlier in the list: the first is kept); INVALID, INVALID_ATTRIBUTE and "
    "TOO_MANY_ATTRIBUTES (attributes); INVALID_TAG and TOO_MANY_TAGS; UNKNOWN_TIME_ZONE; "
    "TOO_MANY_CONTACTS; BAD_USER_INPUT (text that cannot be stored, or over its length "
    "limit).",
    extensions=[InputGuard(batch="contacts")],
)
async def create_contacts(info: Info, contacts: list[ContactInput]) -> ContactsPayload:
    merchant_id = info.context.merchant_id
    inputs = [Contact(c.phone, c.name, c.attributes, c.tags, _zone(c)) for c in contacts]
    return await change_contacts(info.context, lambda service: service.create(merchant_id, inputs))
