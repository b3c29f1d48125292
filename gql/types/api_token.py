"""A merchant's API token as the merchant sees it: never its secret."""

from datetime import datetime

import strawberry

from db import models
from gql.types.rows import node_from_row


@strawberry.type(description="A named API token; its secret is shown once, when created.")
class ApiToken:
    id: strawberry.ID
    name: str
    prefix: str = strawberry.field(
        description="The token's first characters, to tell tokens apart (`cmp_` alone for "
        "tokens issued before tokens had names)."
    )
    created_at: datetime
    last_used_at: datetime | None = strawberry.field(
        description="When it was last used, to the minute (recorded at most once a minute)."
    )
    revoked_at: datetime | None

    @classmethod
    def from_model(cls, model: models.ApiToken) -> "ApiToken":
        return node_from_row(cls, model)
