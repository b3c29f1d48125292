"""Why a row of an imported file was not imported."""

from enum import StrEnum


class RowCode(StrEnum):
    MISSING_PHONE = "missing_phone"
    INVALID_PHONE = "invalid_phone"
    DUPLICATE_PHONE = "duplicate_phone"  # the phone is on an earlier line of the file
    VALUE_TOO_LONG = "value_too_long"
    INVALID_VALUE = "invalid_value"  # a NUL character, which PostgreSQL cannot store
    WRONG_COLUMN_COUNT = "wrong_column_count"
    # A known contact would pass a contact's maximum (services/contacts/rules.py): the
    # row is not applied, the contact stays as it was.
    TOO_MANY_TAGS = "too_many_tags"
    TOO_MANY_ATTRIBUTES = "too_many_attributes"
