"""Twilio credentials, encrypted at rest with Fernet (AES-128-CBC and HMAC-SHA256).

CAMPAIGNS_CREDENTIALS_KEY holds one or more Fernet keys, comma-separated, newest first:
new credentials are encrypted with the first, and any of them decrypts (MultiFernet), so a
key is rotated by putting a new one in front. Without a key nothing is stored or read:
the merchant is told so with a code (CREDENTIALS_UNAVAILABLE), never a 500.
"""

import json
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from services.errors import ErrorCode, ServiceError
from services.settings import Settings

KEY_SETTING = "CAMPAIGNS_CREDENTIALS_KEY"


@dataclass(frozen=True)
class TwilioCredentials:
    """What authenticates calls to one account: its auth token, an API key, or both (the
    API key for calls, the auth token to check the account's webhook signatures)."""

    auth_token: str | None = field(default=None, repr=False)
    api_key_sid: str | None = None
    api_key_secret: str | None = field(default=None, repr=False)

    def basic_auth(self, account_sid: str) -> tuple[str, str]:
        """HTTP Basic username and password for API calls: the API key if there is one."""
        if self.api_key_sid and self.api_key_secret:
            return self.api_key_sid, self.api_key_secret
        if self.auth_token:
            return account_sid, self.auth_token
        raise ValueError("credentials without an auth token or an API key")


def _unavailable(reason: str) -> ServiceError:
    return ServiceError.single(
        ErrorCode.CREDENTIALS_UNAVAILABLE,
        f"This server cannot store or read Twilio credentials: {reason}. Its operator sets "
        f"{KEY_SETTING} (see README, Twilio accounts and senders).",
    )


class CredentialsCipher:
    def __init__(self, keys: str) -> None:
        try:
            self._fernet = MultiFernet([Fernet(key.strip()) for key in keys.split(",")])
        except ValueError:
            raise _unavailable(f"{KEY_SETTING} is not a list of Fernet keys") from None

    @classmethod
    def from_settings(cls, settings: Settings) -> "CredentialsCipher":
        if settings.credentials_key is None or not settings.credentials_key.get_secret_value():
            raise _unavailable(f"{KEY_SETTING} is not set")
        return cls(settings.credentials_key.get_secret_value())

    def encrypt(self, credentials: TwilioCredentials) -> bytes:
        values = {
            "auth_token": credentials.auth_token,
            "api_key_sid": credentials.api_key_sid,
            "api_key_secret": credentials.api_key_secret,
        }
        plain = json.dumps({k: v for k, v in values.items() if v is not None})
        return self._fernet.encrypt(plain.encode())

    def decrypt(self, token: bytes) -> TwilioCredentials:
        try:
            values = json.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise _unavailable(f"none of the keys in {KEY_SETTING} decrypts them") from None
        return TwilioCredentials(
            auth_token=values.get("auth_token"),
            api_key_sid=values.get("api_key_sid"),
            api_key_secret=values.get("api_key_secret"),
        )

    def rotate(self, token: bytes) -> bytes:
        """The same credentials under the newest key."""
        return self._fernet.rotate(token)
