"""A merchant's API tokens over GraphQL: create (secret once), list, revoke, scoping."""

from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import MerchantAccount
from tests.gql.subscriptions.test_campaign_status import STATUS_CHANGED
from tests.support import GraphQLClient, eventually, subscribe

TOKENS = "{ apiTokens { id name prefix createdAt lastUsedAt } }"
CREATE = """
mutation($name: String!) {
  createApiToken(input: {name: $name}) {
    apiToken { id name prefix createdAt lastUsedAt }
    secret
    errors { field code message }
  }
}"""
REVOKE = """
mutation($id: ID!) {
  revokeApiToken(id: $id) { apiToken { id name revokedAt } errors { field code message } }
}"""
VIEWER = "{ viewer { merchant { name } } }"


async def create(client: GraphQLClient, name: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(CREATE, {"name": name}))["createApiToken"]
    return payload


async def test_a_created_token_works_is_listed_without_its_secret_and_revokes(
    merchant: MerchantAccount, http: httpx.AsyncClient
) -> None:
    created = await create(merchant.client, "ci deploy")
    assert created["errors"] == []
    secret = created["secret"]
    assert secret.startswith("cmp_") and created["apiToken"]["prefix"] == secret[:12]
    ci = GraphQLClient(http, secret)
    assert (await ci.data(VIEWER))["viewer"]["merchant"]["name"] == merchant.merchant.name

    listing = await eventually(
        lambda: ci.data(TOKENS),
        lambda data: all(t["lastUsedAt"] for t in data["apiTokens"]),
    )
    assert [t["name"] for t in listing["apiTokens"]] == ["default", "ci deploy"]
    assert secret not in str(listing), "the secret is shown once only"

    revoked = await merchant.client.data(REVOKE, {"id": created["apiToken"]["id"]})
    assert revoked["revokeApiToken"]["errors"] == []
    assert revoked["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    refused = await ci.execute(VIEWER)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    names = [t["name"] for t in (await merchant.client.data(TOKENS))["apiTokens"]]
    assert names == ["default"]


async def test_a_token_may_revoke_itself_and_stops_at_once(
    merchant: MerchantAccount, http: httpx.AsyncClient
) -> None:
    created = await create(merchant.client, "short lived")
    own = GraphQLClient(http, created["secret"])
    assert (await own.data(REVOKE, {"id": created["apiToken"]["id"]}))["revokeApiToken"][
        "errors"
    ] == []
    again = await own.execute(REVOKE, {"id": created["apiToken"]["id"]})
    assert again["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_names_are_checked(merchant: MerchantAccount) -> None:
    blank = await create(merchant.client, "   ")
    assert [(e["field"], e["code"]) for e in blank["errors"]] == [
        (["input", "name"], "INVALID_NAME")
    ]
    taken = await create(merchant.client, "default")
    assert [(e["field"], e["code"]) for e in taken["errors"]] == [
        (["input", "name"], "DUPLICATE_NAME")
    ]
    assert taken["secret"] is None and taken["apiToken"] is None
    names = [t["name"] for t in (await merchant.client.data(TOKENS))["apiTokens"]]
    assert names == ["default"], "a refused create writes nothing"


async def test_a_merchant_neither_sees_nor_revokes_another_merchants_tokens(
    merchant: MerchantAccount, other_merchant: MerchantAccount
) -> None:
    theirs = await create(other_merchant.client, "theirs")
    mine = (await merchant.client.data(TOKENS))["apiTokens"]
    assert [t["name"] for t in mine] == ["default"]
    attempt = (await merchant.client.data(REVOKE, {"id": theirs["apiToken"]["id"]}))[
        "revokeApiToken"
    ]
    assert [(e["field"], e["code"]) for e in attempt["errors"]] == [(["id"], "NOT_FOUND")]
    assert attempt["apiToken"] is None
    still = await GraphQLClient(other_merchant.client.http, theirs["secret"]).data(VIEWER)
    assert still["viewer"]["merchant"]["name"] == "Other Shop"
    malformed = (await merchant.client.data(REVOKE, {"id": "not-an-id"}))["revokeApiToken"]
    assert [e["code"] for e in malformed["errors"]] == ["NOT_FOUND"]


async def test_without_a_token_nothing_is_listed(http: httpx.AsyncClient) -> None:
    body = await GraphQLClient(http, None).execute(TOKENS)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoking_a_token_closes_its_websockets(
    merchant: MerchantAccount, server_url: str
) -> None:
    created = await create(merchant.client, "dashboard")
    async with subscribe(server_url, created["secret"], STATUS_CHANGED) as subscriber:
        revoked = await merchant.client.data(REVOKE, {"id": created["apiToken"]["id"]})
        assert revoked["revokeApiToken"]["errors"] == []
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await subscriber.next()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "TOKEN_REVOKED")
