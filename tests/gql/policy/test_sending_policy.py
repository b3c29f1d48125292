"""A merchant's sending policy over HTTP: read, changed group by group, refused whole."""

import asyncio
from typing import Any

import pytest

from tests.conftest import MerchantAccount
from tests.gql.helpers import codes
from tests.gql.policy.support import DEFAULTS, policy, update, updated
from tests.support import GraphQLClient

FULL: dict[str, Any] = {
    "quietHours": {"start": "21:00", "end": "08:00"},
    "marketingCap": {"messages": 2, "days": 7},
    "breaker": {"failureRate": 0.2, "optOutRate": 0.02, "limitedRate": 0.1, "window": 500},
    "validitySeconds": {"marketing": 3_600, "utility": 7_200},
}


async def test_a_new_merchant_has_the_defaults(gql: GraphQLClient) -> None:
    assert await policy(gql) == DEFAULTS


async def test_a_full_update_is_returned_and_read_back(gql: GraphQLClient) -> None:
    assert await updated(gql, FULL) == FULL
    assert await policy(gql) == FULL


async def test_a_group_left_out_keeps_its_values(gql: GraphQLClient) -> None:
    await updated(gql, FULL)
    quiet = {"start": "22:30", "end": "23:59"}
    assert await updated(gql, {"quietHours": quiet}) == {**FULL, "quietHours": quiet}
    cap = {"messages": 1, "days": 1}
    assert await updated(gql, {"marketingCap": cap}) == {
        **FULL,
        "quietHours": quiet,
        "marketingCap": cap,
    }
    assert await updated(gql, {}) == {**FULL, "quietHours": quiet, "marketingCap": cap}
    assert await policy(gql) == {**FULL, "quietHours": quiet, "marketingCap": cap}


async def test_a_value_left_out_of_breaker_or_validity_keeps_its_value(
    gql: GraphQLClient,
) -> None:
    changes = {"breaker": {"window": 50}, "validitySeconds": {"utility": 60}}
    expected = {
        **DEFAULTS,
        "breaker": {**DEFAULTS["breaker"], "window": 50},
        "validitySeconds": {"marketing": 14_400, "utility": 60},
    }
    assert await updated(gql, changes) == expected
    assert await policy(gql) == expected


async def test_null_turns_a_rule_or_a_breaker_check_off(gql: GraphQLClient) -> None:
    await updated(gql, FULL)
    off = await updated(
        gql,
        {"quietHours": None, "marketingCap": None, "breaker": {"optOutRate": None}},
    )
    expected = {
        **FULL,
        "quietHours": None,
        "marketingCap": None,
        "breaker": {**FULL["breaker"], "optOutRate": None},
    }
    assert off == expected
    assert await policy(gql) == expected
    # A rule turned off can be turned on again.
    back = await updated(gql, {"quietHours": {"start": "00:00", "end": "06:00"}})
    assert back["quietHours"] == {"start": "00:00", "end": "06:00"}


def quiet(start: str, end: str) -> dict[str, Any]:
    return {"quietHours": {"start": start, "end": end}}


def cap(messages: int, days: int) -> dict[str, Any]:
    return {"marketingCap": {"messages": messages, "days": days}}


INVALID: list[tuple[dict[str, Any], str, list[str]]] = [
    (quiet("9:00", "08:00"), "INVALID_TIME", ["quietHours", "start"]),
    (quiet("21:00", "24:00"), "INVALID_TIME", ["quietHours", "end"]),
    (quiet("21:60", "08:00"), "INVALID_TIME", ["quietHours", "start"]),
    (quiet("night", "08:00"), "INVALID_TIME", ["quietHours", "start"]),
    (quiet("21:00:00", "08:00"), "INVALID_TIME", ["quietHours", "start"]),
    (quiet("08:00", "08:00"), "EMPTY_QUIET_HOURS", ["quietHours", "end"]),
    (cap(0, 7), "OUT_OF_RANGE", ["marketingCap", "messages"]),
    (cap(101, 7), "OUT_OF_RANGE", ["marketingCap", "messages"]),
    (cap(2, 0), "OUT_OF_RANGE", ["marketingCap", "days"]),
    (cap(2, 31), "OUT_OF_RANGE", ["marketingCap", "days"]),
    ({"breaker": {"failureRate": 0}}, "OUT_OF_RANGE", ["breaker", "failureRate"]),
    ({"breaker": {"optOutRate": 1.01}}, "OUT_OF_RANGE", ["breaker", "optOutRate"]),
    ({"breaker": {"limitedRate": -0.5}}, "OUT_OF_RANGE", ["breaker", "limitedRate"]),
    ({"breaker": {"window": 9}}, "OUT_OF_RANGE", ["breaker", "window"]),
    ({"breaker": {"window": 10_001}}, "OUT_OF_RANGE", ["breaker", "window"]),
    ({"validitySeconds": {"marketing": 0}}, "OUT_OF_RANGE", ["validitySeconds", "marketing"]),
    ({"validitySeconds": {"utility": 36_001}}, "OUT_OF_RANGE", ["validitySeconds", "utility"]),
]


@pytest.mark.parametrize(("bad", "code", "path"), INVALID)
async def test_an_invalid_value_is_refused_at_its_path_and_nothing_is_stored(
    gql: GraphQLClient, bad: dict[str, Any], code: str, path: list[str]
) -> None:
    # Valid changes in the same call are not stored either.
    changes = {**FULL, **bad}
    if "breaker" in bad:
        changes["breaker"] = {**FULL["breaker"], **bad["breaker"]}
    if "validitySeconds" in bad:
        changes["validitySeconds"] = {**FULL["validitySeconds"], **bad["validitySeconds"]}
    payload = await update(gql, changes)
    assert codes(payload["errors"]) == [(code, ["input", *path])]
    assert payload["errors"][0]["message"]
    assert payload["sendingPolicy"] is None
    assert await policy(gql) == DEFAULTS


async def test_every_bad_value_of_a_call_is_reported(gql: GraphQLClient) -> None:
    await updated(gql, FULL)
    payload = await update(
        gql,
        {
            "quietHours": {"start": "25:00", "end": "7"},
            "marketingCap": {"messages": 1_000, "days": 365},
            "breaker": {"failureRate": 2, "window": 1},
            "validitySeconds": {"marketing": 99_999},
        },
    )
    assert codes(payload["errors"]) == [
        ("INVALID_TIME", ["input", "quietHours", "start"]),
        ("INVALID_TIME", ["input", "quietHours", "end"]),
        ("OUT_OF_RANGE", ["input", "marketingCap", "messages"]),
        ("OUT_OF_RANGE", ["input", "marketingCap", "days"]),
        ("OUT_OF_RANGE", ["input", "breaker", "failureRate"]),
        ("OUT_OF_RANGE", ["input", "breaker", "window"]),
        ("OUT_OF_RANGE", ["input", "validitySeconds", "marketing"]),
    ]
    assert await policy(gql) == FULL


async def test_one_merchants_policy_is_not_anothers(
    merchant: MerchantAccount, other_merchant: MerchantAccount
) -> None:
    await updated(merchant.client, FULL)
    assert await policy(other_merchant.client) == DEFAULTS
    theirs = await updated(other_merchant.client, {"marketingCap": {"messages": 5, "days": 30}})
    assert theirs == {**DEFAULTS, "marketingCap": {"messages": 5, "days": 30}}
    assert await policy(merchant.client) == FULL


async def test_changes_to_other_groups_at_once_are_both_kept(gql: GraphQLClient) -> None:
    quiet = {"quietHours": {"start": "20:00", "end": "09:00"}}
    cap = {"marketingCap": {"messages": 3, "days": 10}}
    await asyncio.gather(updated(gql, quiet), updated(gql, cap))
    assert await policy(gql) == {**DEFAULTS, **quiet, **cap}
