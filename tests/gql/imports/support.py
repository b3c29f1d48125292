"""Uploading CSV files to importContacts as a browser or curl would: a multipart request
(GraphQL multipart request spec) over real HTTP."""

import json
from typing import Any

import httpx

from tests.support import eventually

IMPORT = """
mutation Import($file: Upload!, $mapping: ContactImportMappingInput!, $campaignId: ID) {
  importContacts(file: $file, mapping: $mapping, campaignId: $campaignId) {
    contactImport { id status failureReason }
    errors { field code message }
  }
}
"""

STATE = """
query State($id: ID!, $first: Int, $after: String) {
  contactImport(id: $id) {
    id status totalRows processedRows importedRows existingRows duplicateRows failedRows
    failureReason finishedAt campaign { id }
    rowErrors(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { line column code message } }
    }
  }
}
"""


def multipart(
    query: str, variables: dict[str, Any], content: bytes, name: str = "contacts.csv"
) -> dict[str, Any]:
    """httpx arguments for one file at variables.file (the spec's operations and map)."""
    operations = {"query": query, "variables": {**variables, "file": None}}
    return {
        "data": {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        "files": {"0": (name, content, "text/csv")},
    }


async def upload(
    http: httpx.AsyncClient,
    token: str | None,
    content: bytes,
    mapping: dict[str, Any],
    campaign_id: str | None = None,
) -> httpx.Response:
    variables: dict[str, Any] = {"mapping": mapping, "campaignId": campaign_id}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", headers=headers, **multipart(IMPORT, variables, content))


async def start_import(
    http: httpx.AsyncClient,
    token: str,
    content: bytes,
    mapping: dict[str, Any],
    campaign_id: str | None = None,
) -> dict[str, Any]:
    response = await upload(http, token, content, mapping, campaign_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["importContacts"]
    assert payload["errors"] == [], payload["errors"]
    started: dict[str, Any] = payload["contactImport"]
    return started


async def state(http: httpx.AsyncClient, token: str, import_id: str, **page: Any) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        headers={"Authorization": f"Bearer {token}"},
        json={"query": STATE, "variables": {"id": import_id, **page}},
    )
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["contactImport"]
    return found


async def finished(
    http: httpx.AsyncClient, token: str, import_id: str, within: float = 60
) -> dict[str, Any]:
    return await eventually(
        lambda: state(http, token, import_id, first=500),
        lambda found: found["status"] != "RUNNING",
        within,
    )


def row_errors(found: dict[str, Any]) -> list[tuple[int, str | None, str]]:
    return [
        (edge["node"]["line"], edge["node"]["column"], edge["node"]["code"])
        for edge in found["rowErrors"]["edges"]
    ]
