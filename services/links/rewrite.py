"""The Content API `types` of a template with its links sent through our redirect.

WhatsApp URL buttons take one variable, at the end of the URL, so a tracked link becomes
`<PUBLIC_URL>/r/{{k}}` whose value k is the token of one ledger row. k is a positional key
after the template's own variables: body links get the first ones, then buttons, so
that the body's placeholders stay numbered without gaps whenever possible.

A body link is left as written when its rewrite would break one of WhatsApp's rules
(services/campaigns/whatsapp_rules.py), checked with the rewrite in place: typically a
link at the very end of the body (a placeholder at the edge), a body so short that one
more placeholder wants more words, a link whose own placeholders would then be missing
from the body (a gap), or a body whose other placeholders already leave a gap before k
(a variable used only in a button URL). Links whose host holds a placeholder are never
tracked: the redirect only goes to the host the template names.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from services.campaigns.content import CALL_TO_ACTION
from services.campaigns.whatsapp_rules import check_template

LinkKind = Literal["body", "button"]

# WhatsApp makes https links in a message clickable; http ones are left alone.
_BODY_LINK = re.compile(r"https://[^\s<>\"]+", re.IGNORECASE)
# Punctuation ending a sentence or WhatsApp formatting, not the link.
_TRAILING = ".,;:!?'\"]>*_~"


@dataclass(frozen=True)
class TrackedLink:
    kind: LinkKind
    index: int  # body: n-th https link of the body; button: index in `actions`
    url: str  # the target as the template writes it, with positional placeholders

    def stored(self) -> dict[str, Any]:
        return {"kind": self.kind, "index": self.index, "url": self.url}


@dataclass
class TrackedTypes:
    types: dict[str, Any]
    # Link key -> sample token, to add to the samples sent with the template.
    samples: dict[str, str] = field(default_factory=dict)
    links: dict[str, TrackedLink] = field(default_factory=dict)


def track_links(
    content_type: str,
    content_context: Mapping[str, Any],
    body: str,
    variables: Mapping[str, str],
    samples: Mapping[str, str],
    redirect_prefix: str,
    sample_token: Callable[[int], str],
) -> TrackedTypes:
    """`variables` maps positions to variable types, `samples` variable types to samples
    (as check_template takes them); `redirect_prefix` is `<PUBLIC_URL>/r/`."""
    types = {name: dict(spec) for name, spec in content_context.items()}
    spec = types.get(content_type)
    if spec is None:
        return TrackedTypes(types)
    result = TrackedTypes(types)
    next_key = max((int(key) for key in variables), default=0) + 1
    if isinstance(spec.get("body"), str):
        spec["body"], next_key = _track_body(
            body, variables, samples, redirect_prefix, sample_token, next_key, result
        )
    actions = spec.get("actions")
    if content_type == CALL_TO_ACTION and isinstance(actions, list):
        spec["actions"] = [dict(action) for action in actions]
        for index, action in enumerate(spec["actions"]):
            url = action.get("url")
            if action.get("type", "URL") != "URL" or not isinstance(url, str):
                continue
            if not has_literal_origin(url):
                continue
            key = str(next_key)
            next_key += 1
            action["url"] = redirect_prefix + "{{" + key + "}}"
            result.samples[key] = sample_token(int(key))
            result.links[key] = TrackedLink("button", index, url)
    return result


def _track_body(
    body: str,
    variables: Mapping[str, str],
    samples: Mapping[str, str],
    redirect_prefix: str,
    sample_token: Callable[[int], str],
    next_key: int,
    result: TrackedTypes,
) -> tuple[str, int]:
    """The body with each trackable link rewritten, links tried left to right; returns it
    and the next free key."""
    kept_variables, kept_samples = dict(variables), dict(samples)
    done, cursor = "", 0  # `done` is the rewritten body up to body[cursor:]
    for index, (start, end) in enumerate(body_links(body)):
        url = body[start:end]
        if not has_literal_origin(url):
            continue
        key = str(next_key)
        # check_template names variables by type: a link gets a type of its own.
        name, sample = f"tracked_link_{key}", sample_token(next_key)
        rewritten = done + body[cursor:start] + redirect_prefix + "{{" + key + "}}"
        trial_variables = {**kept_variables, key: name}
        trial_samples = {**kept_samples, name: sample}
        if check_template(rewritten + body[end:], trial_variables, trial_samples, prefix=()):
            continue
        done, cursor = rewritten, end
        kept_variables, kept_samples = trial_variables, trial_samples
        result.samples[key] = sample
        result.links[key] = TrackedLink("body", index, url)
        next_key += 1
    return done + body[cursor:], next_key


def body_links(body: str) -> list[tuple[int, int]]:
    """(start, end) of each https link in a body, without trailing punctuation."""
    spans: list[tuple[int, int]] = []
    for match in _BODY_LINK.finditer(body):
        url = match.group(0)
        while url and url[-1] in _TRAILING + ")":
            # A closing parenthesis belongs to the link when it closes one of the link's.
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if len(url) > len("https://"):
            spans.append((match.start(), match.start() + len(url)))
    return spans


def has_literal_origin(url: str) -> bool:
    """Whether scheme and host are written out, with placeholders only after them."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.netloc)
        and "{" not in parts.netloc
        and "}" not in parts.netloc
    )
