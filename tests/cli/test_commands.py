"""The `campaigns` command, run as a user runs it: a subprocess with DATABASE_URL."""

import asyncio
import json
import os
import sys

import httpx

from tests.support import GraphQLClient


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
