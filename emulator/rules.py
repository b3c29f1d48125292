"""The WhatsApp template rules of the facts sheet: what Meta rejects at review, and what
Twilio refuses at send time (ContentVariables, body length after substitution)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
WHATSAPP_MAX_BODY = 1024
MAX_PLACEHOLDERS = 100
NAME_BLOCKED_FOR = timedelta(days=30)
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")


def placeholders(body: str) -> list[str]:
    return PLACEHOLDER_RE.findall(body)


def rejection_reason(
    name: str,
    body: str | None,
    samples: Mapping[str, str],
    names_in_use: Iterable[str],
    deleted_names: Mapping[str, datetime],
    moment: datetime,
) -> str:
    """Why Meta would reject this template, or "" when it would approve it."""
    if not NAME_RE.match(name):
        return "INVALID_FORMAT: the name may only hold lower-case letters, digits and underscores"
    if name in names_in_use:
        return f"DUPLICATE_NAME: a template named {name} already exists"
    deleted_at = deleted_names.get(name)
    if deleted_at is not None and moment - deleted_at < NAME_BLOCKED_FOR:
        return f"DUPLICATE_NAME: {name} was deleted less than 30 days ago"
    return "" if body is None else _body_reason(body, samples)


def _body_reason(body: str, samples: Mapping[str, str]) -> str:
    if len(body) > WHATSAPP_MAX_BODY:
        return f"INVALID_FORMAT: the body is over {WHATSAPP_MAX_BODY} characters"
    found = placeholders(body)
    if not found:
        return ""
    if len(found) > MAX_PLACEHOLDERS:
        return f"INVALID_FORMAT: more than {MAX_PLACEHOLDERS} placeholders"
    if not all(p.isdigit() for p in found):
        return "INVALID_FORMAT: placeholders must be numbered, as {{1}}, {{2}}, ..."
    numbers = sorted({int(p) for p in found})
    if numbers != list(range(1, len(numbers) + 1)):
        return "INVALID_FORMAT: placeholders must be numbered from {{1}} without gaps"
    missing = [str(n) for n in numbers if not samples.get(str(n), "").strip()]
    if missing:
        return f"INVALID_FORMAT: no sample value for placeholder {{{{{missing[0]}}}}}"
    stripped = body.strip()
    if PLACEHOLDER_RE.match(stripped) or re.search(r"\{\{[^{}]*\}\}$", stripped):
        return "INVALID_FORMAT: the body may not start or end with a placeholder"
    if re.search(r"\}\}\s*\{\{", body):
        return "INVALID_FORMAT: two placeholders may not stand side by side"
    words = [w for w in PLACEHOLDER_RE.sub(" ", body).split() if any(c.isalnum() for c in w)]
    needed = 2 * len(found) + 1
    if len(words) < needed:
        return (
            f"INVALID_FORMAT: too many placeholders for the length: {len(found)} placeholders "
            f"need at least {needed} words, the body has {len(words)}"
        )
    return ""


class VariablesError(ValueError):
    """ContentVariables Twilio refuses with 21656."""


def parse_variables(raw: str | None) -> dict[str, str]:
    """ContentVariables: a JSON object of non-empty strings, no newline or tab, at most
    four spaces in a row (Meta's 132000 otherwise, which Twilio reports as 21656)."""
    if raw is None or raw == "":
        return {}
    try:
        values = json.loads(raw)
    except ValueError as error:
        raise VariablesError(f"ContentVariables is not valid JSON: {error}") from None
    if not isinstance(values, dict):
        raise VariablesError("ContentVariables must be a JSON object")
    for key, value in values.items():
        if not isinstance(value, str):
            raise VariablesError(f"ContentVariables value for {key} must be a string")
        if not value.strip():
            raise VariablesError(f"ContentVariables value for {key} is empty")
        if "\n" in value or "\t" in value or "     " in value:
            raise VariablesError(
                f"ContentVariables value for {key} has a newline, a tab or over 4 spaces in a row"
            )
    return values


def render(body: str, values: Mapping[str, str], samples: Mapping[str, str]) -> str:
    """The body as sent: given values first, the content's defaults for the rest."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in values:
            return values[key]
        if key in samples:
            return samples[key]
        raise VariablesError(f"no value for placeholder {{{{{key}}}}}")

    return PLACEHOLDER_RE.sub(value, body)
