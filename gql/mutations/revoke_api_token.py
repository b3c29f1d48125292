import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.ids import require_pk
from gql.types.api_token import ApiToken
from gql.types.common import UserError
from services.merchants.tokens import TokenService


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiToken | None
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Revoke one of the merchant's tokens: it stops working on every server "
    "process at once (the token making this request included). Errors: NOT_FOUND.",
)
async def revoke_api_token(info: Info, id: strawberry.ID) -> RevokeApiTokenPayload:
    context = info.context
    pk = require_pk(id, "ApiToken", "Token")
    token = await in_transaction(
        context, lambda session: TokenService(session).revoke(context.merchant_id, pk)
    )
    # This process forgets it now; the others when the commit's NOTIFY reaches them.
    context.runtime.access.tokens.forget(token.id)
    return RevokeApiTokenPayload(api_token=ApiToken.from_model(token), errors=[])
