"""Input types of long lists (leads, contacts) taken as graphql-core coerced them.

Strawberry's own conversion resolves each field's annotation again for every item: for
10,000 leads it held the event loop 0.4-0.7 s on the bench machine. The fields of these
inputs are scalars (and JSON) that graphql-core has already coerced, so they are taken as
they are: each field from its GraphQL name, or its default when left out."""

import dataclasses
from collections.abc import Mapping
from typing import Any

from strawberry.types.arguments import InputContext
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case


def take_as_coerced(input_cls: type) -> None:
    definition = get_object_definition(input_cls, strict=True)
    fields = [
        (
            field.python_name,
            field.graphql_name or to_camel_case(field.python_name),
            None if field.default is dataclasses.MISSING else field.default,
        )
        for field in definition.fields
    ]

    def from_input(cls: type, value: Mapping[str, Any], _: InputContext) -> Any:
        return cls(**{python: value.get(name, default) for python, name, default in fields})

    definition.from_input = from_input
