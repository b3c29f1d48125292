"""Validating what a merchant (or the system) wants a template to be."""

from dataclasses import dataclass, field
from typing import Any

from db.enums import CampaignType
from services.campaigns.content import (
    SUPPORTED_CONTENT_TYPES,
    SUPPORTED_LANGUAGES,
    TEXT,
    ContentContextError,
    build_types,
)
from services.campaigns.placeholders import (
    MAX_PLACEHOLDERS,
    NAME_PATTERN,
    VARIABLE_TYPES,
    Positional,
    to_positional,
)
from services.campaigns.rendering import MAX_RENDERED_BODY
from services.errors import ErrorCode, FieldError, ServiceError


@dataclass(frozen=True)
class CampaignDraft:
    """A template as written: `body` uses named placeholders such as {{lead_name}}."""

    name: str
    body: str
    language: str = "en"
    campaign_type: CampaignType = CampaignType.MARKETING
    content_type: str = TEXT
    # As given by the client; compile_draft checks their shape.
    content_context: Any = None
    samples: Any = None


@dataclass
class CompiledDraft:
    """A valid draft in the form we store and send to Twilio."""

    body: str
    variables: dict[str, str]
    content_context: dict[str, Any]
    samples: dict[str, str]


@dataclass
class DraftErrors:
    prefix: tuple[str, ...]
    errors: list[FieldError] = field(default_factory=list)

    def add(self, code: ErrorCode, message: str, *path: str) -> None:
        self.errors.append(FieldError(code, message, (*self.prefix, *path)))


def compile_draft(draft: CampaignDraft, prefix: tuple[str, ...] = ("input",)) -> CompiledDraft:
    """Check every rule at once, so the merchant sees all problems in one answer: a
    ServiceError carrying each of them."""
    problems = DraftErrors(prefix)
    _check_name_body_and_language(draft, problems)
    positional = to_positional(draft.body)
    for name in positional.unknown:
        problems.add(
            ErrorCode.UNKNOWN_VARIABLE,
            f"{{{{{name}}}}} is not a known variable (e.g. {{{{lead_name}}}}).",
            "body",
        )
    content_context = _content_context(draft, positional, problems)
    if len(positional.variables) > MAX_PLACEHOLDERS:
        problems.add(
            ErrorCode.TOO_MANY_VARIABLES,
            f"WhatsApp allows at most {MAX_PLACEHOLDERS} placeholders.",
            "body",
        )
    samples = _samples(draft.samples, problems)
    if problems.errors:
        raise ServiceError(problems.errors)
    return CompiledDraft(positional.text, positional.variables, content_context, samples)


def _check_name_body_and_language(draft: CampaignDraft, problems: DraftErrors) -> None:
    if not NAME_PATTERN.fullmatch(draft.name):
        problems.add(
            ErrorCode.INVALID_NAME,
            "Use 1 to 512 lower-case letters, digits and underscores.",
            "name",
        )
    if not draft.body.strip():
        problems.add(ErrorCode.REQUIRED, "The body cannot be empty.", "body")
    if len(draft.body) > MAX_RENDERED_BODY:
        problems.add(
            ErrorCode.BODY_TOO_LONG,
            f"The body has {len(draft.body)} characters; WhatsApp allows {MAX_RENDERED_BODY}.",
            "body",
        )
    if draft.language not in SUPPORTED_LANGUAGES:
        problems.add(
            ErrorCode.UNSUPPORTED_LANGUAGE,
            f"{draft.language!r} is not a WhatsApp template language (e.g. en, en_US, pt_BR).",
            "language",
        )


def _content_context(
    draft: CampaignDraft, positional: Positional, problems: DraftErrors
) -> dict[str, Any]:
    """The Content API `types` for the draft, or {} when its content type or context is bad."""
    if draft.content_type not in SUPPORTED_CONTENT_TYPES:
        problems.add(
            ErrorCode.UNSUPPORTED_CONTENT_TYPE,
            f"Content type must be one of {', '.join(SUPPORTED_CONTENT_TYPES)}.",
            "contentType",
        )
        return {}
    if draft.content_context is not None and not isinstance(draft.content_context, dict):
        problems.add(ErrorCode.INVALID_CONTENT_CONTEXT, "Must be a JSON object.", "contentContext")
        return {}
    try:
        content_context, unknown = build_types(
            draft.content_type, positional.text, draft.content_context, positional.variables
        )
    except ContentContextError as error:
        problems.add(ErrorCode.INVALID_CONTENT_CONTEXT, str(error), "contentContext", *error.path)
        return {}
    for name in unknown:
        problems.add(
            ErrorCode.UNKNOWN_VARIABLE,
            f"{{{{{name}}}}} is not a known variable.",
            "contentContext",
        )
    return content_context


def _samples(samples: dict[str, Any] | None, problems: DraftErrors) -> dict[str, str]:
    if samples is None:
        return {}
    if not isinstance(samples, dict):
        problems.add(ErrorCode.INVALID, "Samples must be a JSON object.", "samples")
        return {}
    result: dict[str, str] = {}
    for key, value in samples.items():
        if key not in VARIABLE_TYPES:
            problems.add(
                ErrorCode.UNKNOWN_VARIABLE, f"{key!r} is not a known variable.", "samples", key
            )
        elif not isinstance(value, str) or not value.strip():
            problems.add(ErrorCode.INVALID, "A sample is a non-empty string.", "samples", key)
        else:
            result[key] = value
    return result
