"""importContacts over real HTTP: rows imported, refused and reported as a user sees them."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from db.database import Database
from db.models import ConversationUser
from jobs import contact_imports
from tests.conftest import MerchantAccount
from tests.gql.imports.support import finished, row_errors, start_import, state, upload

MAPPING = {"phone": "phone", "name": "name", "attributes": ["city", "plan"], "tags": ["csv"]}


async def _people(db: Database, merchant_id: int) -> dict[str, ConversationUser]:
    async with db.session() as session:
        rows = await session.execute(
            select(ConversationUser).where(ConversationUser.merchant_id == merchant_id)
        )
        return {person.phone: person for person in rows.scalars()}


# Line 1 is the header; rows from line 2. Eve's quoted cell spans lines 8 and 9.
CSV = (
    "\ufeffphone,name,city,plan,notes\n"  # a BOM, as Excel writes CSV UTF-8
    "+1 (415) 555-0101, Ana ,Lisbon,gold,x\n"
    "not a phone,Bob,Porto,free,x\n"
    ",Carla,Faro,free,x\n"
    "+14155550101,Ana again,Lisbon,gold,x\n"
    "+14155550100,,Braga,,x\n"
    "+14155550102,Dan,Braga\n"
    '+14155550103,"Eve, the second",Évora,"multi\nline",x\n'
    f"+14155550104,{'n' * 1025},Faro,free,x\n"
).encode()
COUNTERS = ("totalRows", "processedRows", "importedRows", "existingRows", "duplicateRows")


async def test_good_bad_duplicate_and_existing_rows_are_counted_and_reported(
    http: httpx.AsyncClient, merchant: MerchantAccount, db: Database
) -> None:
    existing = await start_import(
        http,
        merchant.token,
        b"phone,name,vip\n+14155550100,Old Name,yes\n",
        {"phone": "phone", "name": "name", "attributes": ["vip"], "tags": ["old"]},
    )
    assert (await finished(http, merchant.token, existing["id"]))["status"] == "COMPLETED"
    started = await start_import(http, merchant.token, CSV, MAPPING)
    assert started["status"] == "RUNNING"
    done = await finished(http, merchant.token, started["id"])
    assert done["status"] == "COMPLETED", done
    assert [done[key] for key in (*COUNTERS, "failedRows")] == [8, 8, 3, 1, 1, 4]
    assert row_errors(done) == [
        (3, "phone", "INVALID_PHONE"),
        (4, "phone", "MISSING_PHONE"),
        (5, "phone", "DUPLICATE_PHONE"),
        (7, None, "WRONG_COLUMN_COUNT"),
        (10, "name", "VALUE_TOO_LONG"),
    ]
    messages = [edge["node"]["message"] for edge in done["rowErrors"]["edges"]]
    assert "line 2" in messages[2]
    await _assert_people(db, merchant.merchant.id)


async def _assert_people(db: Database, merchant_id: int) -> None:
    people = await _people(db, merchant_id)
    assert set(people) == {"+14155550100", "+14155550101", "+14155550103"}
    ana = people["+14155550101"]
    assert (ana.name, ana.attributes, ana.tags) == (
        "Ana",
        {"city": "Lisbon", "plan": "gold"},
        ["csv"],
    )
    old = people["+14155550100"]  # updated: name kept (none given), attributes merged, tag added
    assert (old.name, old.attributes, old.tags) == (
        "Old Name",
        {"vip": "yes", "city": "Braga"},
        ["csv", "old"],  # as contacts keep them: once each, in byte order
    )
    eve = people["+14155550103"]
    assert (eve.name, eve.attributes) == (
        "Eve, the second",
        {"city": "Évora", "plan": "multi\nline"},
    )


async def test_row_errors_page_in_file_order(
    http: httpx.AsyncClient, merchant: MerchantAccount
) -> None:
    csv = "phone\n" + "".join(f"bad{i}\n" for i in range(7))
    started = await start_import(http, merchant.token, csv.encode(), {"phone": "phone"})
    await finished(http, merchant.token, started["id"])
    first = await state(http, merchant.token, started["id"], first=4)
    assert [e["node"]["line"] for e in first["rowErrors"]["edges"]] == [2, 3, 4, 5]
    assert first["rowErrors"]["totalCount"] == 7 and first["rowErrors"]["pageInfo"]["hasNextPage"]
    after = first["rowErrors"]["pageInfo"]["endCursor"]
    rest = await state(http, merchant.token, started["id"], first=4, after=after)
    assert [e["node"]["line"] for e in rest["rowErrors"]["edges"]] == [6, 7, 8]


async def _errors(response: httpx.Response) -> list[tuple[str, list[str]]]:
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["importContacts"]
    assert payload["contactImport"] is None
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_a_mapping_is_checked_against_the_header(
    http: httpx.AsyncClient, merchant: MerchantAccount
) -> None:
    csv = b"Phone,Name,coupon_code,home town\n+14155550101,Ana,A1,Faro\n"
    mapping = {
        "phone": "phone",
        "name": "Name",
        "attributes": ["Name", "city", "home town"],
        "customVariables": ["coupon_code"],
        "tags": ["VIP", "no spaces please"],
    }
    assert await _errors(await upload(http, merchant.token, csv, mapping)) == [
        ("UNKNOWN_COLUMN", ["mapping", "phone"]),
        ("UNKNOWN_COLUMN", ["mapping", "attributes", "1"]),
        ("INVALID", ["mapping", "customVariables"]),  # no campaignId
        ("INVALID_TAG", ["mapping", "tags", "1"]),
        ("INVALID_ATTRIBUTE", ["mapping", "attributes", "2"]),
    ]


async def test_a_file_that_is_not_utf8_fails_with_a_reason(
    http: httpx.AsyncClient, merchant: MerchantAccount
) -> None:
    latin1 = "phone,name\n+14155550101,Zoë\n+14155550102,José\n".encode("latin-1")
    started = await start_import(http, merchant.token, latin1, {"phone": "phone", "name": "name"})
    done = await finished(http, merchant.token, started["id"])
    assert done["status"] == "FAILED"
    assert "not UTF-8" in done["failureReason"] and "line 2" in done["failureReason"]
    assert done["importedRows"] == 0
    header = await start_import(http, merchant.token, b"ph\xf6ne\n+14155550101\n", {"phone": "x"})
    assert header["status"] == "FAILED" and "not UTF-8" in header["failureReason"]


async def test_without_a_token_nothing_is_read(http: httpx.AsyncClient) -> None:
    response = await upload(http, None, b"phone\n+14155550101\n", {"phone": "phone"})
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_another_merchant_sees_no_import(
    http: httpx.AsyncClient, merchant: MerchantAccount, other_merchant: MerchantAccount
) -> None:
    started = await start_import(http, merchant.token, b"phone\n+14155550101\n", {"phone": "phone"})
    await finished(http, merchant.token, started["id"])
    assert await state(http, other_merchant.token, started["id"]) is None
    node = await other_merchant.client.data(
        "query($id: ID!) { node(id: $id) { id } }", {"id": started["id"]}
    )
    assert node["node"] is None
    mine = await merchant.client.data(
        "query($id: ID!) { node(id: $id) { ... on ContactImport { importedRows } } }",
        {"id": started["id"]},
    )
    assert mine["node"] == {"importedRows": 1}
    listed = await other_merchant.client.data("{ contactImports { totalCount } }")
    assert listed["contactImports"]["totalCount"] == 0


async def test_row_errors_are_kept_up_to_a_cap_and_all_counted(
    http: httpx.AsyncClient, merchant: MerchantAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contact_imports, "MAX_STORED_ERRORS", 3)
    csv = "phone\n+14155550101\n" + "".join(f"bad{i}\n" for i in range(5))
    started = await start_import(http, merchant.token, csv.encode(), {"phone": "phone"})
    done = await finished(http, merchant.token, started["id"])
    assert (done["failedRows"], done["importedRows"], done["totalRows"]) == (5, 1, 6)
    assert [line for line, _, _ in row_errors(done)] == [3, 4, 5]
    assert done["rowErrors"]["totalCount"] == 3


async def test_a_contact_is_not_given_more_tags_than_a_contact_may_have(
    http: httpx.AsyncClient, merchant: MerchantAccount, db: Database
) -> None:
    many = [f"t{i}" for i in range(45)]
    first = await start_import(
        http, merchant.token, b"phone\n+14155550101\n", {"phone": "phone", "tags": many}
    )
    await finished(http, merchant.token, first["id"])
    more = {"phone": "phone", "tags": [f"u{i}" for i in range(10)]}
    csv = b"phone\n+14155550101\n+14155550102\n"
    done = await finished(
        http, merchant.token, (await start_import(http, merchant.token, csv, more))["id"]
    )
    assert (done["importedRows"], done["failedRows"]) == (1, 1)
    assert row_errors(done) == [(2, None, "TOO_MANY_TAGS")]
    people = await _people(db, merchant.merchant.id)
    assert sorted(people["+14155550101"].tags) == sorted(many)  # left as it was
    assert len(people["+14155550102"].tags) == 10
