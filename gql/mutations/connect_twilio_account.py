import strawberry

from gql.context import AUTHENTICATED, Info
from gql.types.accounts import TwilioAccount
from gql.types.common import UserError
from jobs.twilio_accounts import connect_account
from services.accounts.accounts import account_to_connect


@strawberry.input(
    description="An existing Twilio account and its auth token, or an API key of it (an "
    "auth token given too lets its webhooks be verified)."
)
class ConnectTwilioAccountInput:
    account_sid: str = strawberry.field(description="AC followed by 32 hex digits.")
    auth_token: str | None = None
    api_key_sid: str | None = strawberry.field(default=None, description="SK…")
    api_key_secret: str | None = None


@strawberry.type
class ConnectTwilioAccountPayload:
    twilio_account: TwilioAccount | None
    errors: list[UserError]


@strawberry.mutation(
    permission_classes=AUTHENTICATED,
    description="Use the merchant's existing Twilio account. It is fetched with the "
    "credentials given first; only then are they stored (encrypted; never returned). "
    "Replaces the merchant's current account, unless a send is scheduled, running or paused "
    "in it. Errors: INVALID_ACCOUNT_SID, REQUIRED, INVALID_CREDENTIALS, ACCOUNT_IN_USE, "
    "SEND_IN_PROGRESS, CREDENTIALS_UNAVAILABLE, TWILIO_UNAVAILABLE, TWILIO_ERROR.",
)
async def connect_twilio_account(
    info: Info, input: ConnectTwilioAccountInput
) -> ConnectTwilioAccountPayload:
    # Twilio is asked with no transaction open (jobs/twilio_accounts.py).
    context = info.context
    account = account_to_connect(
        input.account_sid, input.auth_token, input.api_key_sid, input.api_key_secret
    )
    stored = await connect_account(
        context.db, context.gateway, context.settings, context.merchant_id, account
    )
    return ConnectTwilioAccountPayload(twilio_account=TwilioAccount.from_model(stored), errors=[])
