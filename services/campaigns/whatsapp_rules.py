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
    if not body.strip():
        return [FieldError(ErrorCode.REQUIRED, "The body cannot be empty.", body_path)]

    placeholders = list(PLACEHOLDER.finditer(body))
    keys = list(dict.fromkeys(match.group(1) for match in placeholders))
    positions = [key for key in keys if _POSITION.fullmatch(key)]
    problems = [
        *_unknown_keys(keys, positions, variables),
        *_numbering_problems(positions),
        *_length_problems(body, variables, samples),
    ]
    errors = [FieldError(code, message, body_path) for code, message in problems]
    errors += _missing_samples(positions, variables, samples, prefix)
    if placeholders:
        problems = [
            *_placement_problems(body, placeholders, variables),
            *_word_count_problems(body, len(placeholders)),
        ]
        errors += [FieldError(code, message, body_path) for code, message in problems]
    return errors


# A problem with the body itself; check_template attaches the body's field path.
_Problem = tuple[ErrorCode, str]


def _unknown_keys(
    keys: list[str], positions: list[str], variables: Mapping[str, str]
) -> list[_Problem]:
    problems: list[_Problem] = []
    for key in keys:
        if key not in positions:
            problems.append((ErrorCode.UNKNOWN_VARIABLE, f"{{{{{key}}}}} is not a known variable."))
        elif key not in variables:
            problems.append(
                (ErrorCode.UNKNOWN_VARIABLE, f"{{{{{key}}}}} does not stand for any variable.")
            )
    return problems


def _numbering_problems(positions: list[str]) -> list[_Problem]:
    problems: list[_Problem] = []
    numbers = {int(key) for key in positions}
    missing = sorted(set(range(1, max(numbers, default=0) + 1)) - numbers)
    if missing:
        listed = ", ".join("{{" + str(number) + "}}" for number in missing)
        problems.append(
            (
                ErrorCode.PLACEHOLDER_GAP,
                f"Placeholders must be numbered from {{{{1}}}} without gaps; missing: {listed}.",
            )
        )
    if len(numbers) > MAX_PLACEHOLDERS:
        problems.append(
            (
                ErrorCode.TOO_MANY_VARIABLES,
                f"The body has {len(numbers)} placeholders; WhatsApp allows at most "
                f"{MAX_PLACEHOLDERS}.",
            )
        )
    return problems


def _length_problems(
    body: str, variables: Mapping[str, str], samples: Mapping[str, str]
) -> list[_Problem]:
    # What Meta's reviewers see is the body with the samples filled in.
    filled = substitute(
        body, {key: samples[name] for key, name in variables.items() if name in samples}
    )
    length = max(len(body), len(filled))
    if length <= MAX_RENDERED_BODY:
        return []
    return [
        (
            ErrorCode.BODY_TOO_LONG,
            f"With sample values the body has {length} characters; WhatsApp allows "
            f"{MAX_RENDERED_BODY}.",
        )
    ]


def _missing_samples(
    positions: list[str],
    variables: Mapping[str, str],
    samples: Mapping[str, str],
    prefix: tuple[str, ...],
) -> list[FieldError]:
    errors: list[FieldError] = []
    for name in dict.fromkeys(variables[key] for key in positions if key in variables):
        sample = samples.get(name)
        if sample is None or not sample.strip():
            errors.append(
                FieldError(
                    ErrorCode.MISSING_SAMPLE,
                    f"{{{{{name}}}}} needs a sample value for WhatsApp's review.",
                    (*prefix, "samples", name),
                )
            )
    return errors


def _placement_problems(
    body: str, placeholders: list[re.Match[str]], variables: Mapping[str, str]
) -> list[_Problem]:
    def shown(key: str) -> str:
        return "{{" + variables.get(key, key) + "}}"

    problems: list[_Problem] = []
    first, last = placeholders[0], placeholders[-1]
    if not _has_word(body[: first.start()]):
        problems.append(
            (
                ErrorCode.PLACEHOLDER_AT_EDGE,
                f"The body cannot start with {shown(first.group(1))}; put some words before it.",
            )
        )
    if not _has_word(body[last.end() :]):
        problems.append(
            (
                ErrorCode.PLACEHOLDER_AT_EDGE,
                f"The body cannot end with {shown(last.group(1))}; put some words after it.",
            )
        )
    for before, after in pairwise(placeholders):
        if not _has_word(body[before.end() : after.start()]):
            problems.append(
                (
                    ErrorCode.ADJACENT_PLACEHOLDERS,
                    f"{shown(before.group(1))} and {shown(after.group(1))} are side by side; "
                    "put some words between them.",
                )
            )
    return problems


def _word_count_problems(body: str, count: int) -> list[_Problem]:
    # Each occurrence counts: Meta weighs how much of the text is variable.
    words = sum(1 for token in PLACEHOLDER.sub(" ", body).split() if _has_word(token))
    needed = 2 * count + 1
    if words >= needed:
        return []
    return [
        (
            ErrorCode.TOO_FEW_WORDS,
            f"With {count} placeholder{'s' if count > 1 else ''} WhatsApp wants at least "
            f"{needed} other words; the body has {words}.",
        )
    ]
