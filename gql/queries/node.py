"""The viewer, Relay's `node`, and sends by id."""

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.ids import decode_pk
from gql.nodes import load_node
from gql.types.common import Node
from gql.types.people import Merchant, Viewer
from gql.types.send import CampaignSend


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
