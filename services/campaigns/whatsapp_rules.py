"""WhatsApp's rules for a template body, checked before the template goes to Meta.

Meta says it tolerates placeholders at the edges, side by side or in a short body when
samples come with the template, but in practice it still rejects such bodies, so every
template is held to those rules even though we always send samples.
"""

import re
from collections.abc import Mapping
from itertools import pairwise

from services.campaigns.placeholders import MAX_PLACEHOLDERS, PLACEHOLDER, substitute
from services.campaigns.rendering import MAX_RENDERED_BODY
from services.errors import ErrorCode, FieldError

# Twilio keys variables by the exact string, so "01" would not be the same as "1".
_POSITION = re.compile(r"[1-9][0-9]*")


def _has_word(text: str) -> bool:
    # Meta treats a placeholder followed only by punctuation as one at the end, and two
    # separated only by spaces or punctuation as side by side: only letters/digits count.
    return any(char.isalnum() for char in text)


def check_template(
    body: str,
    variables: Mapping[str, str],
    samples: Mapping[str, str],
    *,
    prefix: tuple[str, ...] = ("input",),
) -> list[FieldError]:
    """Every problem WhatsApp would reject `body` for, all at once.

    `body` is positional ({{1}}, {{2}}, ...), `variables` maps each position to its
    variable type ({"1": "lead_name"}) and `samples` maps variable types to the sample
    values shown to Meta's reviewers. Messages name the variables, not the positions,
    because merchants write named placeholders.
    """
    body_path = (*prefix, "body")
    errors: list[FieldError] = []

    def add(code: ErrorCode, message: str, path: tuple[str, ...] = body_path) -> None:
        errors.append(FieldError(code, message, path))

    def shown(key: str) -> str:
        return "{{" + variables.get(key, key) + "}}"

    if not body.strip():
        add(ErrorCode.REQUIRED, "The body cannot be empty.")
        return errors

    placeholders = list(PLACEHOLDER.finditer(body))
    keys = list(dict.fromkeys(match.group(1) for match in placeholders))
    positions = [key for key in keys if _POSITION.fullmatch(key)]
    for key in keys:
        if key not in positions:
            add(ErrorCode.UNKNOWN_VARIABLE, f"{{{{{key}}}}} is not a known variable.")
        elif key not in variables:
            add(ErrorCode.UNKNOWN_VARIABLE, f"{{{{{key}}}}} does not stand for any variable.")

    numbers = {int(key) for key in positions}
    missing = sorted(set(range(1, max(numbers, default=0) + 1)) - numbers)
    if missing:
        listed = ", ".join("{{" + str(number) + "}}" for number in missing)
        add(
            ErrorCode.PLACEHOLDER_GAP,
            f"Placeholders must be numbered from {{{{1}}}} without gaps; missing: {listed}.",
        )
    if len(numbers) > MAX_PLACEHOLDERS:
        add(
            ErrorCode.TOO_MANY_VARIABLES,
            f"The body has {len(numbers)} placeholders; WhatsApp allows at most "
            f"{MAX_PLACEHOLDERS}.",
        )

    # What Meta's reviewers see is the body with the samples filled in.
    filled = substitute(
        body, {key: samples[name] for key, name in variables.items() if name in samples}
    )
    length = max(len(body), len(filled))
    if length > MAX_RENDERED_BODY:
        add(
            ErrorCode.BODY_TOO_LONG,
            f"With sample values the body has {length} characters; WhatsApp allows "
            f"{MAX_RENDERED_BODY}.",
        )

    for name in dict.fromkeys(variables[key] for key in positions if key in variables):
        sample = samples.get(name)
        if sample is None or not sample.strip():
            add(
                ErrorCode.MISSING_SAMPLE,
                f"{{{{{name}}}}} needs a sample value for WhatsApp's review.",
                (*prefix, "samples", name),
            )

    if not placeholders:
        return errors
    first, last = placeholders[0], placeholders[-1]
    if not _has_word(body[: first.start()]):
        add(
            ErrorCode.PLACEHOLDER_AT_EDGE,
            f"The body cannot start with {shown(first.group(1))}; put some words before it.",
        )
    if not _has_word(body[last.end() :]):
        add(
            ErrorCode.PLACEHOLDER_AT_EDGE,
            f"The body cannot end with {shown(last.group(1))}; put some words after it.",
        )
    for before, after in pairwise(placeholders):
        if not _has_word(body[before.end() : after.start()]):
            add(
                ErrorCode.ADJACENT_PLACEHOLDERS,
                f"{shown(before.group(1))} and {shown(after.group(1))} are side by side; "
                "put some words between them.",
            )

    # Each occurrence counts: Meta weighs how much of the text is variable.
    count = len(placeholders)
    words = sum(1 for token in PLACEHOLDER.sub(" ", body).split() if _has_word(token))
    needed = 2 * count + 1
    if words < needed:
        add(
            ErrorCode.TOO_FEW_WORDS,
            f"With {count} placeholder{'s' if count > 1 else ''} WhatsApp wants at least "
            f"{needed} other words; the body has {words}.",
        )
    return errors
