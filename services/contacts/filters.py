"""The contact filter shared by `contacts(filter:)` and segments: validated once, with
every problem reported by its path, and stored in a segment as JSON.

A filter is criteria that must all hold (repositories/contact_queries.py compiles them to
one SQL condition): tags (all of them), anyTags (at least one), attributes (equal on each
key), opt-out state, and behaviour clauses over a campaign's every version."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from repositories.contact_queries import (
    BehaviourCriterion,
    ContactCriteria,
    ContactEvent,
    ContactQueries,
)
from services.contacts.rules import checked_tags
from services.errors import ErrorCode, FieldError, ServiceError

MAX_TAGS = 20  # in `tags` and in `anyTags`, each
MAX_ATTRIBUTES = 20  # key/value pairs
MAX_BEHAVIOUR_CLAUSES = 5
MAX_VALUE_LENGTH = 1_024  # a tag, an attribute's key or string value
MIN_WITHIN_DAYS, MAX_WITHIN_DAYS = 1, 365

Path = tuple[str, ...]
Scalar = str | int | float | bool


@dataclass(frozen=True)
class BehaviourInput:
    campaign_id: int | None  # None: the given id names no campaign at all
    event: ContactEvent
    within_days: int | None = None
    negate: bool = False


@dataclass(frozen=True)
class ContactFilterInput:
    tags: Sequence[str] | None = None
    any_tags: Sequence[str] | None = None
    attributes: Any = None
    opted_out: bool | None = None
    behaviour: Sequence[BehaviourInput] | None = None


@dataclass(frozen=True)
class ContactFilter(ContactCriteria):
    """Criteria known to be valid: within the limits, campaigns the merchant's own."""

    def to_json(self) -> dict[str, Any]:
        """As stored in segments.filter (campaign ids as numbers)."""
        return {
            "tags": list(self.tags),
            "anyTags": list(self.any_tags),
            "attributes": dict(self.attributes),
            "optedOut": self.opted_out,
            "behaviour": [
                {
                    "campaignId": clause.campaign_id,
                    "event": clause.event.value,
                    "withinDays": clause.within_days,
                    "negate": clause.negate,
                }
                for clause in self.behaviour
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ContactFilter":
        """A filter as stored by to_json (it was validated before it was stored)."""
        return cls(
            tags=tuple(data.get("tags") or ()),
            any_tags=tuple(data.get("anyTags") or ()),
            attributes=dict(data.get("attributes") or {}),
            opted_out=data.get("optedOut"),
            behaviour=tuple(
                BehaviourCriterion(
                    int(clause["campaignId"]),
                    ContactEvent(clause["event"]),
                    clause.get("withinDays"),
                    bool(clause.get("negate", False)),
                )
                for clause in data.get("behaviour") or ()
            ),
        )


async def build_filter(
    session: AsyncSession, merchant_id: int, given: ContactFilterInput | None, path: Path
) -> ContactFilter:
    """The validated filter, or a ServiceError with every problem at its path under
    `path` (a campaign of another merchant is NOT_FOUND, as one that does not exist)."""
    if given is None:
        return ContactFilter()
    errors: list[FieldError] = []
    tags = _tags(given.tags, (*path, "tags"), errors)
    any_tags = _tags(given.any_tags, (*path, "anyTags"), errors)
    attributes = _attributes(given.attributes, (*path, "attributes"), errors)
    behaviour = _behaviour(given.behaviour or (), (*path, "behaviour"), errors)
    clauses = given.behaviour or ()
    if len(clauses) <= MAX_BEHAVIOUR_CLAUSES:
        await _own_campaigns(session, merchant_id, clauses, (*path, "behaviour"), errors)
    if errors:
        raise ServiceError(errors)
    return ContactFilter(tags, any_tags, attributes, given.opted_out, behaviour)


async def _own_campaigns(
    session: AsyncSession,
    merchant_id: int,
    clauses: Sequence[BehaviourInput],
    path: Path,
    errors: list[FieldError],
) -> None:
    wanted = {clause.campaign_id for clause in clauses if clause.campaign_id is not None}
    own = await ContactQueries(session).own_campaigns(merchant_id, wanted)
    for index, clause in enumerate(clauses):
        if clause.campaign_id not in own:
            where = (*path, str(index), "campaignId")
            errors.append(FieldError(ErrorCode.NOT_FOUND, "Campaign not found.", where))


def _too_long(value: str) -> bool:
    return len(value) > MAX_VALUE_LENGTH


def _tags(given: Sequence[str] | None, path: Path, errors: list[FieldError]) -> tuple[str, ...]:
    """Normalised as contacts' tags are stored (services/contacts/rules.py), so `VIP ` finds
    the contacts tagged `vip`."""
    if not given:
        return ()
    if len(given) > MAX_TAGS:
        errors.append(FieldError(ErrorCode.INVALID, f"Give at most {MAX_TAGS} tags.", path))
        return ()
    return tuple(checked_tags(given, path, errors) or ())


def _attributes(given: Any, path: Path, errors: list[FieldError]) -> dict[str, Scalar]:
    if given is None:
        return {}
    if not isinstance(given, dict):
        errors.append(FieldError(ErrorCode.INVALID, "Must be a JSON object.", path))
        return {}
    if len(given) > MAX_ATTRIBUTES:
        message = f"Give at most {MAX_ATTRIBUTES} attributes."
        errors.append(FieldError(ErrorCode.INVALID, message, path))
        return {}
    found: dict[str, Scalar] = {}
    for key, value in given.items():
        where = (*path, key if not _too_long(key) else key[:64])
        if not key or _too_long(key):
            message = f"An attribute's name is 1 to {MAX_VALUE_LENGTH} characters."
            errors.append(FieldError(ErrorCode.INVALID, message, where))
        elif not isinstance(value, str | int | float | bool):
            message = "Use a string, a number or a boolean: attributes match by equality."
            errors.append(FieldError(ErrorCode.INVALID, message, where))
        elif isinstance(value, str) and _too_long(value):
            message = f"At most {MAX_VALUE_LENGTH} characters."
            errors.append(FieldError(ErrorCode.INVALID, message, where))
        else:
            found[key] = value
    return found


def _behaviour(
    given: Sequence[BehaviourInput], path: Path, errors: list[FieldError]
) -> tuple[BehaviourCriterion, ...]:
    if len(given) > MAX_BEHAVIOUR_CLAUSES:
        message = f"Give at most {MAX_BEHAVIOUR_CLAUSES} behaviour clauses."
        errors.append(FieldError(ErrorCode.INVALID, message, path))
        return ()
    found: list[BehaviourCriterion] = []
    for index, clause in enumerate(given):
        days = clause.within_days
        if days is not None and not MIN_WITHIN_DAYS <= days <= MAX_WITHIN_DAYS:
            message = f"withinDays is {MIN_WITHIN_DAYS} to {MAX_WITHIN_DAYS}."
            errors.append(FieldError(ErrorCode.INVALID, message, (*path, str(index), "withinDays")))
        elif clause.campaign_id is not None:
            found.append(BehaviourCriterion(clause.campaign_id, clause.event, days, clause.negate))
    return tuple(found)
