"""Per-request context: the database, the authenticated merchant and the DataLoaders."""

from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeAlias

import strawberry
from strawberry.permission import BasePermission

from db.database import Database
from db.models import Merchant
from db.shared_session import SharedSession
from gql.loaders import Loaders
from jobs.runtime import Runtime
from services.errors import ErrorCode, ServiceError
from services.events.bus import EventBus
from services.settings import Settings
from services.twilio.gateway import TwilioGateway


@dataclass
class Context:
    runtime: Runtime
    merchant: Merchant | None
    token_id: int | None = None  # which of the merchant's tokens the request came with
    # Set by strawberry from a WebSocket's connection_init payload.
    connection_params: dict[str, Any] | None = None

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def bus(self) -> EventBus:
        return self.runtime.bus

    @property
    def gateway(self) -> TwilioGateway:
        if self.runtime.gateway is None:
            raise ServiceError.single(
                ErrorCode.TWILIO_UNAVAILABLE, "Twilio is not configured on this server."
            )
        return self.runtime.gateway

    async def merchant_gateway(self) -> TwilioGateway:
        """The gateway of the merchant's own Twilio account (the platform's if it has none)."""
        gateways = self.runtime.gateways
        if gateways is None:
            return self.gateway  # refuses: Twilio is not configured
        return await gateways.of_merchant(self.db, self.merchant_id)

    @property
    def merchant_id(self) -> int:
        if self.merchant is None:  # guarded by IsAuthenticated on every root field
            raise PermissionError("not authenticated")
        return self.merchant.id

    @cached_property
    def reads(self) -> SharedSession | None:
        """The request's read session, shared by its loaders and resolvers (None for a
        request without a merchant: nothing of a merchant's is read)."""
        return None if self.merchant is None else self.db.shared_reads()

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.db, self.merchant_id, self.reads)

    def fresh_loaders(self) -> Loaders:
        """A subscription's context lives as long as its WebSocket, across many changes:
        each event must read through new loaders, nested fields included."""
        self.__dict__["loaders"] = loaders = Loaders(self.db, self.merchant_id, self.reads)
        return loaders


class IsAuthenticated(BasePermission):
    message = "Authentication required: send `Authorization: Bearer <token>`."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(
        self, source: Any, info: strawberry.Info[Context, None], **kwargs: Any
    ) -> bool:
        return info.context.merchant is not None


# What every resolver and extension here is given: the request's Context, no root value.
Info: TypeAlias = strawberry.Info[Context, None]

AUTHENTICATED: list[type[BasePermission]] = [IsAuthenticated]
