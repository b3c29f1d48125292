"""Segments: saved filters with a live size, their contacts, and filling an audience."""

from typing import Any

from sqlalchemy import update

from db.database import Database
from db.enums import CampaignStatus
from db.models import CampaignLead
from gql.ids import decode_pk
from tests.conftest import MerchantAccount, RunningEmulator
from tests.gql.helpers import NODE, UPDATE, add_leads, codes, create_campaign, set_status
from tests.gql.segments.support import (
    ADD_FROM_SEGMENT,
    CREATE_SEGMENT,
    DELETE_SEGMENT,
    SEGMENT,
    SEGMENT_CONTACTS,
    SEGMENTS,
    UPDATE_SEGMENT,
    Contact,
    add_contacts,
    create_segment,
)
from tests.gql.sending import SEND, approved_campaign, wait_for_send
from tests.support import GraphQLClient


async def _add(gql: GraphQLClient, campaign_id: str, segment_id: str) -> dict[str, Any]:
    variables = {"campaignId": campaign_id, "segmentId": segment_id}
    result: dict[str, Any] = (await gql.data(ADD_FROM_SEGMENT, variables))[
        "addCampaignLeadsFromSegment"
    ]
    return result


async def test_a_segment_is_saved_counted_live_and_found_by_node(
    merchant: MerchantAccount, db: Database
) -> None:
    gql = merchant.client
    campaign = await create_campaign(gql, name="seg_source")
    clause = {"campaignId": campaign["id"], "event": "CLICKED", "withinDays": 30, "negate": True}
    segment = await create_segment(
        gql,
        " Lisbon VIPs ",
        {"tags": ["vip"], "attributes": {"city": "Lisbon"}, "behaviour": [clause]},
    )
    assert segment["name"] == "Lisbon VIPs"
    assert segment["size"] == 0
    assert segment["filter"] == {
        "tags": ["vip"],
        "anyTags": [],
        "attributes": {"city": "Lisbon"},
        "optedOut": None,
        "behaviour": [clause],
    }, "the filter as given, the campaign by its global id"
    await add_contacts(
        db,
        merchant.merchant.id,
        [
            Contact("ana", tags=["vip"], attributes={"city": "Lisbon"}),
            Contact("bo", tags=["vip"], attributes={"city": "Porto"}),
            Contact("cy", tags=["vip"], attributes={"city": "Lisbon"}),
        ],
    )
    again = (await gql.data(SEGMENT, {"id": segment["id"]}))["segment"]
    assert again["size"] == 2, "counted when asked, not when saved"
    node = (await gql.data(NODE, {"id": segment["id"]}))["node"]
    assert node["id"] == segment["id"]
    page = (await gql.data(SEGMENT_CONTACTS, {"id": segment["id"], "first": 1}))["segment"]
    assert [e["node"]["phone"] for e in page["contacts"]["edges"]] != []
    assert page["contacts"]["pageInfo"]["hasNextPage"] is True


async def test_names_are_required_short_and_unique(merchant: MerchantAccount) -> None:
    gql = merchant.client
    await create_segment(gql, "Everyone")
    for name, expected in (
        ("Everyone", [("DUPLICATE_NAME", ["input", "name"])]),
        ("   ", [("REQUIRED", ["input", "name"])]),
        ("x" * 201, [("INVALID_NAME", ["input", "name"])]),
    ):
        result = (await gql.data(CREATE_SEGMENT, {"input": {"name": name}}))["createSegment"]
        assert (codes(result["errors"]), result["segment"]) == (expected, None)
    other = await create_segment(gql, "Other")
    renamed = (await gql.data(UPDATE_SEGMENT, {"id": other["id"], "input": {"name": "Everyone"}}))[
        "updateSegment"
    ]
    assert codes(renamed["errors"]) == [("DUPLICATE_NAME", ["input", "name"])]
    bad_filter = {
        "name": "Bad",
        "filter": {"behaviour": [{"campaignId": other["id"], "event": "READ"}]},
    }
    refused = (await gql.data(CREATE_SEGMENT, {"input": bad_filter}))["createSegment"]
    assert codes(refused["errors"]) == [
        ("NOT_FOUND", ["input", "filter", "behaviour", "0", "campaignId"])
    ]


async def test_update_keeps_what_is_left_out_and_delete_removes(merchant: MerchantAccount) -> None:
    gql = merchant.client
    segment = await create_segment(gql, "Tagged", {"tags": ["a"]})
    renamed = (
        await gql.data(UPDATE_SEGMENT, {"id": segment["id"], "input": {"name": "Tagged A"}})
    )["updateSegment"]["segment"]
    assert (renamed["name"], renamed["filter"]["tags"]) == ("Tagged A", ["a"])
    refiltered = (
        await gql.data(
            UPDATE_SEGMENT, {"id": segment["id"], "input": {"filter": {"anyTags": ["b"]}}}
        )
    )["updateSegment"]["segment"]
    assert (refiltered["name"], refiltered["filter"]["tags"]) == ("Tagged A", [])
    assert refiltered["filter"]["anyTags"] == ["b"]
    deleted = (await gql.data(DELETE_SEGMENT, {"id": segment["id"]}))["deleteSegment"]
    assert deleted == {"deletedSegmentId": segment["id"], "errors": []}
    assert (await gql.data(SEGMENT, {"id": segment["id"]}))["segment"] is None
    again = (await gql.data(DELETE_SEGMENT, {"id": segment["id"]}))["deleteSegment"]
    assert codes(again["errors"]) == [("NOT_FOUND", ["id"])]


async def test_segments_page_and_stay_with_their_merchant(
    merchant: MerchantAccount, other_merchant: MerchantAccount
) -> None:
    for i in range(3):
        await create_segment(merchant.client, f"S{i}")
    theirs = await create_segment(other_merchant.client, "S0")  # names are per merchant
    first = (await merchant.client.data(SEGMENTS, {"first": 2}))["segments"]
    assert [e["node"]["name"] for e in first["edges"]] == ["S2", "S1"]
    rest = (
        await merchant.client.data(SEGMENTS, {"first": 2, "after": first["pageInfo"]["endCursor"]})
    )["segments"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["S0"]
    assert rest["pageInfo"]["hasNextPage"] is False
    gql = merchant.client
    assert (await gql.data(SEGMENT, {"id": theirs["id"]}))["segment"] is None
    assert (await gql.data(NODE, {"id": theirs["id"]}))["node"] is None
    renamed = await gql.data(UPDATE_SEGMENT, {"id": theirs["id"], "input": {"name": "x"}})
    assert codes(renamed["updateSegment"]["errors"]) == [("NOT_FOUND", ["id"])]
    deleted = (await gql.data(DELETE_SEGMENT, {"id": theirs["id"]}))["deleteSegment"]
    assert codes(deleted["errors"]) == [("NOT_FOUND", ["id"])]
    campaign = await create_campaign(gql, name="not_theirs")
    added = await _add(gql, campaign["id"], theirs["id"])
    assert (added["added"], codes(added["errors"])) == (0, [("NOT_FOUND", ["segmentId"])])


async def test_adding_a_segment_counts_new_and_reactivated_leads_only(
    merchant: MerchantAccount, other_merchant: MerchantAccount, db: Database
) -> None:
    gql = merchant.client
    people = [Contact(f"v{i}", tags=["vip"]) for i in range(5)] + [Contact("plain")]
    await add_contacts(db, merchant.merchant.id, people)
    await add_contacts(db, other_merchant.merchant.id, [Contact("theirs", tags=["vip"])])
    campaign = await create_campaign(gql, name="from_segment")
    segment = await create_segment(gql, "VIPs", {"tags": ["vip"]})
    already = await add_leads(gql, campaign["id"], [{"phone": people[0].phone}])
    assert already["errors"] == []
    inactive = await add_leads(gql, campaign["id"], [{"phone": people[1].phone}])
    async with db.transaction() as session:
        await session.execute(
            update(CampaignLead)
            .where(CampaignLead.id == decode_pk(inactive["leads"][0]["id"], "CampaignLead"))
            .values(active=False)
        )
    added = await _add(gql, campaign["id"], segment["id"])
    assert added == {"added": 4, "errors": []}, "3 new, 1 reactivated; the active one not"
    assert (await _add(gql, campaign["id"], segment["id"]))["added"] == 0
    data = await gql.data(
        "query($id: ID!) { campaign(id: $id) { leads(first: 50) { edges { node {"
        " active conversationUser { name } } } } } }",
        {"id": campaign["id"]},
    )
    leads = data["campaign"]["leads"]["edges"]
    assert sorted(e["node"]["conversationUser"]["name"] for e in leads) == [
        f"v{i}" for i in range(5)
    ]
    assert all(e["node"]["active"] for e in leads)


async def test_the_campaign_must_take_leads(merchant: MerchantAccount, db: Database) -> None:
    gql = merchant.client
    segment = await create_segment(gql, "All")
    archived = await create_campaign(gql, name="archived_one")
    await set_status(db, archived["id"], CampaignStatus.ARCHIVED)
    result = await _add(gql, archived["id"], segment["id"])
    assert codes(result["errors"]) == [("ARCHIVED", ["campaignId"])]
    old = await create_campaign(gql, name="versioned")
    await set_status(db, old["id"], CampaignStatus.APPROVED)
    edited = await gql.data(
        UPDATE, {"id": old["id"], "input": {"body": "Hi {{lead_name}}, new words here today!"}}
    )
    assert edited["updateCampaign"]["errors"] == []
    result = await _add(gql, old["id"], segment["id"])
    assert codes(result["errors"]) == [("NOT_HEAD_VERSION", ["campaignId"])]
    missing = await _add(gql, "bm9wZQ==", segment["id"])
    assert codes(missing["errors"]) == [("NOT_FOUND", ["campaignId"])]


async def test_an_opted_out_contact_added_from_a_segment_is_skipped_at_send(
    merchant: MerchantAccount, emulator: RunningEmulator, db: Database
) -> None:
    people = [Contact("in", tags=["fans"]), Contact("out", tags=["fans"], opted_out=True)]
    await add_contacts(db, merchant.merchant.id, people)
    campaign = await approved_campaign(
        merchant,
        emulator,
        [],
        name="fans_blast",
        body="Hi {{lead_name}}, our fan sale starts today!",
    )
    segment = await create_segment(merchant.client, "Fans", {"tags": ["fans"]})
    assert (await _add(merchant.client, campaign["id"], segment["id"]))["added"] == 2
    started = (await merchant.client.data(SEND, {"id": campaign["id"]}))["sendCampaign"]
    assert started["errors"] == []
    send = await wait_for_send(merchant, started["send"]["id"])
    assert (send["total"], send["skipped"]) == (2, 1)
    data = await merchant.client.data(
        "query($id: ID!) { campaign(id: $id) { messages(first: 10) { edges { node {"
        " skippedReason lead { conversationUser { name } } } } } } }",
        {"id": campaign["id"]},
    )
    reasons = {
        e["node"]["lead"]["conversationUser"]["name"]: e["node"]["skippedReason"]
        for e in data["campaign"]["messages"]["edges"]
    }
    assert reasons == {"in": None, "out": "opted_out"}
