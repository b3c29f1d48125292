"""Every template body README.md shows a merchant passes WhatsApp's rules, and its GraphQL
examples are valid against the schema, so the README cannot drift from what we accept."""

import json
import re
from pathlib import Path

from graphql import build_schema, parse, print_ast, validate
from graphql.language import DocumentNode

from services.campaigns.placeholders import PLACEHOLDER, substitute, to_positional
from services.campaigns.rendering import SAMPLES
from services.campaigns.whatsapp_rules import check_template

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
GRAPHQL_BLOCKS = re.findall(r"```graphql\n(.*?)```", README, re.DOTALL)
# `body: "…"` in a GraphQL example, or `"body": "…"` in JSON variables.
BODY_ARGUMENT = re.compile(r'\bbody"?\s*:\s*"((?:[^"\\]|\\.)*)"')
# Inline code in the prose, which may wrap onto the next line.
INLINE_CODE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
POSITIONS = re.compile(r"(\d+) → ([A-Z_]+)")


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text)


def _prose() -> str:
    return re.sub(r"```.*?```", "", README, flags=re.DOTALL)


def named_bodies() -> list[str]:
    """Bodies in the GraphQL examples, and any inline body with named placeholders."""
    found = [json.loads(f'"{b}"') for block in GRAPHQL_BLOCKS for b in BODY_ARGUMENT.findall(block)]
    for code in INLINE_CODE.findall(_prose()):
        text = _one_line(code)
        names = [m.group(1) for m in PLACEHOLDER.finditer(text)]
        # A body is text around its placeholders; a lone `{{lead_name}}` is a name.
        if names and not names[0].isdigit() and " " in text:
            found.append(text)
    return found


def positional_bodies() -> list[tuple[str, dict[str, str]]]:
    """Bodies shown in Twilio's positional form, each with the `variables` shown after it."""
    codes = [_one_line(code) for code in INLINE_CODE.findall(_prose())]
    found = []
    for index, text in enumerate(codes):
        keys = [m.group(1) for m in PLACEHOLDER.finditer(text)]
        if keys and keys[0].isdigit() and " " in text:
            shown = POSITIONS.findall(codes[index + 1]) if index + 1 < len(codes) else []
            assert shown, f"README shows {text!r} without its variables after it"
            found.append((text, {key: name.lower() for key, name in shown}))
    return found


def test_the_readme_shows_bodies() -> None:
    assert named_bodies(), "no body found in README.md: has its format changed?"
    assert positional_bodies()


def test_every_named_body_in_the_readme_submits_cleanly() -> None:
    for body in named_bodies():
        positional = to_positional(body)
        assert positional.unknown == [], body
        assert check_template(positional.text, positional.variables, SAMPLES, prefix=()) == [], body


def test_every_positional_body_in_the_readme_submits_cleanly_and_matches_its_example() -> None:
    examples = {to_positional(body).text: to_positional(body).variables for body in named_bodies()}
    for body, variables in positional_bodies():
        assert check_template(body, variables, SAMPLES, prefix=()) == [], body
        assert examples.get(body) == variables, f"{body!r} is not the stored form of an example"


def test_the_readme_preview_is_what_its_example_renders() -> None:
    rendered = re.findall(r'renderedBody\s*# "(.*)"', README)
    content_variables = re.findall(r"contentVariables\s*# (\{.*\})", README)
    assert len(rendered) == len(content_variables) == 1
    (body, _), *_ = positional_bodies()
    assert substitute(body, json.loads(content_variables[0])) == rendered[0]


def test_the_readme_graphql_examples_are_valid() -> None:
    served = build_schema((ROOT / "schema.graphql").read_text())
    operations = [d for block in GRAPHQL_BLOCKS for d in parse(block).definitions]
    assert operations
    for operation in operations:
        errors = validate(served, DocumentNode(definitions=(operation,)))
        assert not errors, (print_ast(operation), errors[0].message)
