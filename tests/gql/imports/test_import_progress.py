"""importProgress over a real WebSocket: the import's counters as its chunks are stored,
until it ends."""

import json

import httpx

from tests.conftest import MerchantAccount
from tests.gql.imports.support import start_import
from tests.support import subscribe

PROGRESS = """
subscription($id: ID!) {
  importProgress(importId: $id) { status processedRows importedRows totalRows }
}
"""


def phones(count: int, first: int = 2_000_000) -> bytes:
    return b"phone\n" + b"".join(b"+1415%d\n" % (first + i) for i in range(count))


async def test_progress_streams_to_completed(
    http: httpx.AsyncClient, server_url: str, merchant: MerchantAccount
) -> None:
    rows = 60_000  # three chunks of 25,000 at most
    started = await start_import(http, merchant.token, phones(rows), {"phone": "phone"})
    seen = []
    async with subscribe(server_url, merchant.token, PROGRESS, {"id": started["id"]}) as sub:
        while True:
            payload = await sub.next()
            assert "errors" not in payload, payload
            seen.append(payload["data"]["importProgress"])
            if seen[-1]["status"] != "RUNNING":
                break
        ended = json.loads(await sub.websocket.recv())
    assert ended == {"id": "1", "type": "complete"}
    assert seen[-1] == {
        "status": "COMPLETED",
        "processedRows": rows,
        "importedRows": rows,
        "totalRows": rows,
    }
    processed = [update["processedRows"] for update in seen]
    assert processed == sorted(processed)
    assert len(seen) >= 2, seen  # at least one state while it ran


async def test_another_merchant_gets_nothing(
    http: httpx.AsyncClient,
    server_url: str,
    merchant: MerchantAccount,
    other_merchant: MerchantAccount,
) -> None:
    started = await start_import(http, merchant.token, phones(10), {"phone": "phone"})
    async with subscribe(server_url, other_merchant.token, PROGRESS, {"id": started["id"]}) as sub:
        ended = json.loads(await sub.websocket.recv())
    assert ended == {"id": "1", "type": "complete"}
