"""Creating, updating, tagging and untagging a merchant's contacts in bulk.

Each call is a partial success: the valid contacts are written, the others reported by
index (`["contacts", "3", "phone"]`, `["contactIds", "2"]`). Another merchant's contact,
or an id that names none, is NOT_FOUND, exactly like an id that does not exist.

createContacts takes phones: a phone the merchant already has is merged into that
contact, never refused, so a list can be sent again safely: a name given replaces the
stored one, attributes are merged key by key (null removes a key), tags are added to
those it has; its opt-out state is left alone (only the person, or updateContacts, may
change it). updateContacts takes ids: a name given (null clears it), attributes merged
the same way, tags replaced when given, and `optedOut`. Both take a contact's own time
zone: left out it stays, null or "" clears it (the phone number's zone is used then).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from repositories.contacts import ContactRepository, ContactValues
from repositories.leads import PersonRow
from services.batch_checks import checked_phone, clean_name, first_occurrence, within_limit
from services.contacts import rules
from services.cooperative import cooperatively
from services.errors import ErrorCode, FieldError, ServiceError


class Keep(Enum):
    """A field left out of an update: the stored value stays."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class ContactInput:
    phone: str
    name: str | None = None
    attributes: Any = None
    tags: Sequence[str] | None = None
    time_zone: str | Keep | None = KEEP  # None or "": no zone of its own


@dataclass(frozen=True)
class ContactUpdate:
    id: int | None  # None: an id that names no contact
    name: str | Keep | None = KEEP
    attributes: Any = None  # changes; None: none
    tags: Sequence[str] | None = None  # the new tags; None: as they are
    opted_out: bool | None = None
    time_zone: str | Keep | None = KEEP  # None or "": no zone of its own


@dataclass
class ContactsResult:
    contacts: list[PersonRow] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class _Checked:
    index: int
    key: str | int  # the phone (create) or the id (update)
    name: str | Keep | None
    attributes: dict[str, Any]
    tags: list[str] | None
    opted_out: bool | None = None
    time_zone: str | Keep | None = KEEP


def _not_found(path: tuple[str, ...]) -> FieldError:
    return FieldError(ErrorCode.NOT_FOUND, "No such contact.", path)


class ContactService:
    def __init__(self, session: AsyncSession, max_per_call: int = 10_000) -> None:
        self.max_per_call = max_per_call
        self.contacts = ContactRepository(session)

    async def create(self, merchant_id: int, inputs: Sequence[ContactInput]) -> ContactsResult:
        """Create contacts by phone, merging into those the merchant already has."""
        within_limit(inputs, self.max_per_call, ErrorCode.TOO_MANY_CONTACTS, "contacts", "contacts")
        result = ContactsResult()
        first_index: dict[str, int] = {}
        valid: list[_Checked] = []
        async for index, given in cooperatively(enumerate(inputs)):
            path = ("contacts", str(index))
            before = len(result.errors)
            phone = checked_phone(given.phone, (*path, "phone"), result.errors)
            if phone is not None:
                duplicate = ErrorCode.DUPLICATE_CONTACT
                first_occurrence(
                    phone, index, first_index, duplicate, (*path, "phone"), result.errors
                )
            attributes, tags = _checked_fields(index, given.attributes, given.tags, result.errors)
            zone = _checked_zone(given.time_zone, path, result.errors)
            if len(result.errors) == before and phone is not None:
                name = clean_name(given.name)
                valid.append(_Checked(index, phone, name, attributes, tags, time_zone=zone))
        stored = await self.contacts.lock_by_phones(merchant_id, [str(c.key) for c in valid])
        values = [v for c in valid if (v := _merged(c, stored.get(str(c.key)), result)) is not None]
        written = {p.phone: p for p in await self.contacts.upsert(merchant_id, values)}
        result.contacts = [written[str(v.key)] for v in values]
        result.errors.sort(key=_position)
        return result

    async def update(self, merchant_id: int, updates: Sequence[ContactUpdate]) -> ContactsResult:
        """Update contacts by id; unknown ids are reported by index."""
        within_limit(
            updates, self.max_per_call, ErrorCode.TOO_MANY_CONTACTS, "contacts", "contacts"
        )
        result = ContactsResult()
        first_index: dict[int, int] = {}
        valid: list[_Checked] = []
        async for index, given in cooperatively(enumerate(updates)):
            path = ("contacts", str(index))
            before = len(result.errors)
            if given.id is None:
                result.errors.append(_not_found((*path, "id")))
            elif first_index.setdefault(given.id, index) != index:
                result.errors.append(_duplicate(first_index[given.id], path))
            attributes, tags = _checked_fields(index, given.attributes, given.tags, result.errors)
            zone = _checked_zone(given.time_zone, path, result.errors)
            if len(result.errors) == before and given.id is not None:
                name = given.name if isinstance(given.name, Keep) else clean_name(given.name)
                checked = _Checked(index, given.id, name, attributes, tags, given.opted_out, zone)
                valid.append(checked)
        stored = await self.contacts.lock_by_ids(merchant_id, [int(c.key) for c in valid])
        values: list[ContactValues] = []
        for checked in valid:
            known = stored.get(int(checked.key))
            if known is None:
                result.errors.append(_not_found(("contacts", str(checked.index), "id")))
            elif (merged := _merged(checked, known, result)) is not None:
                values.append(merged)
        written = {p.id: p for p in await self.contacts.update(merchant_id, values)}
        result.contacts = [written[int(v.key)] for v in values]
        result.errors.sort(key=_position)
        return result

    async def tag(
        self, merchant_id: int, ids: Sequence[int | None], tags: Sequence[str]
    ) -> ContactsResult:
        """Add the tags to each contact (one statement). A contact that would have more
        than rules.MAX_TAGS keeps its tags and is reported."""
        wanted, clean = self._tagging(ids, tags)
        tagged, refused = await self.contacts.tag(merchant_id, wanted, clean, rules.MAX_TAGS)
        result = _by_id(ids, tagged, set(refused))
        for index, pk in enumerate(ids):
            if pk in refused:
                message = f"A contact has at most {rules.MAX_TAGS} tags; these would make more."
                result.errors.append(
                    FieldError(ErrorCode.TOO_MANY_TAGS, message, ("contactIds", str(index)))
                )
        result.errors.sort(key=_position)
        return result

    async def untag(
        self, merchant_id: int, ids: Sequence[int | None], tags: Sequence[str]
    ) -> ContactsResult:
        """Remove the tags from each contact that has them (one statement)."""
        wanted, clean = self._tagging(ids, tags)
        return _by_id(ids, await self.contacts.untag(merchant_id, wanted, clean))

    def _tagging(
        self, ids: Sequence[int | None], tags: Sequence[str]
    ) -> tuple[list[int], list[str]]:
        within_limit(ids, self.max_per_call, ErrorCode.TOO_MANY_CONTACTS, "contacts", "contactIds")
        errors: list[FieldError] = []
        clean = rules.checked_tags(tags, ("tags",), errors)
        if clean == []:
            errors.append(FieldError(ErrorCode.REQUIRED, "Give at least one tag.", ("tags",)))
        if errors or clean is None:
            raise ServiceError(errors)
        return list(dict.fromkeys(pk for pk in ids if pk is not None)), clean


def _duplicate(first: int, path: tuple[str, ...]) -> FieldError:
    return FieldError(
        ErrorCode.DUPLICATE_CONTACT,
        f"This contact is already in this list at index {first}; give each contact once.",
        (*path, "id"),
    )


def _checked_fields(
    index: int, attributes: Any, tags: Sequence[str] | None, errors: list[FieldError]
) -> tuple[dict[str, Any], list[str] | None]:
    """A contact's attribute changes and tags, checked (errors reported by index)."""
    path = ("contacts", str(index))
    changes: dict[str, Any] | None = {}
    if attributes is not None:
        changes = rules.checked_attributes(attributes, (*path, "attributes"), errors)
    clean = None if tags is None else rules.checked_tags(tags, (*path, "tags"), errors)
    return changes or {}, clean


def _checked_zone(
    given: str | Keep | None, path: tuple[str, ...], errors: list[FieldError]
) -> str | Keep | None:
    if given is None or isinstance(given, Keep):
        return given
    return rules.checked_time_zone(given, (*path, "timeZone"), errors)


def _merged(
    checked: _Checked, stored: PersonRow | None, result: ContactsResult
) -> ContactValues | None:
    """What the contact becomes, or None after reporting a limit the merge would pass.
    A new contact's tags are the given ones; a known one's are added to (create) or
    replaced (update: its key is an id)."""
    path = ("contacts", str(checked.index))
    attributes = rules.merged_attributes(stored.attributes if stored else {}, checked.attributes)
    tags = checked.tags
    if stored is not None and (tags is None or isinstance(checked.key, str)):
        tags = sorted({*stored.tags, *(tags or ())})
    tags = tags or []
    name = checked.name
    if isinstance(name, Keep) or (name is None and isinstance(checked.key, str)):
        name = stored.name if stored else None
    zone = checked.time_zone
    if isinstance(zone, Keep):
        zone = stored.time_zone if stored else None
    if len(attributes) > rules.MAX_ATTRIBUTES:
        result.errors.append(rules.too_many_attributes(len(attributes), (*path, "attributes")))
    elif len(tags) > rules.MAX_TAGS:
        result.errors.append(rules.too_many_tags(len(tags), (*path, "tags")))
    else:
        return ContactValues(checked.key, name, attributes, tags, checked.opted_out, zone)
    return None


def _by_id(
    ids: Sequence[int | None], rows: Sequence[PersonRow], refused: set[int] | None = None
) -> ContactsResult:
    """The rows in the order their ids were first given; ids that found none (nor one of
    those `refused`, reported otherwise) reported as not found."""
    found = {row.id: row for row in rows}
    known = found.keys() | (refused or set())
    result = ContactsResult(contacts=[found[pk] for pk in dict.fromkeys(ids) if pk in found])
    for index, pk in enumerate(ids):
        if pk is None or pk not in known:
            result.errors.append(_not_found(("contactIds", str(index))))
    return result


def _position(error: FieldError) -> int:
    return int(error.field[1]) if len(error.field) > 1 and error.field[1].isdigit() else -1
