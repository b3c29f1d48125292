"""updateContacts, tagContacts and untagContacts over HTTP."""

from db.database import Database
from gql.ids import encode_id
from tests.conftest import MerchantAccount
from tests.gql.contacts.support import TAG, UNTAG, UPDATE, created, mutate
from tests.gql.helpers import codes
from tests.support import GraphQLClient, request_statements


async def test_an_update_merges_attributes_and_replaces_tags(gql: GraphQLClient) -> None:
    [ana] = await created(
        gql,
        [
            {
                "phone": "+14155550201",
                "name": "Ana",
                "attributes": {"order_id": "1", "city": "Lisbon"},
                "tags": ["a", "b"],
            }
        ],
    )
    result = await mutate(
        gql,
        UPDATE,
        contacts=[
            {"id": ana["id"], "attributes": {"city": None, "coupon_code": "X"}, "tags": ["C"]}
        ],
    )
    assert result["errors"] == []
    [updated] = result["contacts"]
    assert updated["name"] == "Ana", "a name left out stays"
    assert updated["attributes"] == {"order_id": "1", "coupon_code": "X"}
    assert updated["tags"] == ["c"]
    [cleared] = (await mutate(gql, UPDATE, contacts=[{"id": ana["id"], "name": None}]))["contacts"]
    assert (cleared["name"], cleared["tags"]) == (None, ["c"])


async def test_opting_out_and_back_in(gql: GraphQLClient) -> None:
    [ana] = await created(gql, [{"phone": "+14155550211"}])
    [out] = (await mutate(gql, UPDATE, contacts=[{"id": ana["id"], "optedOut": True}]))["contacts"]
    assert out["optedOut"] is True and out["optedOutAt"] is not None
    [still] = (await mutate(gql, UPDATE, contacts=[{"id": ana["id"], "optedOut": True}]))[
        "contacts"
    ]
    assert still["optedOutAt"] == out["optedOutAt"], "opting out again keeps the first time"
    [same] = (await mutate(gql, UPDATE, contacts=[{"id": ana["id"], "name": "Ana"}]))["contacts"]
    assert same["optedOutAt"] == out["optedOutAt"]
    [back] = (await mutate(gql, UPDATE, contacts=[{"id": ana["id"], "optedOut": False}]))[
        "contacts"
    ]
    assert (back["optedOut"], back["optedOutAt"]) == (False, None)


async def test_update_errors_by_index(
    merchant: MerchantAccount, other_merchant: MerchantAccount
) -> None:
    gql = merchant.client
    [ana, bob] = await created(gql, [{"phone": "+14155550221"}, {"phone": "+14155550222"}])
    [theirs] = await created(other_merchant.client, [{"phone": "+14155550223"}])
    result = await mutate(
        gql,
        UPDATE,
        contacts=[
            {"id": ana["id"], "name": "Ana"},
            {"id": theirs["id"], "name": "Stolen"},
            {"id": "not an id", "name": "X"},
            {"id": encode_id("Campaign", 1), "name": "X"},
            {"id": ana["id"], "name": "Twice"},
            {"id": bob["id"], "tags": ["bad tag"]},
            {"id": bob["id"].replace("", "") + "", "attributes": {"k": [1]}},
        ],
    )
    assert codes(result["errors"]) == [
        ("NOT_FOUND", ["contacts", "1", "id"]),
        ("NOT_FOUND", ["contacts", "2", "id"]),
        ("NOT_FOUND", ["contacts", "3", "id"]),
        ("DUPLICATE_CONTACT", ["contacts", "4", "id"]),
        ("INVALID_TAG", ["contacts", "5", "tags", "0"]),
        ("DUPLICATE_CONTACT", ["contacts", "6", "id"]),
        ("INVALID_ATTRIBUTE", ["contacts", "6", "attributes", "k"]),
    ]
    assert [c["name"] for c in result["contacts"]] == ["Ana"]
    [stored] = await created(other_merchant.client, [{"phone": "+14155550223"}])
    assert stored["name"] is None, "another merchant's contact is untouched"


async def test_update_limits_after_merging(gql: GraphQLClient) -> None:
    [ana] = await created(
        gql, [{"phone": "+14155550231", "attributes": {f"k{i}": i for i in range(45)}}]
    )
    result = await mutate(
        gql, UPDATE, contacts=[{"id": ana["id"], "attributes": {f"n{i}": i for i in range(6)}}]
    )
    assert codes(result["errors"]) == [("TOO_MANY_ATTRIBUTES", ["contacts", "0", "attributes"])]
    removing = {"k0": None, **{f"n{i}": i for i in range(6)}}
    result = await mutate(gql, UPDATE, contacts=[{"id": ana["id"], "attributes": removing}])
    assert result["errors"] == [] and len(result["contacts"][0]["attributes"]) == 50


async def test_tags_are_added_once_sorted_in_one_statement(
    gql: GraphQLClient, db: Database
) -> None:
    people = await created(
        gql, [{"phone": "+14155550241", "tags": ["m"]}, {"phone": "+14155550242"}]
    )
    ids = [p["id"] for p in people]
    with request_statements(db) as statements:
        result = await mutate(gql, TAG, ids=[*ids, ids[0]], tags=["Z", "a", "m", " a "])
    assert result["errors"] == []
    assert [c["tags"] for c in result["contacts"]] == [["a", "m", "z"], ["a", "m", "z"]]
    assert len([s for s in statements if "conversation_users" in s]) == 1
    with request_statements(db) as statements:
        result = await mutate(gql, UNTAG, ids=ids, tags=["m", "absent"])
    assert [c["tags"] for c in result["contacts"]] == [["a", "z"], ["a", "z"]]
    assert len([s for s in statements if "conversation_users" in s]) == 1


async def test_tagging_errors(merchant: MerchantAccount, other_merchant: MerchantAccount) -> None:
    gql = merchant.client
    [full, ok] = await created(
        gql,
        [
            {"phone": "+14155550251", "tags": [f"t{i}" for i in range(49)]},
            {"phone": "+14155550252"},
        ],
    )
    [theirs] = await created(other_merchant.client, [{"phone": "+14155550253"}])
    ids = [full["id"], theirs["id"], "garbage", ok["id"]]
    result = await mutate(gql, TAG, ids=ids, tags=["x", "y"])
    assert codes(result["errors"]) == [
        ("TOO_MANY_TAGS", ["contactIds", "0"]),
        ("NOT_FOUND", ["contactIds", "1"]),
        ("NOT_FOUND", ["contactIds", "2"]),
    ]
    assert [c["id"] for c in result["contacts"]] == [ok["id"]]
    [kept] = (await mutate(gql, UNTAG, ids=[full["id"]], tags=["nothing"]))["contacts"]
    assert len(kept["tags"]) == 49, "a refused contact keeps its tags"
    result = await mutate(other_merchant.client, UNTAG, ids=[ok["id"]], tags=["x"])
    assert codes(result["errors"]) == [("NOT_FOUND", ["contactIds", "0"])]
    for tags, expected in (
        ([], [("REQUIRED", ["tags"])]),
        (["ok", "not ok"], [("INVALID_TAG", ["tags", "1"])]),
        ([f"t{i}" for i in range(51)], [("TOO_MANY_TAGS", ["tags"])]),
    ):
        result = await mutate(gql, TAG, ids=[ok["id"]], tags=tags)
        assert codes(result["errors"]) == expected
        assert result["contacts"] == []
    result = await mutate(gql, TAG, ids=[ok["id"]] * 10_001, tags=["x"])
    assert codes(result["errors"]) == [("TOO_MANY_CONTACTS", ["contactIds"])]
