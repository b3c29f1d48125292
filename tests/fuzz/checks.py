"""What every response to a fuzzed request must be, whatever the request was."""

import json
from typing import Any

import httpx

# What a database error, an ORM error or a traceback would put in a body.
LEAKS = (
    "SELECT ",
    "INSERT INTO",
    "UPDATE ",
    "DELETE FROM",
    "asyncpg",
    "sqlalchemy",
    "psycopg",
    "[parameters",
    "[SQL:",
    "Traceback",
    'File "/',
)


def assert_no_leak(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:2000])
    for leak in LEAKS:
        assert leak not in response.text, (leak, response.text[:2000])


def assert_sound_graphql(response: httpx.Response) -> dict[str, Any]:
    """Below 500, JSON, no leak, and every GraphQL error coded and expected."""
    assert_no_leak(response)
    try:
        body = response.json()
    except json.JSONDecodeError as unreadable:
        text = response.text[:500]
        raise AssertionError(f"not JSON: {response.status_code} {text}") from unreadable
    assert isinstance(body, dict), body
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert isinstance(code, str) and code, error
        # Masked, so not a leak; but an unexpected exception is a hole all the same.
        assert code != "INTERNAL_SERVER_ERROR", error
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    """GraphQL errors' codes and the UserError codes of every mutation payload."""
    codes = [e["extensions"]["code"] for e in body.get("errors") or []]
    for payload in (body.get("data") or {}).values():
        if isinstance(payload, dict):
            codes.extend(e["code"] for e in payload.get("errors") or [] if "code" in e)
    return codes
