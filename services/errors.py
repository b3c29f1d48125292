"""Errors services report to their callers, with a machine-readable code and a field path."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    BAD_USER_INPUT = "bad_user_input"  # text that cannot be stored, or over its maximum
    REQUIRED = "required"
    INVALID_NAME = "invalid_name"
    DUPLICATE_NAME = "duplicate_name"
    NAME_IMMUTABLE = "name_immutable"
    BODY_TOO_LONG = "body_too_long"
    UNKNOWN_VARIABLE = "unknown_variable"
    TOO_MANY_VARIABLES = "too_many_variables"
    UNSUPPORTED_CONTENT_TYPE = "unsupported_content_type"
    INVALID_CONTENT_CONTEXT = "invalid_content_context"
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    NOT_HEAD_VERSION = "not_head_version"
    ARCHIVED = "archived"
    SYSTEM_TEMPLATE = "system_template"
    INVALID_PHONE = "invalid_phone"
    DUPLICATE_LEAD = "duplicate_lead"
    TOO_MANY_LEADS = "too_many_leads"
    UNKNOWN_COLUMN = "unknown_column"  # an import's mapping names a column the file lacks
    MISSING_VARIABLE = "missing_variable"
    EMPTY_VARIABLE = "empty_variable"
    INVALID_VARIABLE_VALUE = "invalid_variable_value"
    PLACEHOLDER_GAP = "placeholder_gap"
    PLACEHOLDER_AT_EDGE = "placeholder_at_edge"
    ADJACENT_PLACEHOLDERS = "adjacent_placeholders"
    TOO_FEW_WORDS = "too_few_words"
    MISSING_SAMPLE = "missing_sample"

    NOT_SUBMITTED = "not_submitted"
    TWILIO_ERROR = "twilio_error"
    TWILIO_UNAVAILABLE = "twilio_unavailable"

    NOT_APPROVED = "not_approved"
    SEND_IN_PROGRESS = "send_in_progress"
    INVALID_TRANSITION = "invalid_transition"
    NO_ACTIVE_LEADS = "no_active_leads"
    OPTED_OUT = "opted_out"
    ALREADY_RECEIVED = "already_received"
    IN_THE_PAST = "in_the_past"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"  # the same key with other input

    INVALID_SENDER = "invalid_sender"
    INVALID_RATE_LIMIT = "invalid_rate_limit"
    DUPLICATE_SENDER = "duplicate_sender"
    INVALID_ACCOUNT_SID = "invalid_account_sid"
    INVALID_CREDENTIALS = "invalid_credentials"
    ACCOUNT_IN_USE = "account_in_use"
    SENDER_IN_USE = "sender_in_use"
    NO_SENDER = "no_sender"
    CREDENTIALS_UNAVAILABLE = "credentials_unavailable"

    # Contacts (createContacts, updateContacts, tagContacts, untagContacts).
    DUPLICATE_CONTACT = "duplicate_contact"
    TOO_MANY_CONTACTS = "too_many_contacts"
    INVALID_TAG = "invalid_tag"
    TOO_MANY_TAGS = "too_many_tags"
    INVALID_ATTRIBUTE = "invalid_attribute"
    TOO_MANY_ATTRIBUTES = "too_many_attributes"
    UNKNOWN_TIME_ZONE = "unknown_time_zone"  # a contact's timeZone is no IANA zone we know

    # The sending policy (updateSendingPolicy).
    INVALID_TIME = "invalid_time"  # not a time of day as HH:MM, 00:00 to 23:59
    EMPTY_QUIET_HOURS = "empty_quiet_hours"  # quiet hours that start when they end
    OUT_OF_RANGE = "out_of_range"  # a number outside the limits its field allows


@dataclass(frozen=True)
class FieldError:
    code: ErrorCode
    message: str
    field: tuple[str, ...] = ()


@dataclass
class ServiceError(Exception):
    """One or more problems that made a service refuse the whole operation."""

    errors: list[FieldError] = field(default_factory=list)

    @classmethod
    def single(cls, code: ErrorCode, message: str, path: Sequence[str] = ()) -> "ServiceError":
        return cls([FieldError(code, message, tuple(path))])

    def __str__(self) -> str:
        return "; ".join(f"{e.code}: {e.message}" for e in self.errors)


def not_found(what: str, path: Sequence[str] = ("id",)) -> ServiceError:
    return ServiceError.single(ErrorCode.NOT_FOUND, f"{what} not found.", path)
