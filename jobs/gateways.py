"""The process's Twilio gateways: the platform's, and one per merchant account in use.

A merchant's gateway is made the first time one of its messages or templates needs it,
from the credentials its route carries (services/accounts/routing.py), and kept: its SDK
client and HTTP connections are reused by every later call. Credentials that changed
(a merchant connected another account, or a token was rotated) replace it. All are
closed at shutdown.
"""

import logging

from db.database import Database
from services.accounts.credentials import TwilioCredentials
from services.accounts.routing import TwilioRoute, twilio_route
from services.settings import Settings
from services.twilio.gateway import TwilioGateway

logger = logging.getLogger(__name__)


class GatewayPool:
    def __init__(self, settings: Settings, platform: TwilioGateway) -> None:
        self.settings = settings
        self.platform = platform
        self._accounts: dict[str, tuple[TwilioCredentials, TwilioGateway]] = {}
        self._retired: list[TwilioGateway] = []

    def of(self, route: TwilioRoute | None) -> TwilioGateway:
        """The gateway of the route's account (the platform's when it has none)."""
        if route is None or route.account_sid is None or route.credentials is None:
            return self.platform
        known = self._accounts.get(route.account_sid)
        if known is not None and known[0] == route.credentials:
            return known[1]
        if known is not None:
            # Calls in flight may still use the old one: it is closed at shutdown.
            self._retired.append(known[1])
        username, password = route.credentials.basic_auth(route.account_sid)
        gateway = TwilioGateway.for_account(
            self.settings, route.account_sid, username, password, route.sender
        )
        self._accounts[route.account_sid] = (route.credentials, gateway)
        return gateway

    async def of_merchant(self, db: Database, merchant_id: int) -> TwilioGateway:
        """The gateway of the merchant's account, read now (no transaction stays open)."""
        async with db.session() as session:
            route = await twilio_route(session, self.settings, merchant_id)
        return self.of(route)

    def account_sid_of(self, route: TwilioRoute) -> str:
        """The SID of the account a route's messages go through (the platform's too)."""
        return route.account_sid or self.platform.account_sid

    async def close(self) -> None:
        gateways = [self.platform, *(g for _, g in self._accounts.values()), *self._retired]
        self._accounts.clear()
        self._retired.clear()
        for gateway in gateways:
            try:
                await gateway.close()
            except Exception:
                logger.exception("closing a Twilio gateway failed")
