"""Shortcuts for GraphQL tests."""

from typing import Any

from sqlalchemy import update

from db.database import Database
from db.enums import CampaignStatus
from db.models import Campaign
from gql.ids import decode_pk
from tests.gql.operations import contract
from tests.support import GraphQLClient

CREATE = contract("CreateCampaign")
UPDATE = contract("UpdateCampaign")
ARCHIVE = contract("ArchiveCampaign")
CAMPAIGN = contract("Campaign")
CAMPAIGNS = contract("Campaigns")
ADD_LEADS = contract("AddCampaignLeads")
REMOVE_LEADS = contract("RemoveCampaignLeads")
PREVIEW = contract("CampaignPreview")
NODE = contract("Node")


async def create_campaign(gql: GraphQLClient, **fields: Any) -> dict[str, Any]:
    """Create a campaign that must be valid; returns it."""
    data = {"name": "spring_sale", "body": "Hi {{lead_name}}, our spring sale starts today!"}
    data.update(fields)
    result = (await gql.data(CREATE, {"input": data}))["createCampaign"]
    assert result["errors"] == [], result["errors"]
    campaign: dict[str, Any] = result["campaign"]
    return campaign


async def set_status(db: Database, campaign_id: str, status: CampaignStatus) -> None:
    """Stand-in for Twilio's approval, which another part of the system drives."""
    async with db.transaction() as session:
        await session.execute(
            update(Campaign)
            .where(Campaign.id == decode_pk(campaign_id, "Campaign"))
            .values(status=status)
        )


async def add_leads(
    gql: GraphQLClient, campaign_id: str, leads: list[dict[str, Any]]
) -> dict[str, Any]:
    result: dict[str, Any] = (
        await gql.data(ADD_LEADS, {"campaignId": campaign_id, "leads": leads})
    )["addCampaignLeads"]
    return result


def codes(errors: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in errors]
