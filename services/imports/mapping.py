"""The column mapping of an import, checked against the file's header row."""

from dataclasses import dataclass, field
from typing import Any

from services.campaigns.placeholders import VARIABLE_TYPES
from services.contacts.rules import ATTRIBUTE_KEY, MAX_ATTRIBUTES, checked_tags, too_many_attributes
from services.errors import ErrorCode, FieldError, ServiceError
from services.imports.rows import Plan


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
        """As contacts store them: trimmed, lowercased, once each, in byte order."""
        return sorted({tag.strip().lower() for tag in self.tags})


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
    checked_tags(mapping.tags, ("mapping", "tags"), errors)
    _check_attribute_names(mapping.attributes, errors)
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


def _check_attribute_names(columns: list[str], errors: list[FieldError]) -> None:
    """Columns kept as attributes are their keys: they follow contacts' key rule."""
    if len(columns) > MAX_ATTRIBUTES:
        errors.append(too_many_attributes(len(columns), ("mapping", "attributes")))
    for index, column in enumerate(columns):
        if not ATTRIBUTE_KEY.fullmatch(column.strip()):
            errors.append(
                FieldError(
                    ErrorCode.INVALID_ATTRIBUTE,
                    f"{column!r} cannot be an attribute's key: 1 to 64 letters, digits or _ "
                    "(rename the column).",
                    ("mapping", "attributes", str(index)),
                )
            )
