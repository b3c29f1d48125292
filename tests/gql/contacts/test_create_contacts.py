"""createContacts over HTTP: new and known phones, the checks by index, the limits."""

from db.database import Database
from tests.conftest import MerchantAccount
from tests.gql.contacts.support import NODE, create, created
from tests.gql.helpers import codes
from tests.support import GraphQLClient, request_statements


async def test_contacts_are_created_normalised(gql: GraphQLClient) -> None:
    [ana, bob] = await created(
        gql,
        [
            {
                "phone": "+1 (415) 555-0101",
                "name": "  Ana ",
                "attributes": {"order_id": "1042", "vip": True, "visits": 3, "score": 4.5},
                "tags": [" VIP ", "spring:2026", "vip"],
            },
            {"phone": "whatsapp:+14155550102"},
        ],
    )
    assert (ana["phone"], ana["name"], ana["tags"]) == (
        "+14155550101",
        "Ana",
        ["spring:2026", "vip"],
    )
    assert ana["attributes"] == {"order_id": "1042", "vip": True, "visits": 3, "score": 4.5}
    assert (ana["optedOut"], ana["optedOutAt"]) == (False, None)
    assert (bob["phone"], bob["name"], bob["attributes"], bob["tags"]) == (
        "+14155550102",
        None,
        {},
        [],
    )
    node = (await gql.data(NODE, {"id": ana["id"]}))["node"]
    assert node["__typename"] == "ConversationUser"
    assert node == {"__typename": "ConversationUser", **ana}


async def test_a_known_phone_is_merged_not_refused(gql: GraphQLClient) -> None:
    [first] = await created(
        gql,
        [
            {
                "phone": "+14155550111",
                "name": "Ana",
                "attributes": {"order_id": "1", "city": "Lisbon"},
                "tags": ["vip"],
            }
        ],
    )
    [again] = await created(
        gql,
        [{"phone": "+14155550111", "attributes": {"order_id": "2", "city": None}, "tags": ["new"]}],
    )
    assert again["id"] == first["id"]
    assert again["name"] == "Ana", "no name given: the stored one stays"
    assert again["attributes"] == {"order_id": "2"}, "merged; null removed city"
    assert again["tags"] == ["new", "vip"], "tags are added to"
    [renamed] = await created(gql, [{"phone": "+14155550111", "name": "Ana Maria"}])
    assert renamed["name"] == "Ana Maria"
    assert renamed["updatedAt"] >= first["updatedAt"]


async def test_bad_contacts_are_reported_by_index_and_the_rest_created(
    gql: GraphQLClient,
) -> None:
    result = await create(
        gql,
        [
            {"phone": "+14155550121", "name": "Good"},
            {"phone": "not a phone"},
            {"phone": "+1 415 555 0121"},  # the first, once normalised
            {"phone": "+14155550122", "attributes": ["a"]},
            {"phone": "+14155550123", "attributes": {"bad key": 1, "nested": {"a": 1}}},
            {"phone": "+14155550124", "attributes": {"long": "x" * 1025}},
            {"phone": "+14155550125", "tags": ["ok", "no spaces", "", "x" * 65]},
            {"phone": "+14155550126", "tags": [f"t{i}" for i in range(51)]},
            {"phone": "+14155550127", "attributes": {f"k{i}": i for i in range(51)}},
            {"phone": "+14155550128", "name": "\x00"},
            {"phone": "+14155550129", "name": "Also good", "tags": ["a"] * 60},
        ],
    )
    assert codes(result["errors"]) == [
        ("INVALID_PHONE", ["contacts", "1", "phone"]),
        ("DUPLICATE_CONTACT", ["contacts", "2", "phone"]),
        ("INVALID", ["contacts", "3", "attributes"]),
        ("INVALID_ATTRIBUTE", ["contacts", "4", "attributes", "bad key"]),
        ("INVALID_ATTRIBUTE", ["contacts", "4", "attributes", "nested"]),
        ("INVALID_ATTRIBUTE", ["contacts", "5", "attributes", "long"]),
        ("INVALID_TAG", ["contacts", "6", "tags", "1"]),
        ("INVALID_TAG", ["contacts", "6", "tags", "2"]),
        ("INVALID_TAG", ["contacts", "6", "tags", "3"]),
        ("TOO_MANY_TAGS", ["contacts", "7", "tags"]),
        ("TOO_MANY_ATTRIBUTES", ["contacts", "8", "attributes"]),
        ("BAD_USER_INPUT", ["contacts", "9", "name"]),
    ]
    assert "index 0" in result["errors"][1]["message"]
    assert [(c["phone"], c["name"]) for c in result["contacts"]] == [
        ("+14155550121", "Good"),
        ("+14155550129", "Also good"),
    ]
    assert result["contacts"][1]["tags"] == ["a"]


async def test_merging_past_a_limit_is_refused_for_that_contact(gql: GraphQLClient) -> None:
    await created(
        gql,
        [
            {
                "phone": "+14155550131",
                "attributes": {f"k{i}": i for i in range(40)},
                "tags": [f"t{i}" for i in range(40)],
            }
        ],
    )
    result = await create(
        gql,
        [
            {"phone": "+14155550131", "attributes": {f"n{i}": i for i in range(11)}},
            {"phone": "+14155550131".replace("31", "32")},
            {"phone": "+14155550131", "tags": [f"u{i}" for i in range(11)]},
        ],
    )
    assert codes(result["errors"]) == [
        ("TOO_MANY_ATTRIBUTES", ["contacts", "0", "attributes"]),
        ("DUPLICATE_CONTACT", ["contacts", "2", "phone"]),
    ]
    result = await create(gql, [{"phone": "+14155550131", "tags": [f"u{i}" for i in range(11)]}])
    assert codes(result["errors"]) == [("TOO_MANY_TAGS", ["contacts", "0", "tags"])]
    assert result["contacts"] == []


async def test_too_many_contacts_are_refused_whole(merchant: MerchantAccount, db: Database) -> None:
    many = [{"phone": f"+1415555{i:04d}"} for i in range(10_001)]
    result = await create(merchant.client, many)
    assert codes(result["errors"]) == [("TOO_MANY_CONTACTS", ["contacts"])]
    assert result["contacts"] == []


async def test_ten_thousand_contacts_in_two_statements(gql: GraphQLClient, db: Database) -> None:
    contacts = [
        {"phone": f"+1415556{i:04d}", "name": f"C{i}", "attributes": {"n": i}, "tags": ["bulk"]}
        for i in range(10_000)
    ]
    with request_statements(db) as statements:
        result = await create(gql, contacts)
    assert result["errors"] == []
    assert len(result["contacts"]) == 10_000
    assert result["contacts"][9_999]["attributes"] == {"n": 9_999}
    work = [s for s in statements if "conversation_users" in s]
    assert len(work) == 2, work  # the lock of known phones, then one upsert


async def test_merchants_never_share_contacts(
    merchant: MerchantAccount, other_merchant: MerchantAccount
) -> None:
    [mine] = await created(merchant.client, [{"phone": "+14155550141", "name": "Mine"}])
    [theirs] = await created(other_merchant.client, [{"phone": "+14155550141", "name": "Theirs"}])
    assert mine["id"] != theirs["id"]
    assert (await other_merchant.client.data(NODE, {"id": mine["id"]}))["node"] is None
    node = (await merchant.client.data(NODE, {"id": mine["id"]}))["node"]
    assert node["name"] == "Mine"
