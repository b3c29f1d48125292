"""The viewer's API tokens."""

import strawberry

from gql.context import AUTHENTICATED, Info
from gql.types.api_token import ApiToken
from services.merchants.tokens import TokenService


@strawberry.type
class ApiTokenQueries:
    @strawberry.field(
        permission_classes=AUTHENTICATED,
        description="The merchant's live API tokens, oldest first (never their secrets).",
    )
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        context = info.context
        tokens = await context.loaders.reads.read(
            lambda session: TokenService(session).list(context.merchant_id)
        )
        return [ApiToken.from_model(token) for token in tokens]
