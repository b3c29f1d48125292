"""A merchant's WhatsApp senders through GraphQL: the default rules, validation, and
another merchant's senders out of reach."""

import asyncio
from typing import Any

from tests.conftest import MerchantAccount
from tests.gql.accounts.operations import ADD, MAKE_DEFAULT, REMOVE, VIEWER
from tests.gql.helpers import codes
from tests.support import GraphQLClient

MG = "MG" + "0123456789abcdef" * 2


async def add(gql: GraphQLClient, address: str, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await gql.data(ADD, {"input": {"address": address, **fields}}))[
        "addSender"
    ]
    return result


async def senders(gql: GraphQLClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await gql.data(VIEWER))["viewer"]["merchant"]["senders"]
    return found


def defaults(listed: list[dict[str, Any]]) -> list[str]:
    return [s["address"] for s in listed if s["isDefault"]]


async def test_a_new_merchant_is_on_the_platform_account_and_sender(gql: GraphQLClient) -> None:
    merchant = (await gql.data(VIEWER))["viewer"]["merchant"]
    assert merchant == {"twilioAccount": None, "senders": []}


async def test_the_first_sender_is_the_default_and_make_default_moves_it(
    gql: GraphQLClient,
) -> None:
    first = await add(gql, "whatsapp:+1 (415) 523-8886")
    assert first["errors"] == []
    assert first["sender"] | {"id": None} == {
        "id": None,
        "address": "whatsapp:+14155238886",
        "rateLimit": 80,
        "isDefault": True,
    }
    second = await add(gql, "whatsapp:+447911123456", rateLimit=40)
    assert (second["sender"]["rateLimit"], second["sender"]["isDefault"]) == (40, False)
    # Twilio writes SIDs in lowercase hex; one pasted in uppercase is the same sender.
    third = await add(gql, "MG" + MG[2:].upper(), makeDefault=True)
    assert third["sender"]["isDefault"] and third["sender"]["address"] == MG
    assert defaults(third["senders"]) == [MG], "the default moved: exactly one"
    assert [s["address"] for s in await senders(gql)] == [
        "whatsapp:+14155238886",
        "whatsapp:+447911123456",
        MG,
    ]
    moved = (await gql.data(MAKE_DEFAULT, {"id": second["sender"]["id"]}))["makeDefaultSender"]
    assert moved["errors"] == [] and moved["sender"]["isDefault"]
    assert defaults(await senders(gql)) == ["whatsapp:+447911123456"]


async def test_removing_the_default_promotes_the_oldest_remaining_sender(
    gql: GraphQLClient,
) -> None:
    first = (await add(gql, "whatsapp:+14155238886"))["sender"]
    await add(gql, "whatsapp:+447911123456")
    third = (await add(gql, "whatsapp:+33612345678", makeDefault=True))["sender"]
    removed = (await gql.data(REMOVE, {"id": third["id"]}))["removeSender"]
    assert removed["errors"] == []
    assert removed["sender"]["removedAt"] is not None and not removed["sender"]["isDefault"]
    assert defaults(removed["senders"]) == ["whatsapp:+14155238886"], "the oldest, not the newest"
    await gql.data(REMOVE, {"id": first["id"]})
    assert defaults(await senders(gql)) == ["whatsapp:+447911123456"]
    again = (await gql.data(REMOVE, {"id": first["id"]}))["removeSender"]
    assert codes(again["errors"]) == [("NOT_FOUND", ["id"])]
    # A removed address may be added again, as a new sender.
    re_added = await add(gql, "whatsapp:+14155238886")
    assert re_added["errors"] == [] and re_added["sender"]["id"] != first["id"]


async def test_removing_the_last_sender_leaves_none(gql: GraphQLClient) -> None:
    only = (await add(gql, "whatsapp:+14155238886"))["sender"]
    removed = (await gql.data(REMOVE, {"id": only["id"]}))["removeSender"]
    assert removed["errors"] == [] and removed["senders"] == []
    assert await senders(gql) == []


async def test_bad_senders_are_refused_with_codes_and_nothing_is_written(
    gql: GraphQLClient,
) -> None:
    await add(gql, "whatsapp:+14155238886")
    cases = [
        ({"address": "+14155238886"}, ("INVALID_SENDER", ["input", "address"])),
        ({"address": "whatsapp:+1415"}, ("INVALID_SENDER", ["input", "address"])),
        ({"address": "MG123"}, ("INVALID_SENDER", ["input", "address"])),
        (
            {"address": "whatsapp:+447911123456", "rateLimit": 0},
            ("INVALID_RATE_LIMIT", ["input", "rateLimit"]),
        ),
        (
            {"address": "whatsapp:+447911123456", "rateLimit": 401},
            ("INVALID_RATE_LIMIT", ["input", "rateLimit"]),
        ),
        ({"address": "whatsapp:+1 415 523 8886"}, ("DUPLICATE_SENDER", ["input", "address"])),
        ({"address": "whatsapp:+" + "1" * 100}, ("BAD_USER_INPUT", ["input", "address"])),
    ]
    for given, expected in cases:
        result = (await gql.data(ADD, {"input": given}))["addSender"]
        assert codes(result["errors"]) == [expected], given
        assert result["sender"] is None and result["senders"] == []
    assert [s["address"] for s in await senders(gql)] == ["whatsapp:+14155238886"]


async def test_two_first_senders_added_at_once_make_one_default(gql: GraphQLClient) -> None:
    numbers = [f"whatsapp:+4479111234{n:02d}" for n in range(6)]
    results = await asyncio.gather(*(add(gql, number) for number in numbers))
    assert all(result["errors"] == [] for result in results)
    assert len(defaults(await senders(gql))) == 1


async def test_another_merchants_sender_is_not_found(
    merchant: MerchantAccount, other_merchant: MerchantAccount
) -> None:
    theirs = (await add(other_merchant.client, "whatsapp:+14155238886"))["sender"]
    mine = merchant.client
    for operation, name in ((REMOVE, "removeSender"), (MAKE_DEFAULT, "makeDefaultSender")):
        result = (await mine.data(operation, {"id": theirs["id"]}))[name]
        assert codes(result["errors"]) == [("NOT_FOUND", ["id"])]
    node = await mine.data("query($id: ID!) { node(id: $id) { id } }", {"id": theirs["id"]})
    assert node["node"] is None
    assert await senders(mine) == []
    assert [s["isDefault"] for s in await senders(other_merchant.client)] == [True]
    own = await other_merchant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Sender { address } } }", {"id": theirs["id"]}
    )
    assert own["node"] == {"address": "whatsapp:+14155238886"}
    # The same number may be a sender of two merchants (each sees only its own).
    assert (await add(mine, "whatsapp:+14155238886"))["errors"] == []


async def test_unknown_and_malformed_ids_are_not_found(gql: GraphQLClient) -> None:
    for id_ in ("nope", "U2VuZGVyOjk5OTk5OTk5OQ==", "Q2FtcGFpZ246MQ=="):
        result = (await gql.data(REMOVE, {"id": id_}))["removeSender"]
        assert codes(result["errors"]) == [("NOT_FOUND", ["id"])]
