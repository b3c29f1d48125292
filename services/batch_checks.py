"""Checks shared by the bulk mutations that take a list and report its items by index
(addCampaignLeads, createContacts, updateContacts): the phone of an item, a key given
twice in one list, and the list's length."""

from collections.abc import Hashable, Sized
from typing import TypeVar

from services.errors import ErrorCode, FieldError, ServiceError
from services.phones import normalize_e164

K = TypeVar("K", bound=Hashable)


def within_limit(items: Sized, limit: int, code: ErrorCode, what: str, path: str) -> None:
    """Refuse the whole call when it carries more than `limit` items."""
    if len(items) > limit:
        raise ServiceError.single(code, f"At most {limit} {what} per call.", (path,))


def checked_phone(raw: str, path: tuple[str, ...], errors: list[FieldError]) -> str | None:
    """The phone in E.164, or None after reporting it at `path`."""
    phone = normalize_e164(raw)
    if phone is None:
        errors.append(
            FieldError(
                ErrorCode.INVALID_PHONE,
                f"{raw!r} is not a valid phone number in E.164 form (+14155550123).",
                path,
            )
        )
    return phone


def first_occurrence(
    key: K,
    index: int,
    first_index: dict[K, int],
    code: ErrorCode,
    path: tuple[str, ...],
    errors: list[FieldError],
    what: str = "phone",
) -> bool:
    """True the first time `key` is seen in a list; a later occurrence is reported:
    merging the two would silently lose one of them. `first_index` records where each
    key was first given."""
    if first_index.setdefault(key, index) == index:
        return True
    errors.append(
        FieldError(
            code,
            f"{key} is already in this list at index {first_index[key]}; give each {what} once.",
            path,
        )
    )
    return False


def clean_name(name: str | None) -> str | None:
    """A name as stored: trimmed, and None when nothing is left."""
    return name.strip() or None if name else None
