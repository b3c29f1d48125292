"""What a contact may hold: tags and attributes, and their limits.

Tags are trimmed and lowercased, then must be 1 to 64 characters of `a-z 0-9 _ - : .`;
a contact keeps each tag once, in byte order. Attributes are a flat JSON object of at
most 50 keys, each 1 to 64 characters of `A-Z a-z 0-9 _`, whose values are strings (at
most 1,024 characters), numbers, booleans or null (null removes the key). A contact's
own time zone is an IANA name this server knows (Europe/Lisbon), or none.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from services.errors import ErrorCode, FieldError
from services.policy.zones import is_zone

MAX_TAGS = 50  # per contact
MAX_TAG_LENGTH = 64
MAX_ATTRIBUTES = 50  # keys per contact
MAX_ATTRIBUTE_VALUE = 1_024  # characters of a string value
CAMPAIGNS_SHOWN = 20  # a contact's `campaigns`: the newest this many
TAG = re.compile(rf"[a-z0-9_\-:.]{{1,{MAX_TAG_LENGTH}}}")
ATTRIBUTE_KEY = re.compile(r"[A-Za-z0-9_]{1,64}")

Path = tuple[str, ...]


def checked_tags(given: Iterable[str], path: Path, errors: list[FieldError]) -> list[str] | None:
    """The tags as stored (normalised, once each, sorted), or None after reporting what
    is wrong with them."""
    before = len(errors)
    tags: set[str] = set()
    for position, raw in enumerate(given):
        tag = raw.strip().lower()
        if TAG.fullmatch(tag):
            tags.add(tag)
        else:
            errors.append(
                FieldError(
                    ErrorCode.INVALID_TAG,
                    f"A tag is 1 to {MAX_TAG_LENGTH} letters, digits or _ - : . "
                    f"(no spaces); {raw!r} is not.",
                    (*path, str(position)),
                )
            )
    if len(tags) > MAX_TAGS:
        errors.append(too_many_tags(len(tags), path))
    return sorted(tags) if len(errors) == before else None


def too_many_tags(count: int, path: Path) -> FieldError:
    return FieldError(
        ErrorCode.TOO_MANY_TAGS,
        f"A contact has at most {MAX_TAGS} tags; this would make {count}.",
        path,
    )


def checked_attributes(given: Any, path: Path, errors: list[FieldError]) -> dict[str, Any] | None:
    """The attribute changes (a null value removes its key), or None after reporting."""
    if not isinstance(given, dict):
        errors.append(FieldError(ErrorCode.INVALID, "Must be a JSON object.", path))
        return None
    before = len(errors)
    if len(given) > MAX_ATTRIBUTES:
        errors.append(too_many_attributes(len(given), path))
        return None
    for key, value in given.items():
        if not ATTRIBUTE_KEY.fullmatch(key):
            errors.append(
                FieldError(
                    ErrorCode.INVALID_ATTRIBUTE,
                    "An attribute's key is 1 to 64 letters, digits or _.",
                    (*path, key if len(key) <= 64 else key[:64] + "…"),
                )
            )
        else:
            problem = _value_problem(value)
            if problem:
                errors.append(FieldError(ErrorCode.INVALID_ATTRIBUTE, problem, (*path, key)))
    return dict(given) if len(errors) == before else None


def _value_problem(value: Any) -> str | None:
    if value is None or isinstance(value, bool | int | float):
        return None
    if isinstance(value, str):
        if len(value) > MAX_ATTRIBUTE_VALUE:
            return f"At most {MAX_ATTRIBUTE_VALUE} characters; this has {len(value)}."
        return None
    return "Use a string, a number, true, false or null (no objects or lists)."


def too_many_attributes(count: int, path: Path) -> FieldError:
    return FieldError(
        ErrorCode.TOO_MANY_ATTRIBUTES,
        f"A contact has at most {MAX_ATTRIBUTES} attributes; this would make {count}.",
        path,
    )


def merged_attributes(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The stored attributes with the changes applied: a null value removes its key."""
    merged = {**stored, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def checked_time_zone(given: str, path: Path, errors: list[FieldError]) -> str | None:
    """The contact's own zone as stored: None for "" (the phone number's zone then), or
    None after reporting a name that is no zone."""
    if given == "":
        return None
    if not is_zone(given):
        message = f"{given!r} is not an IANA time zone name (e.g. Europe/Lisbon, Asia/Kolkata)."
        errors.append(FieldError(ErrorCode.UNKNOWN_TIME_ZONE, message, path))
        return None
    return given
