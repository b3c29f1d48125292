"""contacts(filter:): each criterion, their combination, pages, limits and scoping."""

from db.database import Database
from tests.conftest import MerchantAccount
from tests.gql.helpers import create_campaign
from tests.gql.segments.support import CONTACTS, Contact, add_contacts, names, refusal

PEOPLE = [
    Contact("ana", tags=["vip", "lisbon"], attributes={"city": "Lisbon", "plan": "gold"}),
    Contact("bo", tags=["vip"], attributes={"city": "Porto", "age": 41}),
    Contact("cy", tags=["new"], attributes={"city": "Lisbon", "member": True}, opted_out=True),
    Contact("di"),
]


async def test_each_criterion_chooses_its_contacts(merchant: MerchantAccount, db: Database) -> None:
    await add_contacts(db, merchant.merchant.id, PEOPLE)
    gql = merchant.client
    assert await names(gql, None) == {"ana", "bo", "cy", "di"}
    assert await names(gql, {"tags": ["vip"]}) == {"ana", "bo"}
    assert await names(gql, {"tags": ["vip", "lisbon"]}) == {"ana"}, "every tag"
    assert await names(gql, {"tags": [" VIP"]}) == {"ana", "bo"}, "as contacts' tags are stored"
    assert await names(gql, {"anyTags": ["lisbon", "new"]}) == {"ana", "cy"}, "any tag"
    assert await names(gql, {"attributes": {"city": "Lisbon"}}) == {"ana", "cy"}
    assert await names(gql, {"attributes": {"city": "Lisbon", "plan": "gold"}}) == {"ana"}
    assert await names(gql, {"attributes": {"age": 41}}) == {"bo"}, "numbers by equality"
    assert await names(gql, {"attributes": {"age": "41"}}) == set(), "not the string"
    assert await names(gql, {"attributes": {"member": True}}) == {"cy"}
    assert await names(gql, {"optedOut": True}) == {"cy"}
    assert await names(gql, {"optedOut": False}) == {"ana", "bo", "di"}
    both = {"anyTags": ["vip", "new"], "attributes": {"city": "Lisbon"}, "optedOut": False}
    assert await names(gql, both) == {"ana"}, "all criteria hold at once"


async def test_pages_go_newest_first_without_gaps(merchant: MerchantAccount, db: Database) -> None:
    await add_contacts(db, merchant.merchant.id, [Contact(f"p{i}", tags=["t"]) for i in range(7)])
    seen: list[str] = []
    after = None
    while True:
        page = (
            await merchant.client.data(
                CONTACTS, {"first": 3, "after": after, "filter": {"tags": ["t"]}}
            )
        )["contacts"]
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"p{i}" for i in reversed(range(7))]
    too_big = await merchant.client.execute(CONTACTS, {"first": 501})
    assert too_big["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    bad_cursor = await merchant.client.execute(CONTACTS, {"after": "bm90IGEgY3Vyc29y"})
    assert bad_cursor["errors"][0]["extensions"]["field"] == ["after"]


async def test_another_merchants_contacts_and_campaigns_are_never_seen(
    merchant: MerchantAccount, other_merchant: MerchantAccount, db: Database
) -> None:
    await add_contacts(db, merchant.merchant.id, [Contact("mine", tags=["vip"])])
    await add_contacts(db, other_merchant.merchant.id, [Contact("theirs", tags=["vip"])])
    assert await names(merchant.client, {"tags": ["vip"]}) == {"mine"}
    assert await names(other_merchant.client, None) == {"theirs"}
    theirs = await create_campaign(other_merchant.client, name="their_campaign")
    behaviour = {"behaviour": [{"campaignId": theirs["id"], "event": "RECEIVED"}]}
    assert await refusal(merchant.client, behaviour) == [
        ("NOT_FOUND", ["filter", "behaviour", "0", "campaignId"])
    ]


async def test_limits_and_bad_values_are_refused_by_path(merchant: MerchantAccount) -> None:
    campaign = await create_campaign(merchant.client, name="limits")
    clause = {"campaignId": campaign["id"], "event": "READ"}
    refused = await refusal(
        merchant.client,
        {
            "tags": [f"t{i}" for i in range(21)],
            "anyTags": ["ok", "  "],
            "attributes": {"city": {"nested": 1}, "note": "x" * 1025, "n": None},
            "behaviour": [clause, {**clause, "withinDays": 0}, {**clause, "withinDays": 366}],
        },
    )
    assert sorted(refused) == sorted(
        [
            ("INVALID", ["filter", "tags"]),
            ("INVALID_TAG", ["filter", "anyTags", "1"]),
            ("INVALID", ["filter", "attributes", "city"]),
            ("INVALID", ["filter", "attributes", "note"]),
            ("INVALID", ["filter", "attributes", "n"]),
            ("INVALID", ["filter", "behaviour", "1", "withinDays"]),
            ("INVALID", ["filter", "behaviour", "2", "withinDays"]),
        ]
    )
    six = {"behaviour": [clause] * 6}
    assert await refusal(merchant.client, six) == [("INVALID", ["filter", "behaviour"])]
    many = {"attributes": {f"k{i}": i for i in range(21)}}
    assert await refusal(merchant.client, many) == [("INVALID", ["filter", "attributes"])]
    not_an_object = {"attributes": ["city"]}
    assert await refusal(merchant.client, not_an_object) == [("INVALID", ["filter", "attributes"])]
    garbage = {"behaviour": [{"campaignId": "not-an-id", "event": "CLICKED"}]}
    assert await refusal(merchant.client, garbage) == [
        ("NOT_FOUND", ["filter", "behaviour", "0", "campaignId"])
    ]
