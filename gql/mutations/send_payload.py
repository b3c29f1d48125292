"""The payload every send mutation returns."""

import strawberry

from gql.types.common import UserError
from gql.types.send import CampaignSend


@strawberry.type
class CampaignSendPayload:
    send: CampaignSend | None
    errors: list[UserError]
