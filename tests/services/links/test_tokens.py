"""Link tokens: short, URL-safe, and nothing but what we signed is accepted."""

import re
import secrets

import pytest

from services.links.tokens import LinkRef, make_token, read_token

KEY = b"k" * 43
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


@pytest.mark.parametrize("ledger_id", [0, 1, 127, 128, 1_000_000, 2**40, 2**63 - 1])
@pytest.mark.parametrize("link_key", [1, 3, 127, 128, 200])
def test_tokens_round_trip_and_stay_short(ledger_id: int, link_key: int) -> None:
    token = make_token(KEY, ledger_id, link_key)
    assert URL_SAFE.fullmatch(token)
    assert len(token) <= 32, "the largest BIGINT id still fits"
    assert read_token(KEY, token) == LinkRef(ledger_id, link_key)


def test_typical_tokens_are_22_characters() -> None:
    assert len(make_token(KEY, 1_234_567, 3)) == 22


def test_every_single_character_change_is_refused() -> None:
    token = make_token(KEY, 1042, 3)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position, char in enumerate(token):
        for other in alphabet:
            if other != char:
                forged = token[:position] + other + token[position + 1 :]
                assert read_token(KEY, forged) is None, (position, other)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "not a token at all",
        "A" * 22,
        "A" * 200,
        "../../etc/passwd",
        "https://evil.example",
        "AAAAAAAAAAAAAAAAAAAAAA==",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    assert read_token(KEY, token) is None


def test_truncated_extended_and_foreign_tokens_are_refused() -> None:
    token = make_token(KEY, 1042, 3)
    assert read_token(KEY, token[:-1]) is None
    assert read_token(KEY, token + "A") is None
    assert read_token(KEY, token + "=") is None
    assert read_token(b"another key", token) is None


def test_random_strings_are_refused() -> None:
    for _ in range(2000):
        assert read_token(KEY, secrets.token_urlsafe(16)) is None


def test_tokens_differ_by_row_and_link() -> None:
    tokens = {make_token(KEY, ledger, link) for ledger in (1, 2, 3) for link in (1, 2, 3)}
    assert len(tokens) == 9


def test_negative_numbers_cannot_be_encoded() -> None:
    with pytest.raises(ValueError):
        make_token(KEY, -1, 3)
