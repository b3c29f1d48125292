"""WhatsApp's template rules, checked on the positional body we send to Twilio."""

import pytest

from services.campaigns.rendering import SAMPLES
from services.campaigns.whatsapp_rules import check_template
from services.errors import ErrorCode, FieldError

BODY = ("input", "body")


def codes(errors: list[FieldError]) -> list[tuple[ErrorCode, tuple[str, ...]]]:
    return [(error.code, error.field) for error in errors]


def test_a_good_body_passes() -> None:
    body = "Hi {{1}}, your order #{{2}} from {{3}} has shipped. Reply here with any questions."
    variables = {"1": "lead_name", "2": "order_id", "3": "merchant_name"}
    assert check_template(body, variables, SAMPLES) == []


def test_a_body_without_placeholders_passes() -> None:
    assert check_template("Thanks for shopping with us!", {}, SAMPLES) == []


def test_a_repeated_placeholder_is_one_variable() -> None:
    body = "Hi {{1}}, your order is ready. See you soon, {{1}}, and thanks for waiting today."
    assert check_template(body, {"1": "lead_name"}, SAMPLES) == []


@pytest.mark.parametrize(
    ("body", "variables", "expected"),
    [
        pytest.param(
            "{{1}}, your order has shipped and is on its way to you now.",
            {"1": "lead_name"},
            ErrorCode.PLACEHOLDER_AT_EDGE,
            id="starts-with-placeholder",
        ),
        pytest.param(
            "  {{1}}, your order has shipped and is on its way to you now.",
            {"1": "lead_name"},
            ErrorCode.PLACEHOLDER_AT_EDGE,
            id="starts-after-whitespace",
        ),
        pytest.param(
            "Thanks for your order, it has shipped and will arrive soon, {{1}}",
            {"1": "lead_name"},
            ErrorCode.PLACEHOLDER_AT_EDGE,
            id="ends-with-placeholder",
        ),
        pytest.param(
            "Thanks for your order, it has shipped and will arrive soon, {{1}}!",
            {"1": "lead_name"},
            ErrorCode.PLACEHOLDER_AT_EDGE,
            id="ends-with-placeholder-and-punctuation",
        ),
        pytest.param(
            "Hi {{1}} {{2}}, your order has shipped and is on its way to you now.",
            {"1": "lead_name", "2": "merchant_name"},
            ErrorCode.ADJACENT_PLACEHOLDERS,
            id="side-by-side",
        ),
        pytest.param(
            "Hi {{1}}, {{2}} here: your order has shipped and is on its way to you now.",
            {"1": "lead_name", "2": "merchant_name"},
            ErrorCode.ADJACENT_PLACEHOLDERS,
            id="only-punctuation-between",
        ),
        pytest.param(
            "Hi {{1}}, order {{2}} shipped.",
            {"1": "lead_name", "2": "order_id"},
            ErrorCode.TOO_FEW_WORDS,
            id="too-few-words",
        ),
        pytest.param(
            "Hi {{1}}, your order {{3}} has shipped and is on its way to you now.",
            {"1": "lead_name", "3": "order_id"},
            ErrorCode.PLACEHOLDER_GAP,
            id="gap",
        ),
        pytest.param(
            "Hi {{2}}, your order has shipped and is on its way to you now.",
            {"2": "lead_name"},
            ErrorCode.PLACEHOLDER_GAP,
            id="not-from-one",
        ),
        pytest.param(
            "Hi {{1}}, your order has shipped and is on its way to you now, thanks.",
            {},
            ErrorCode.UNKNOWN_VARIABLE,
            id="unmapped-position",
        ),
        pytest.param(
            "Hi {{nickname}}, your order has shipped and is on its way to you now.",
            {},
            ErrorCode.UNKNOWN_VARIABLE,
            id="named-placeholder",
        ),
        pytest.param(
            "Your order has shipped. " + "x" * 1024,
            {},
            ErrorCode.BODY_TOO_LONG,
            id="too-long",
        ),
        pytest.param(" \n ", {}, ErrorCode.REQUIRED, id="empty"),
    ],
)
def test_each_problem_has_its_own_code(
    body: str, variables: dict[str, str], expected: ErrorCode
) -> None:
    errors = check_template(body, variables, SAMPLES)
    assert {error.code for error in errors} == {expected}
    assert all(error.field == BODY and error.message for error in errors)


def test_both_edges_are_reported() -> None:
    errors = check_template("{{1}}", {"1": "lead_name"}, SAMPLES)
    assert {error.code for error in errors} == {
        ErrorCode.PLACEHOLDER_AT_EDGE,
        ErrorCode.TOO_FEW_WORDS,
    }
    edges = [e.message for e in errors if e.code == ErrorCode.PLACEHOLDER_AT_EDGE]
    assert len(edges) == 2
    assert all("{{lead_name}}" in message for message in edges), "merchants see names"


def test_two_placeholders_need_five_words() -> None:
    variables = {"1": "lead_name", "2": "order_id"}
    assert check_template("Hi {{1}}, your order {{2}} is ready.", variables, SAMPLES) == []
    shorter = "Hi {{1}}, order {{2}} is ready."
    assert codes(check_template(shorter, variables, SAMPLES)) == [(ErrorCode.TOO_FEW_WORDS, BODY)]


def test_words_count_every_placeholder_occurrence() -> None:
    # One variable used twice weighs like two: 4 words are too few.
    body = "Hi {{1}}, dear {{1}}, thanks again."
    assert codes(check_template(body, {"1": "lead_name"}, SAMPLES)) == [
        (ErrorCode.TOO_FEW_WORDS, BODY)
    ]


def test_samples_count_towards_the_length() -> None:
    body = "Hi {{1}}, " + "a" * 1000 + " thanks."
    assert len(body) <= 1024
    assert check_template(body, {"1": "lead_name"}, {"lead_name": "Ana"}) == []
    long_sample = {"lead_name": "Ana " * 20}
    assert codes(check_template(body, {"1": "lead_name"}, long_sample)) == [
        (ErrorCode.BODY_TOO_LONG, BODY)
    ]


@pytest.mark.parametrize(("count", "refused"), [(100, False), (101, True)])
def test_at_most_100_placeholders(count: int, refused: bool) -> None:
    body = "Hi " + " a ".join(f"{{{{{n}}}}}" for n in range(1, count + 1)) + " end."
    variables = {str(n): "lead_name" for n in range(1, count + 1)}
    errors = check_template(body, variables, SAMPLES)
    assert (ErrorCode.TOO_MANY_VARIABLES in {error.code for error in errors}) is refused


def test_every_variable_needs_a_sample() -> None:
    body = "Hi {{1}}, your order {{2}} has shipped and is on its way to you now."
    variables = {"1": "lead_name", "2": "order_id"}
    errors = check_template(body, variables, {"lead_name": "Ana", "order_id": "  "})
    assert codes(errors) == [(ErrorCode.MISSING_SAMPLE, ("input", "samples", "order_id"))]


def test_the_field_prefix_can_be_changed() -> None:
    errors = check_template("{{1}} hi", {"1": "lead_name"}, SAMPLES, prefix=("campaign",))
    assert errors and all(error.field == ("campaign", "body") for error in errors)


def test_all_problems_are_reported_at_once() -> None:
    body = "{{1}} {{3}}"
    errors = check_template(body, {"1": "lead_name", "3": "order_id"}, SAMPLES)
    assert {error.code for error in errors} == {
        ErrorCode.PLACEHOLDER_GAP,
        ErrorCode.PLACEHOLDER_AT_EDGE,
        ErrorCode.ADJACENT_PLACEHOLDERS,
        ErrorCode.TOO_FEW_WORDS,
    }
