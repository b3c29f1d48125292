"""The column mapping of an import, checked against the file's header row."""

from dataclasses import dataclass, field
from typing import Any

from services.campaigns.placeholders import VARIABLE_TYPES
from services.errors import ErrorCode, FieldError, ServiceError
from services.imports.rows import Plan

MAX_TAGS = 20
MAX_TAG_LENGTH = 100


@dataclass(frozen=True)
class ImportMapping:
    phone: str
    name: str | None = None
    attributes: list[str] = field(default_factory=list)
    custom_variables: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "phone": self.phone,
            "name": self.name,
            "attributes": self.attributes,
            "customVariables": self.custom_variables,
            "tags": self.clean_tags(),
        }

    def clean_tags(self) -> list[str]:
        return list(dict.fromkeys(tag.strip() for tag in self.tags))


def plan_for(
    mapping: ImportMapping, header: list[str], *, with_campaign: bool, max_cell: int
) -> Plan:
    """Where each mapped column is in the file; every problem at its path in `mapping`."""
    positions = {name: index for index, name in reversed(list(enumerate(header))) if name}
    errors: list[FieldError] = []

    def find(column: str, path: tuple[str, ...]) -> int:
        index = positions.get(column.strip())
        if index is None:
            known = ", ".join(repr(name) for name in header if name)
            message = f"No column {column!r} in the file's first line (it has {known})."
            errors.append(FieldError(ErrorCode.UNKNOWN_COLUMN, message, ("mapping", *path)))
            return -1
        return index

    for field_name, columns in (
        ("attributes", mapping.attributes),
        ("customVariables", mapping.custom_variables),
    ):
        if len(columns) > len(header):
            message = f"The file has {len(header)} columns; {len(columns)} are mapped."
            raise ServiceError.single(ErrorCode.INVALID, message, ("mapping", field_name))
    phone = find(mapping.phone, ("phone",))
    name = None if mapping.name is None else find(mapping.name, ("name",))
    attributes = tuple(
        (column.strip(), find(column, ("attributes", str(i))))
        for i, column in enumerate(mapping.attributes)
    )
    custom = tuple(
        (column.strip(), find(column, ("customVariables", str(i))))
        for i, column in enumerate(mapping.custom_variables)
    )
    _check_variables(mapping, with_campaign, errors)
    _check_tags(mapping.tags, errors)
    if errors:
        raise ServiceError(errors)
    return Plan(len(header), phone, name, attributes, custom, max_cell)


def _check_variables(mapping: ImportMapping, with_campaign: bool, errors: list[FieldError]) -> None:
    if mapping.custom_variables and not with_campaign:
        errors.append(
            FieldError(
                ErrorCode.INVALID,
                "Custom variables belong to a campaign's leads: give campaignId too.",
                ("mapping", "customVariables"),
            )
        )
    for index, column in enumerate(mapping.custom_variables):
        if column.strip() not in VARIABLE_TYPES:
            errors.append(
                FieldError(
                    ErrorCode.UNKNOWN_VARIABLE,
                    f"{column!r} is not a template variable name "
                    f"(e.g. {', '.join(sorted(VARIABLE_TYPES)[:3])}).",
                    ("mapping", "customVariables", str(index)),
                )
            )


def _check_tags(tags: list[str], errors: list[FieldError]) -> None:
    if len(tags) > MAX_TAGS:
        message = f"At most {MAX_TAGS} tags per import."
        errors.append(FieldError(ErrorCode.INVALID, message, ("mapping", "tags")))
        return
    for index, tag in enumerate(tags):
        if not tag.strip() or len(tag.strip()) > MAX_TAG_LENGTH:
            errors.append(
                FieldError(
                    ErrorCode.INVALID,
                    f"A tag has 1 to {MAX_TAG_LENGTH} characters.",
                    ("mapping", "tags", str(index)),
                )
            )
