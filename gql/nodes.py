"""Relay's `node(id:)`: which loader answers for each type a global id can name.

A global id is base64("TypeName:primary key") (gql/ids.py); the type name picks the entry
here. Loaders are the merchant's own, so another merchant's id finds nothing."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from strawberry.dataloader import DataLoader

from gql.context import Context
from gql.ids import decode_id
from gql.loaders import Loaders
from gql.queries.contact_imports import load_contact_import
from gql.types.accounts import Sender
from gql.types.campaign import Campaign
from gql.types.common import Node
from gql.types.lead import CampaignLead, CampaignLeadMessage
from gql.types.people import ConversationUser, Merchant, Message
from gql.types.segments import Segment
from gql.types.send import CampaignSend

M = TypeVar("M")
NodeLoader = Callable[[Context, int], Awaitable[Node | None]]


def _loaded(
    loader: Callable[[Loaders], DataLoader[int, M | None]], to_node: Callable[[M], Node]
) -> NodeLoader:
    async def load(context: Context, pk: int) -> Node | None:
        found = await loader(context.loaders).load(pk)
        return None if found is None else to_node(found)

    return load


async def _merchant(context: Context, pk: int) -> Node | None:
    # A merchant sees itself only.
    merchant = context.merchant
    return Merchant.from_model(merchant) if merchant is not None and merchant.id == pk else None


NODE_LOADERS: dict[str, NodeLoader] = {
    "Campaign": _loaded(lambda loaders: loaders.campaign, Campaign.from_model),
    "CampaignLead": _loaded(lambda loaders: loaders.lead, CampaignLead.from_model),
    "CampaignLeadMessage": _loaded(
        lambda loaders: loaders.ledger_row, CampaignLeadMessage.from_model
    ),
    "CampaignSend": _loaded(lambda loaders: loaders.send, CampaignSend.from_model),
    "ContactImport": load_contact_import,
    "ConversationUser": _loaded(lambda loaders: loaders.person, ConversationUser.from_model),
    "Message": _loaded(lambda loaders: loaders.message, Message.from_model),
    "Merchant": _merchant,
    "Segment": _loaded(lambda loaders: loaders.segment, Segment.from_model),
    "Sender": _loaded(lambda loaders: loaders.sender, Sender.from_model),
}


async def load_node(context: Context, global_id: str) -> Node | None:
    """The object the id names, or None for a malformed id, an unknown type or a row the
    merchant cannot see."""
    decoded = decode_id(global_id)
    if decoded is None:
        return None
    type_name, pk = decoded
    load = NODE_LOADERS.get(type_name)
    return None if load is None else await load(context, pk)
