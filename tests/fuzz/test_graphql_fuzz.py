"""Schema-aware fuzzing: hypothesis-graphql writes queries and mutations from the schema,
with hostile scalars (tests/fuzz/scalars.py), and the real server on the real database
must answer every one of them cleanly: below 500, in JSON, with no SQL or traceback in
the body, every GraphQL error carrying `extensions.code`, nothing masked as an internal
error, and the server still healthy afterwards."""

import functools
import json
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode

from tests.fuzz.checks import assert_sound_graphql, error_codes
from tests.fuzz.conftest import Tally, World, cases
from tests.fuzz.operations import Operation, operations

# The merchant's token most of the time; otherwise none, or one that is not a token.
TOKENS = st.sampled_from(["merchant"] * 10 + ["none", "cmp_forged", "garbage"])


@functools.cache
def _operations(ids: tuple[str, ...], names: tuple[str, ...], mode: Mode) -> Any:
    return operations(list(ids), list(names), mode)


def draw_operation(data: st.DataObject, world: World, mode: Mode) -> Operation:
    # The strategy needs the world's ids, which exist only once fixtures ran.
    op: Operation = data.draw(_operations(tuple(world.ids), tuple(world.names), mode))
    return op


async def run(http: httpx.AsyncClient, world: World, tally: Tally, op: Operation, who: str) -> None:
    headers = {"Content-Type": "application/json"}
    if who == "merchant":
        headers["Authorization"] = f"Bearer {world.merchant.token}"
    elif who != "none":
        headers["Authorization"] = f"Bearer {who}"
    # json.dumps escapes what is not ASCII, so unpaired surrogates travel as "\ud800".
    response = await http.post("/graphql", content=json.dumps(op.payload()), headers=headers)
    body = assert_sound_graphql(response)
    if who != "merchant":
        assert body.get("data") is None or all(v is None for v in body["data"].values()), body
    form = "variables" if op.variables else "literals"
    tally.requests[f"{op.kind} ({form}, {'merchant' if who == 'merchant' else 'no token'})"] += 1
    tally.statuses[response.status_code] += 1
    tally.with_data += any(v is not None for v in (body.get("data") or {}).values())
    tally.codes.update(error_codes(body))


@settings(max_examples=cases(800))
@given(data=st.data(), who=TOKENS)
async def test_valid_operations_are_answered_cleanly(
    http: httpx.AsyncClient, world: World, tally: Tally, healthy_after: None, data: Any, who: str
) -> None:
    await run(http, world, tally, draw_operation(data, world, Mode.POSITIVE), who)


@settings(max_examples=cases(200))
@given(data=st.data(), who=TOKENS)
async def test_invalid_operations_are_refused_cleanly(
    http: httpx.AsyncClient, world: World, tally: Tally, healthy_after: None, data: Any, who: str
) -> None:
    await run(http, world, tally, draw_operation(data, world, Mode.NEGATIVE), who)
