import strawberry

from gql.context import AUTHENTICATED, Info
from gql.errors import in_transaction
from gql.types.api_token import ApiToken
from gql.types.common import UserError
from services.merchants.tokens import TokenService


@strawberry.input
class CreateApiTokenInput:
    name: str = strawberry.field(description="1 to 64 characters, unique among live tokens.")


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiToken | None
    secret: str | None = strawberry.field(
        description="The token to send as `Authorization: Bearer …`; shown this once only."
    )
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Issue a new API token for the merchant. Errors: INVALID_NAME, DUPLICATE_NAME.",
)
async def create_api_token(info: Info, input: CreateApiTokenInput) -> CreateApiTokenPayload:
    context = info.context
    issued = await in_transaction(
        context,
        lambda session: TokenService(session).issue(
            context.merchant_id, input.name, ("input", "name")
        ),
    )
    return CreateApiTokenPayload(
        api_token=ApiToken.from_model(issued.token), secret=issued.secret, errors=[]
    )
