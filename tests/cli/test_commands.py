"""The `campaigns` command, run as a user runs it: a subprocess with DATABASE_URL."""

import asyncio
import json
import os
import sys

import httpx

from tests.support import GraphQLClient, eventually


async def campaigns(database_url: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        *args,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_migrate_is_idempotent(database_url: str) -> None:
    code, out, err = await campaigns(database_url, "migrate")
    assert code == 0, err
    assert "migrations applied" in out


async def test_merchant_create_prints_a_working_token(
    database_url: str, http: httpx.AsyncClient
) -> None:
    code, out, err = await campaigns(
        database_url, "merchant", "create", "Corner Shop", "--commerce", "--json"
    )
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1, "--json prints one line"
    created = json.loads(lines[0])
    assert created["name"] == "Corner Shop"
    viewer = await GraphQLClient(http, created["token"]).data(
        "{ viewer { merchant { name commerce } } campaigns { totalCount } }"
    )
    assert viewer["viewer"]["merchant"] == {"name": "Corner Shop", "commerce": True}
    assert viewer["campaigns"]["totalCount"] > 5, "commerce templates were created"


async def test_bad_arguments_fail_with_usage(database_url: str) -> None:
    code, _, err = await campaigns(database_url, "merchant", "delete")
    assert code == 2
    assert "usage:" in err


async def test_token_create_list_and_revoke(database_url: str, http: httpx.AsyncClient) -> None:
    code, out, err = await campaigns(database_url, "merchant", "create", "Token Shop", "--json")
    assert code == 0, err
    merchant_id = str(json.loads(out)["merchant_id"])
    code, out, err = await campaigns(database_url, "token", "create", merchant_id, "ci", "--json")
    assert code == 0, err
    created = json.loads(out)
    client = GraphQLClient(http, created["token"])
    assert (await client.data("{ viewer { merchant { name } } }"))["viewer"]["merchant"] == {
        "name": "Token Shop"
    }

    code, out, err = await campaigns(database_url, "token", "list", merchant_id, "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [(t["name"], t["prefix"]) for t in listed] == [
        ("default", listed[0]["prefix"]),
        ("ci", created["token"][:12]),
    ]
    assert created["token"] not in out, "listing never shows a secret"
    code, out, _ = await campaigns(database_url, "token", "list", merchant_id)
    assert "ci\t" + created["token"][:12] in out

    code, _, err = await campaigns(database_url, "token", "revoke", "999999999", str(created["id"]))
    assert code == 1 and "not found" in err, "another merchant's token is not touched"
    code, out, err = await campaigns(
        database_url, "token", "revoke", merchant_id, str(created["id"])
    )
    assert code == 0, err
    # The running server forgets the token when the revocation's NOTIFY reaches it.
    await eventually(
        lambda: client.execute("{ viewer { merchant { name } } }"),
        lambda body: (
            bool(body.get("errors"))
            and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        ),
        within=5,
    )
    code, _, err = await campaigns(database_url, "token", "revoke", merchant_id, str(created["id"]))
    assert code == 1 and "not found" in err
