"""Named placeholders ({{lead_name}}) in, Twilio's positional form ({{1}}) out."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from db.enums import CampaignVariableType

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
MAX_PLACEHOLDERS = 100  # WhatsApp's limit per template
VARIABLE_TYPES = frozenset(v.value for v in CampaignVariableType)
# WhatsApp template names.
NAME_PATTERN = re.compile(r"[a-z0-9_]{1,512}")


@dataclass
class Positional:
    """A text converted to positional placeholders, and what each position stands for."""

    text: str
    variables: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def to_positional(text: str, variables: dict[str, str] | None = None) -> Positional:
    """Replace {{name}} with {{n}}, numbering names by first appearance.

    Pass the `variables` of an earlier call to keep numbering shared across several texts
    of one template (the body and its button URLs).
    """
    variables = variables if variables is not None else {}
    index_of = {name: key for key, name in variables.items()}
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in VARIABLE_TYPES:
            if name not in unknown:
                unknown.append(name)
            return match.group(0)
        if name not in index_of:
            key = str(len(index_of) + 1)
            index_of[name] = key
            variables[key] = name
        return "{{" + index_of[name] + "}}"

    return Positional(PLACEHOLDER.sub(replace, text), variables, unknown)


def to_named(text: str, variables: Mapping[str, str]) -> str:
    """The inverse of to_positional, for showing and editing a stored template."""

    def replace(match: re.Match[str]) -> str:
        name = variables.get(match.group(1))
        return "{{" + name + "}}" if name else match.group(0)

    return PLACEHOLDER.sub(replace, text)


def substitute(text: str, values: Mapping[str, str]) -> str:
    """Fill positional placeholders with values (missing ones stay as they are)."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return value if value is not None else match.group(0)

    return PLACEHOLDER.sub(replace, text)
