"""The ASGI app: /_emulator/ is the admin API (behind the main account's HTTP Basic
credentials); every other path is Twilio's, served as
latency -> HTTP Basic auth -> 429 / 5xx faults -> OpenAPI validation -> account scope ->
handler -> timeout faults, with every refusal in Twilio's error body."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from emulator import (
    accounts_api,
    admin,
    approvals,
    auth,
    content_api,
    delivery,
    faults,
    keys_api,
    messages_api,
)
from emulator.config import EmulatorConfig
from emulator.core import Emulator
from emulator.errors import TwilioError
from emulator.openapi import Operation, RawRequest, Validated
from emulator.state import Account, ApiKey, ReceivedRequest

Handler = Callable[[Emulator, Validated], Awaitable[Response]]
HANDLERS: dict[str, Handler] = {
    **accounts_api.HANDLERS,
    **content_api.HANDLERS,
    **keys_api.HANDLERS,
    **messages_api.HANDLERS,
}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def create_app(config: EmulatorConfig | Emulator | None = None) -> Starlette:
    emulator = config if isinstance(config, Emulator) else Emulator(config or EmulatorConfig())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        emulator.start()
        # With a state file: reviews and messages a previous run left on their way go on.
        approvals.resume(emulator)
        delivery.resume(emulator)
        yield
        await emulator.aclose()

    app = Starlette(
        routes=[
            Mount(
                "/_emulator",
                routes=admin.routes,
                middleware=[Middleware(admin.RequireCredentials)],
            ),
            Route("/{path:path}", twilio_api, methods=METHODS),
        ],
        lifespan=lifespan,
    )
    app.state.emulator = emulator
    return app


async def twilio_api(request: Request) -> Response:
    emulator: Emulator = request.app.state.emulator
    fault: str | None = None
    if emulator.knobs.latency_ms:
        await asyncio.sleep(emulator.knobs.latency_ms / 1000)
    try:
        caller, key = _authenticate(emulator, request)
        response, fault = await _serve(emulator, request, caller, key)
    except TwilioError as error:
        response = error.response()
        fault = error.fault
    except ClientDisconnect:
        # The client hung up before its body arrived (a process stopping mid-request):
        # nothing was done and nobody reads an answer, so it is no server error.
        response, fault = Response(status_code=400), "client_disconnected"
    emulator.state.requests.append(
        ReceivedRequest(
            request.method, request.url.path, request.url.query, response.status_code, fault
        )
    )
    return response


async def _serve(
    emulator: Emulator, request: Request, caller: Account, key: ApiKey | None
) -> tuple[Response, str | None]:
    throttle = faults.throttled(emulator)
    if throttle is not None:
        raise throttle
    error_after = emulator.chance(emulator.knobs.error_rate)
    path, method = request.url.path, request.method
    operation = emulator.specs.match(method, path)
    limited = faults.over_content_limit(
        emulator, operation.operation_id, operation.server, caller.sid
    )
    if limited is not None:
        raise limited
    creates_message = operation.operation_id == "CreateMessage"
    # A 5xx before any work, except half of those on a message create: in doubt, as on Twilio.
    if error_after and not (creates_message and emulator.rng.random() < 0.5):
        raise faults.server_error(emulator)
    query = {key: request.query_params.getlist(key) for key in request.query_params}
    raw = RawRequest(method, path, query, _headers(request), await request.body())
    validated = emulator.specs.validate(operation, raw)
    validated.caller = caller.sid
    account = validated.path.get("AccountSid")
    auth.check_key_scope(key, operation.operation_id, account)
    if account is not None and auth.acting_on(emulator, caller, account, path).status != "active":
        # The main account's credentials on a suspended or closed subaccount's resources:
        # refused as that subaccount's own credentials are (Twilio's 20003 causes).
        raise auth.refusal(auth.API_REALM)
    handler = HANDLERS.get(operation.operation_id)
    if handler is None:
        raise TwilioError(501, 20500, f"{operation.operation_id} is not emulated")
    response = await _handle(emulator, handler, operation, validated)
    if error_after:
        return faults.server_error(emulator).response(), "error_after_create"
    if creates_message:
        late = faults.timed_out(emulator, response)
        if late is not None:
            return late, f"timeout_{emulator.knobs.timeout_mode}"
    return response, None


async def _handle(
    emulator: Emulator, handler: Handler, operation: Operation, validated: Validated
) -> Response:
    try:
        return await handler(emulator, validated)
    except (KeyError, TypeError, ValueError, AttributeError):
        # A request left unjudged (`--validate sample|off`) that the handler cannot read:
        # openapi-core says why, in Twilio's body, instead of a 500.
        if validated.checked or validated.raw is None:
            raise
        emulator.specs.judge(operation, validated.raw)
        raise


def _headers(request: Request) -> dict[str, str]:
    """dict(request.headers) in one pass: that looks every key up again in the raw list.
    Keys are lower case; a repeated header keeps its first value, as there."""
    headers: dict[str, str] = {}
    for key, value in request.headers.raw:
        headers.setdefault(key.decode("latin-1"), value.decode("latin-1"))
    return headers


def _authenticate(emulator: Emulator, request: Request) -> tuple[Account, ApiKey | None]:
    caller = auth.identify(emulator, request.headers.get("Authorization", ""))
    if caller is None:
        raise auth.refusal(auth.API_REALM)
    return caller
