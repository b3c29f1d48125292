"""The viewer, Relay's `node`, and sends by id."""

import strawberry

from gql.context import AUTHENTICATED, Context, Info
from gql.ids import decode_id, decode_pk
from gql.types.campaign import Campaign
from gql.types.common import Node
from gql.types.lead import CampaignLead, CampaignLeadMessage
from gql.types.people import ConversationUser, Merchant, Message, Viewer
from gql.types.send import CampaignSend


async def load_node(context: Context, global_id: str) -> Node | None:
    decoded = decode_id(global_id)
    if decoded is None:
        return None
    type_name, pk = decoded
    loaders = context.loaders
    if type_name == "Campaign":
        campaign = await loaders.campaign.load(pk)
        return Campaign.from_model(campaign) if campaign else None
    if type_name == "CampaignLead":
        lead = await loaders.lead.load(pk)
        return CampaignLead.from_model(lead) if lead else None
    if type_name == "CampaignLeadMessage":
        row = await loaders.ledger_row.load(pk)
        return CampaignLeadMessage.from_model(row) if row else None
    if type_name == "CampaignSend":
        send = await loaders.send.load(pk)
        return CampaignSend.from_model(send) if send else None
    if type_name == "ConversationUser":
        person = await loaders.person.load(pk)
        return ConversationUser.from_model(person) if person else None
    if type_name == "Message":
        message = await loaders.message.load(pk)
        return Message.from_model(message) if message else None
    if type_name == "Merchant" and context.merchant is not None and pk == context.merchant.id:
        return Merchant.from_model(context.merchant)
    return None


@strawberry.type
class NodeQueries:
    @strawberry.field(permission_classes=AUTHENTICATED)
    def viewer(self, info: Info) -> Viewer:
        assert info.context.merchant is not None
        return Viewer(merchant=Merchant.from_model(info.context.merchant))

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await load_node(info.context, id)

    @strawberry.field(permission_classes=AUTHENTICATED)
    async def campaign_send(self, info: Info, id: strawberry.ID) -> CampaignSend | None:
        pk = decode_pk(id, "CampaignSend")
        send = await info.context.loaders.send.load(pk) if pk else None
        return CampaignSend.from_model(send) if send else None
