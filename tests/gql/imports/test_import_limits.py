"""An upload's own limits: its size (413 before it is read, whatever the JSON limit) and
its rows (the import FAILED, nothing stored)."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from db.database import Database
from gql.app import create_app
from jobs.runtime import Runtime
from services.settings import Settings
from tests.conftest import MerchantAccount
from tests.gql.imports.support import finished, start_import, upload
from tests.gql.test_request_limits import raw_http
from tests.support import serve


@pytest.fixture
async def small_server(database_url: str, settings: Settings) -> AsyncIterator[str]:
    limited = settings.model_copy(update={"max_import_bytes": 4096, "max_import_rows": 3})
    runtime = Runtime(Database(database_url, pool_size=2), limited)
    async with serve(create_app(runtime)) as url:
        yield url


async def test_an_upload_over_its_limit_is_refused_with_413(
    small_server: str, merchant: MerchantAccount
) -> None:
    head = (
        "POST /graphql HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {merchant.token}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 4097\r\n\r\n"
    ).encode()
    answer = await raw_http(small_server, head + b"--b\r\n")
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    error = json.loads(rest.partition(b"\r\n\r\n")[2])["errors"][0]
    assert error["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert "larger than 4096 bytes (CAMPAIGNS_MAX_IMPORT_BYTES)" in error["message"]
    # Within the upload limit, a JSON body still has the smaller one of its own.
    async with httpx.AsyncClient(base_url=small_server) as http:
        small = await upload(http, merchant.token, b"phone\n+14155550101\n", {"phone": "phone"})
    assert small.status_code == 200


async def test_too_many_rows_fail_the_import(small_server: str, merchant: MerchantAccount) -> None:
    content = b"phone\n" + b"".join(b"+1415555%04d\n" % i for i in range(4))
    async with httpx.AsyncClient(base_url=small_server) as http:
        started = await start_import(http, merchant.token, content, {"phone": "phone"})
        done = await finished(http, merchant.token, started["id"])
    assert done["status"] == "FAILED"
    assert "more than 3 rows" in done["failureReason"]
    assert (done["importedRows"], done["processedRows"]) == (0, 0)


async def test_an_upload_may_be_larger_than_a_json_body(
    http: httpx.AsyncClient, merchant: MerchantAccount
) -> None:
    notes = b"x" * (1024 * 1024)  # unmapped: not stored, so no cell limit applies
    content = b"phone,notes\n" + b"".join(b"+1415555%04d," % i + notes + b"\n" for i in range(5))
    assert len(content) > Settings.model_construct().max_body_bytes
    started = await start_import(http, merchant.token, content, {"phone": "phone"})
    done = await finished(http, merchant.token, started["id"])
    assert (done["status"], done["importedRows"]) == ("COMPLETED", 5)
