"""Every request is checked against Twilio's own OpenAPI specs before a handler sees it.

openapi-core is the judge (path templates, methods, parameter casting and schemas, form and
JSON bodies, `additionalProperties: false` under a content type); this module feeds it the
requests and turns its findings into Twilio's error codes. Twilio's custom formats
(`phone-number`, `date-time-rfc-2822`, ...) are documentation, not checks: Twilio itself
accepts `DateSent>=2024-01-01` for a `date-time`, so they are all accepted here and the
handlers check the few values Twilio really refuses (To, From, StatusCallback, ...).

Asking openapi-core costs ~10 ms of CPU a request (it re-resolves the specs each time), so
the requests it would accept are recognised by emulator.compiled instead: the same schemas,
validator class and format checker, compiled once per operation, in tens of microseconds.
A request that does not pass there goes to openapi-core as before, and its findings make
the refusal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.casting.schemas.exceptions import CastError
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import (
    MissingRequiredParameter,
    MissingRequiredRequestBody,
    ParameterValidationError,
    RequestBodyValidationError,
    SecurityValidationError,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from werkzeug.datastructures import Headers, ImmutableMultiDict

from emulator.compiled import Result, Route, SpecRouter
from emulator.errors import TwilioError, bad_request, not_found

SPEC_FILES = ("twilio_api_v2010.json", "twilio_content_v1.json", "twilio_events_v1.json")
_LENIENT_FORMATS = (
    "phone-number", "date-time-rfc-2822", "date-time", "date", "uri", "uri-map", "http-method",
    "iso-country-code", "currency", "phone-number-capabilities", "endpoint", "twiml", "ice-server",
)  # fmt: skip

# Which Twilio code a refused parameter gets; the rest get 20001 (invalid parameter).
PARAMETER_CODES = {
    "To": 21211,
    "From": 21212,
    "StatusCallback": 21609,
    "ContentSid": 21655,
    "ContentVariables": 21656,
}
MISSING_CODES = {"To": 21604}


@dataclass
class Operation:
    """A request matched to one operation of one spec."""

    operation_id: str
    server: str
    api: OpenAPI
    # Where the compiled router found it, with the path's variables; None when
    # openapi-core's own finder did (then openapi-core validates too).
    route: Route | None = None
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class Validated:
    operation_id: str
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any


class _Request:
    """The request as openapi-core reads it, on the spec's own server (not our host)."""

    def __init__(
        self,
        server: str,
        method: str,
        path: str,
        query: ImmutableMultiDict[str, str],
        headers: Headers,
        body: bytes | None,
    ) -> None:
        self.host_url = server
        self.path = path
        self.method = method.lower()
        self.body = body
        self.content_type = headers.get("Content-Type", "application/octet-stream")
        self.parameters = RequestParameters(query=query, header=headers)


class SpecSet:
    def __init__(self, specs_dir: Path, cross_check: bool = False) -> None:
        # Twilio's formats are accepted as they are (see the module docstring)...
        lenient: dict[str, Any] = {name: lambda _value: True for name in _LENIENT_FORMATS}
        # ...and left as the strings they came as (no datetime for a `date-time`).
        keep = {name: lambda value: value for name in _LENIENT_FORMATS}
        # The specs are Twilio's published ones: checking them at every start costs seconds
        # and proves nothing new, so the spec validator is off.
        config = Config(
            spec_validator_cls=None,
            extra_format_validators=lenient,
            extra_format_unmarshallers=keep,
        )
        self._apis: list[tuple[str, OpenAPI]] = []
        for name in SPEC_FILES:
            spec = json.loads((specs_dir / name).read_text(encoding="utf-8"))
            server = spec["servers"][0]["url"]
            self._apis.append((server, OpenAPI.from_dict(spec, config=config)))
        self._routers = [
            SpecRouter(server, api, frozenset(_LENIENT_FORMATS)) for server, api in self._apis
        ]
        # Tests: also ask openapi-core about every request and fail on any difference.
        self.cross_check = cross_check
        # Requests that openapi-core judged though compiled checks exist (refusals, and
        # what emulator.compiled does not model); `misses`: those it then accepted, each a
        # request that paid openapi-core's price for nothing.
        self.fallbacks = 0
        self.misses = 0

    def routes(self) -> Iterator[tuple[str, str, Route]]:
        """(path template, lower-case method, route) for every operation of the specs."""
        for router in self._routers:
            yield from router.routes()

    def match(self, method: str, path: str) -> Operation:
        """The operation for a path and method; 404 for an unknown path, 405 for a method."""
        for router in self._routers:
            found = router.find(method, path)
            if found is not None:
                route, variables = found
                operation = Operation(route.operation_id, route.server, route.api, route, variables)
                if self.cross_check:
                    try:
                        slow = self._find(method, path)
                    except TwilioError as refusal:
                        raise AssertionError(
                            f"compiled router found {route.operation_id} for {method} {path}, "
                            f"openapi-core refused: {refusal}"
                        ) from None
                    _assert_same_operation(operation, slow, method, path)
                return operation
        return self._find(method, path)

    def _find(self, method: str, path: str) -> Operation:
        """openapi-core's path finder, spec after spec: what decides a 404 or a 405."""
        wrong_method = False
        for server, api in self._apis:
            try:
                found = APICallPathFinder(api.spec).find(method.lower(), server + path)
            except OperationNotFound:
                wrong_method = True
                continue
            except PathNotFound:
                continue
            return Operation(str(found.operation["operationId"]), server, api)
        if wrong_method:
            raise TwilioError(405, 20004, f"Method {method} not allowed for {path}")
        raise not_found(path)

    def validate(
        self,
        operation: Operation,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Validated:
        compiled = operation.route.compiled() if operation.route is not None else None
        if compiled is None:
            return self._validate(operation, method, path, query, headers, body)
        try:
            fast = compiled.validate(path, operation.variables, query, headers, body)
        except Exception:  # a refusal, or a request it does not model: ask openapi-core
            self.fallbacks += 1
            validated = self._validate(operation, method, path, query, headers, body)
            self.misses += 1
            return validated
        if self.cross_check:
            try:
                slow = self._validate(operation, method, path, query, headers, body)
            except TwilioError as refusal:
                raise AssertionError(
                    f"compiled validation accepted {method} {path}, openapi-core refused: {refusal}"
                ) from None
            _assert_same_result(fast, slow, method, path)
        return Validated(operation.operation_id, fast.path, fast.query, fast.body)

    def _validate(
        self,
        operation: Operation,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Validated:
        """openapi-core on the whole request: its findings become Twilio's refusal."""
        request = _Request(
            operation.server,
            method,
            path,
            ImmutableMultiDict([(k, v) for k, values in query.items() for v in values]),
            Headers(list(headers.items())),
            body or None,
        )
        result = operation.api.unmarshal_request(request)
        # Credentials were checked before validation, as Twilio does: 401 comes first.
        errors = [e for e in result.errors if not isinstance(e, SecurityValidationError)]
        if errors:
            raise _twilio_error(errors[0], path)
        return Validated(
            operation.operation_id,
            dict(result.parameters.path),
            dict(result.parameters.query),
            result.body,
        )

    def response_errors(
        self, method: str, path: str, query: str, status: int, body: bytes, content_type: str
    ) -> list[str]:
        """What is wrong with one of our answers, per the spec's response schema (for tests)."""
        operation = self.match(method, path)
        request = MockRequest(operation.server, method.lower(), path, args=_query_dict(query))
        response = MockResponse(body, status_code=status, content_type=content_type)
        result = operation.api.unmarshal_response(request, response)
        return [_describe(e) for e in result.errors]


def _assert_same_operation(fast: Operation, slow: Operation, method: str, path: str) -> None:
    if (fast.operation_id, fast.server) != (slow.operation_id, slow.server):
        raise AssertionError(
            f"compiled router: {method} {path} is {fast.operation_id} on {fast.server}, "
            f"openapi-core says {slow.operation_id} on {slow.server}"
        )


def _assert_same_result(fast: Result, slow: Validated, method: str, path: str) -> None:
    """Same values, types and key order as openapi-core's (JSON keeps all three)."""
    ours = json.dumps([fast.path, fast.query, fast.body], default=repr)
    theirs = json.dumps([slow.path, slow.query, slow.body], default=repr)
    if ours != theirs:
        raise AssertionError(
            f"compiled validation of {method} {path}: {ours}; openapi-core: {theirs}"
        )


def _query_dict(query: str) -> dict[str, str]:
    return dict(parse_qsl(query))


def _describe(error: BaseException) -> str:
    cause = error.__cause__
    if isinstance(cause, InvalidSchemaValue):
        return _cause_text(cause)
    return f"{type(error).__name__}: {cause or error}"


def _twilio_error(error: BaseException, path: str) -> TwilioError:
    cause = error.__cause__
    if isinstance(error, MissingRequiredParameter):
        return bad_request(
            20001, f"Missing required parameter {error.name} in the {error.location}"
        )
    if isinstance(error, ParameterValidationError):
        if error.location == "path":
            # A malformed Sid in the path is, for Twilio, a resource that does not exist.
            return not_found(path)
        return bad_request(20001, f"Invalid parameter {error.name}: {_cause_text(cause)}")
    if isinstance(error, MissingRequiredRequestBody):
        return bad_request(20001, "Request input may be invalid: a body is required")
    if isinstance(error, RequestBodyValidationError):
        return _body_error(cause)
    return bad_request(20001, f"Request input may be invalid: {error}")


def _body_error(cause: BaseException | None) -> TwilioError:
    if isinstance(cause, InvalidSchemaValue):
        # jsonschema's ValidationError; openapi-core types them as plain exceptions.
        first: Any = next(iter(cause.schema_errors))
        where = [str(p) for p in first.absolute_path]
        if first.validator == "required":
            missing = str(first.message).split("'")[1] if "'" in first.message else ""
            code = MISSING_CODES.get(missing, 20001)
            return bad_request(code, f"Missing required parameter {missing}")
        code = PARAMETER_CODES.get(where[0] if where else "", 20001)
        return bad_request(code, f"Invalid parameter {'/'.join(where) or 'body'}: {first.message}")
    if isinstance(cause, CastError):
        return bad_request(20001, f"Invalid parameter value {cause.value!r}: not a {cause.type}")
    # Not JSON under application/json, or an unexpected content type: Twilio's own words.
    return bad_request(20001, f"Request input may be invalid: {cause}")


def _cause_text(cause: BaseException | None) -> str:
    if isinstance(cause, InvalidSchemaValue):
        return "; ".join(str(getattr(e, "message", e)) for e in cause.schema_errors)
    if isinstance(cause, CastError):
        return f"{cause.value!r} is not a {cause.type}"
    return str(cause)
