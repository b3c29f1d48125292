"""GraphQL objects built from rows: a type's plain fields (those without a resolver) are
the row's columns of the same name, so each column is named once, as a field, instead of
again in a copy that can drift from it. What is not a column as it stands (a global id,
a private handle, a value shown differently) is given by the caller."""

from typing import Any, TypeVar

import strawberry
from strawberry.types.base import get_object_definition

from gql.ids import encode_id

T = TypeVar("T")


_PLAIN_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain_fields(cls: type) -> tuple[str, ...]:
    found = _PLAIN_FIELDS.get(cls)
    if found is None:
        definition = get_object_definition(cls, strict=True)
        found = _PLAIN_FIELDS[cls] = tuple(
            field.python_name
            for field in definition.fields
            if field.base_resolver is None and field.python_name != "id"
        )
    return found


def from_row(cls: type[T], row: Any, **given: Any) -> T:
    """An object of `cls` with each plain field read from the row's attribute of that
    name, but for those `given`."""
    values = {name: getattr(row, name) for name in _plain_fields(cls) if name not in given}
    return cls(**values, **given)


def node_from_row(cls: type[T], row: Any, **given: Any) -> T:
    """The same for a Node, its global id made from the type's GraphQL name and the row's
    primary key."""
    name = get_object_definition(cls, strict=True).name
    return from_row(cls, row, id=strawberry.ID(encode_id(name, row.id)), **given)
