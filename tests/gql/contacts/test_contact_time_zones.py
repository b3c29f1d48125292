"""A contact's own time zone (timeZone) over the one its phone number implies."""

from typing import Any

from tests.gql.contacts.support import CREATE, UPDATE, create, created, mutate
from tests.gql.helpers import codes
from tests.support import GraphQLClient

ZONES = "id phone timeZone localTimeZone"
ZONE_OF = f"""query($id: ID!) {{
  node(id: $id) {{ ... on ConversationUser {{ {ZONES} }} }}
}}"""
CREATE_ZONES = CREATE.replace("contacts { ", f"contacts {{ {ZONES} ", 1)
UPDATE_ZONES = UPDATE.replace("contacts { ", f"contacts {{ {ZONES} ", 1)
US_WEST = "America/Los_Angeles"  # +1 415: San Francisco


async def zones_of(gql: GraphQLClient, contact_id: str) -> tuple[str | None, str]:
    node: dict[str, Any] = (await gql.data(ZONE_OF, {"id": contact_id}))["node"]
    return node["timeZone"], node["localTimeZone"]


async def updated_zone(gql: GraphQLClient, contact: dict[str, Any]) -> dict[str, Any]:
    result = await mutate(gql, UPDATE_ZONES, contacts=[contact])
    assert result["errors"] == [], result["errors"]
    person: dict[str, Any] = result["contacts"][0]
    return person


async def test_a_contact_without_a_zone_has_its_phone_numbers(gql: GraphQLClient) -> None:
    [ana] = await created(gql, [{"phone": "+14155550301"}])
    assert await zones_of(gql, ana["id"]) == (None, US_WEST)


async def test_a_zone_is_set_read_back_kept_and_cleared(gql: GraphQLClient) -> None:
    result = await mutate(
        gql, CREATE_ZONES, contacts=[{"phone": "+14155550302", "timeZone": "Europe/Lisbon"}]
    )
    assert result["errors"] == []
    [ana] = result["contacts"]
    assert (ana["timeZone"], ana["localTimeZone"]) == ("Europe/Lisbon", "Europe/Lisbon")
    assert await zones_of(gql, ana["id"]) == ("Europe/Lisbon", "Europe/Lisbon")

    # Left out, in either mutation, it stays.
    await created(gql, [{"phone": "+14155550302", "name": "Ana"}])
    kept = await updated_zone(gql, {"id": ana["id"], "tags": ["vip"]})
    assert kept["timeZone"] == "Europe/Lisbon"

    moved = await updated_zone(gql, {"id": ana["id"], "timeZone": "Asia/Tokyo"})
    assert (moved["timeZone"], moved["localTimeZone"]) == ("Asia/Tokyo", "Asia/Tokyo")
    cleared = await updated_zone(gql, {"id": ana["id"], "timeZone": None})
    assert (cleared["timeZone"], cleared["localTimeZone"]) == (None, US_WEST)
    assert await zones_of(gql, ana["id"]) == (None, US_WEST)

    await updated_zone(gql, {"id": ana["id"], "timeZone": "Asia/Tokyo"})
    assert (await updated_zone(gql, {"id": ana["id"], "timeZone": ""}))["timeZone"] is None
    again = await mutate(
        gql, CREATE_ZONES, contacts=[{"phone": "+14155550302", "timeZone": "Europe/Paris"}]
    )
    assert again["contacts"][0]["timeZone"] == "Europe/Paris", "createContacts replaces it"
    await mutate(gql, CREATE_ZONES, contacts=[{"phone": "+14155550302", "timeZone": None}])
    assert await zones_of(gql, ana["id"]) == (None, US_WEST)


async def test_an_unknown_zone_is_refused_and_nothing_changes(gql: GraphQLClient) -> None:
    result = await create(
        gql,
        [
            {"phone": "+14155550303", "timeZone": "Mars/Olympus_Mons"},
            {"phone": "+14155550304", "timeZone": "Europe/Berlin"},
        ],
    )
    assert codes(result["errors"]) == [("UNKNOWN_TIME_ZONE", ["contacts", "0", "timeZone"])]
    assert "Mars/Olympus_Mons" in result["errors"][0]["message"]
    [berlin] = result["contacts"]
    assert berlin["phone"] == "+14155550304", "the valid contact is still written"

    refused = await mutate(
        gql, UPDATE_ZONES, contacts=[{"id": berlin["id"], "timeZone": "europe/berlin "}]
    )
    assert codes(refused["errors"]) == [("UNKNOWN_TIME_ZONE", ["contacts", "0", "timeZone"])]
    assert refused["contacts"] == []
    assert await zones_of(gql, berlin["id"]) == ("Europe/Berlin", "Europe/Berlin")


async def test_an_indian_number_is_in_indias_zone(gql: GraphQLClient) -> None:
    [ravi] = await created(gql, [{"phone": "+919876543210"}])
    zone, local = await zones_of(gql, ravi["id"])
    assert zone is None
    assert local in {"Asia/Calcutta", "Asia/Kolkata"}
