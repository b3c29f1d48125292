"""/graphql against the GraphQL over HTTP spec (https://graphql.github.io/graphql-over-http/draft/).

The reference implementation's audit suite (npm `graphql-http`, pinned in
tests/http_audit/package.json) runs against the live test server; the direct tests
below pin the status codes a client actually notices, and that the browser IDE and
WebSocket transport still work on the same route.
"""

import asyncio
import json
import shutil
from pathlib import Path

import httpx
import pytest
import websockets

AUDIT_DIR = Path(__file__).resolve().parents[1] / "http_audit"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# A field the schema does not have, so the document fails validation.
INVALID_QUERY = "{ noSuchField }"


async def run(*command: str) -> tuple[int, str]:
    """Run a command without blocking the event loop, which also serves the app under test.

    Callers bound it with `asyncio.timeout`; a cancelled run kills the process.
    """
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


async def test_reference_audit_passes_every_must_and_should(server_url: str) -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the GraphQL over HTTP audit needs Node.js and npm")
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        # `npm ci`: exactly the versions in package-lock.json, nothing else fetched.
        async with asyncio.timeout(300):
            code, output = await run(npm, "ci", "--prefix", str(AUDIT_DIR))
        assert code == 0, f"npm ci failed:\n{output}"

    async with asyncio.timeout(120):
        code, output = await run(node, str(AUDIT_DIR / "audit.mjs"), f"{server_url}/graphql")

    assert code == 0, f"GraphQL over HTTP audit failed:\n{output}"


async def test_malformed_json_body_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content=b'{"query": "{ __typename', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("body", [b"1", b"null", b'"{ __typename }"', b'{"query": "\xff"}'])
async def test_body_that_is_not_a_utf8_json_object_is_400(
    http: httpx.AsyncClient, body: bytes
) -> None:
    # Strawberry alone answers these with 500; a bad request is never the server's fault.
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_missing_query_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"variables": {}})
    assert response.status_code == 400


async def test_mutation_over_get_is_405(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql",
        params={"query": 'mutation { archiveCampaign(id: "x") { __typename } }'},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_validation_failure_with_graphql_response_json_is_400_without_data(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        "/graphql", json={"query": INVALID_QUERY}, headers={"accept": GRAPHQL_RESPONSE_JSON}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    body = response.json()
    assert "data" not in body
    assert body["errors"]


async def test_validation_failure_with_json_is_200(http: httpx.AsyncClient) -> None:
    # application/json is the legacy media type: the spec has every well-formed
    # request answered with 200, GraphQL errors or not, for clients that predate
    # application/graphql-response+json.
    response = await http.post(
        "/graphql", json={"query": INVALID_QUERY}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"]


async def test_valid_query_with_graphql_response_json_is_200(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": GRAPHQL_RESPONSE_JSON}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        (f"{GRAPHQL_RESPONSE_JSON}, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE_JSON};q=0, */*", "application/json"),
        ("text/plain", "application/json"),  # nothing acceptable: the spec's default
    ],
)
async def test_response_media_type_follows_accept(
    http: httpx.AsyncClient, accept: str | None, media_type: str
) -> None:
    headers = {"content-type": "application/json"}
    if accept is not None:
        headers["accept"] = accept
    response = await http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)


async def test_unauthenticated_field_with_graphql_response_json_is_200_with_data(
    http: httpx.AsyncClient,
) -> None:
    # A field error, not a request error: execution ran, so data is there (null)
    # and the status stays 200 — the UNAUTHENTICATED code is what tells the client.
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { merchant { id } } }"},
        headers={"accept": GRAPHQL_RESPONSE_JSON},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_browsers_get_graphiql(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_websocket_graphql_transport_ws_still_works(server_url: str) -> None:
    url = server_url.replace("http://", "ws://", 1) + "/graphql"
    async with websockets.connect(
        url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        )
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert message == {"id": "1", "type": "next", "payload": {"data": {"__typename": "Query"}}}
        assert json.loads(await asyncio.wait_for(ws.recv(), 10)) == {"id": "1", "type": "complete"}
