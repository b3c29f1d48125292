"""Every request is checked against Twilio's own OpenAPI specs before a handler sees it.

openapi-core is the judge (parameter casting and schemas, form and JSON bodies,
`additionalProperties: false` under a content type); this module feeds it the requests and
turns its findings into Twilio's error codes. Twilio's custom formats (`phone-number`,
`date-time-rfc-2822`, ...) are documentation, not checks: Twilio itself accepts
`DateSent>=2024-01-01` for a `date-time`, so they are all accepted here and the handlers
check the few values Twilio really refuses (To, From, StatusCallback, ...).

openapi-core costs 15-20 ms of CPU for a message create, so emulator.fastcheck first
checks the request against the same schemas compiled with fastjsonschema (tens of
microseconds); what it does not accept goes to openapi-core, whose findings make the
refusal. How many requests are checked at all is a setting (`EmulatorConfig.validation`,
`--validate`): `all` (the default and the tests, which with `cross_check` also ask
openapi-core about every request and fail on any difference), `sample` (each operation's
first request, then one in SAMPLE_EVERY) or `off`. The handlers read what `_read` decodes
(path variables, query, form or JSON body), checked or not, so a request means the same
whatever the setting; an unchecked request that a handler cannot read (a missing field, a
wrong type) is judged then (emulator.app): refused in Twilio's body, not with a 500.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.casting.schemas.exceptions import CastError
from openapi_core.datatypes import RequestParameters
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

from emulator.config import Validation
from emulator.errors import TwilioError, bad_request, not_found
from emulator.fastcheck import FastCheck
from emulator.routing import HTTP_METHODS, Router

SPEC_FILES = ("twilio_api_v2010.json", "twilio_content_v1.json", "twilio_events_v1.json")
_LENIENT_FORMATS = (
    "phone-number", "date-time-rfc-2822", "date-time", "date", "uri", "uri-map", "http-method",
    "iso-country-code", "currency", "phone-number-capabilities", "endpoint", "twiml", "ice-server",
)  # fmt: skip
# `sample`: after an operation's first request, one in this many is judged.
SAMPLE_EVERY = 20
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

# Which Twilio code a refused parameter gets; the rest get 20001 (invalid parameter).
PARAMETER_CODES = {
    "To": 21211,
    "From": 21212,
    "StatusCallback": 21609,
    "ContentSid": 21655,
    "ContentVariables": 21656,
}
MISSING_CODES = {"To": 21604}


@dataclass(frozen=True)
class Operation:
    """A request matched to one operation of one spec, with the path's variables."""

    operation_id: str
    server: str
    api: OpenAPI
    fast: FastCheck
    variables: dict[str, str]
    integers: frozenset[str]  # its query parameters of type integer


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case keys
    body: bytes


@dataclass
class Validated:
    operation_id: str
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    # Whether it was checked against the specs (see the module docstring), and what was.
    checked: bool = True
    raw: RawRequest | None = None
    # The sid of the account whose credentials the request carries (set by emulator.app).
    caller: str = ""


class _Request:
    """The request as openapi-core reads it, on the spec's own server (not our host)."""

    def __init__(self, server: str, raw: RawRequest) -> None:
        self.host_url = server
        self.path = raw.path
        self.method = raw.method.lower()
        self.body = raw.body or None
        headers = Headers(list(raw.headers.items()))
        self.content_type = headers.get("Content-Type", "application/octet-stream")
        query = ImmutableMultiDict([(k, v) for k, values in raw.query.items() for v in values])
        self.parameters = RequestParameters(query=query, header=headers)


class SpecSet:
    def __init__(
        self, specs_dir: Path, validation: Validation = "all", cross_check: bool = False
    ) -> None:
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
        specs = [json.loads((specs_dir / n).read_text(encoding="utf-8")) for n in SPEC_FILES]
        self._apis = [OpenAPI.from_dict(spec, config=config) for spec in specs]
        self.router = Router(specs)
        self._integers = [_integer_query_parameters(spec) for spec in specs]
        self._fast = [FastCheck(spec, _LENIENT_FORMATS) for spec in specs]
        self.validation = validation
        self.cross_check = cross_check
        self._seen: dict[str, int] = {}  # requests per operation, for `sample`
        self.checked = 0  # requests checked against the specs
        self.judged = 0  # of those, and of the unchecked ones a handler could not read:
        # the requests openapi-core judged

    def match(self, method: str, path: str) -> Operation:
        """The operation for a path and method; 404 for an unknown path, 405 for a method."""
        found = self.router.find(method, path)
        integers = self._integers[found.spec].get(found.operation_id, frozenset())
        api, fast = self._apis[found.spec], self._fast[found.spec]
        return Operation(found.operation_id, found.server, api, fast, found.variables, integers)

    def validate(self, operation: Operation, raw: RawRequest) -> Validated:
        """The request as the handlers read it, checked against the specs first if chosen."""
        checked = self._chosen(operation.operation_id)
        content_type = raw.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            validated, body = _read(operation, raw, content_type)
        except TwilioError:
            if checked:
                self.judge(operation, raw)  # openapi-core's words for the refusal
            raise
        if checked:
            self.checked += 1
            fast = operation.fast.accepts(
                operation.operation_id,
                content_type,
                operation.variables,
                raw.query,
                body,
                form=content_type == FORM,
            )
            if not fast:
                self.judge(operation, raw)
            elif self.cross_check:
                self._judge_too(operation, raw)
        validated.checked, validated.raw = checked, raw
        return validated

    def _judge_too(self, operation: Operation, raw: RawRequest) -> None:
        """Tests: openapi-core must accept what fastjsonschema accepted."""
        try:
            self.judge(operation, raw)
        except TwilioError as refusal:
            raise AssertionError(
                f"fastjsonschema accepted {raw.method} {raw.path} {raw.body!r}, "
                f"openapi-core refused: {refusal}"
            ) from None

    def _chosen(self, operation_id: str) -> bool:
        if self.validation == "all":
            return True
        if self.validation == "off":
            return False
        seen = self._seen.get(operation_id, 0)
        self._seen[operation_id] = seen + 1
        return seen % SAMPLE_EVERY == 0

    def judge(self, operation: Operation, raw: RawRequest) -> None:
        """openapi-core on the whole request: its first finding becomes Twilio's refusal."""
        self.judged += 1
        result = operation.api.unmarshal_request(_Request(operation.server, raw))
        # Credentials were checked before validation, as Twilio does: 401 comes first.
        errors = [e for e in result.errors if not isinstance(e, SecurityValidationError)]
        if errors:
            raise _twilio_error(errors[0], raw.path)

    def response_errors(
        self, method: str, path: str, query: str, status: int, body: bytes, content_type: str
    ) -> list[str]:
        """What is wrong with one of our answers, per the spec's response schema (for tests)."""
        operation = self.match(method, path)
        args = dict(parse_qsl(query))
        request = MockRequest(operation.server, method.lower(), path, args=args)
        response = MockResponse(body, status_code=status, content_type=content_type)
        result = operation.api.unmarshal_response(request, response)
        return [_describe(e) for e in result.errors]


def _integer_query_parameters(spec: dict[str, Any]) -> dict[str, frozenset[str]]:
    """Per operationId, the query parameters the spec types as integers (PageSize, Page)."""
    found: dict[str, frozenset[str]] = {}
    for item in spec["paths"].values():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            found[operation["operationId"]] = frozenset(
                p["name"]
                for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                if p.get("in") == "query" and p.get("schema", {}).get("type") == "integer"
            )
    return found


def _read(operation: Operation, raw: RawRequest, content_type: str) -> tuple[Validated, Any]:
    """What the handlers read: path variables, query (integers as int) and body (a form as
    a dict, JSON decoded); and the body for the check (a form as its (key, value) pairs)."""
    query: dict[str, Any] = {}
    for name, values in raw.query.items():
        value: Any = values[0] if len(values) == 1 else values
        if name in operation.integers:
            try:
                value = int(values[0])
            except ValueError:
                raise bad_request(20001, f"Invalid parameter {name}: {values[0]!r}") from None
        query[name] = value
    body: Any = None
    checked_body: Any = None
    if content_type == FORM:
        pairs = parse_qsl(raw.body.decode("utf-8", "replace"), keep_blank_values=True)
        form: dict[str, list[str]] = {}
        for key, item in pairs:
            form.setdefault(key, []).append(item)
        body = {key: values[0] if len(values) == 1 else values for key, values in form.items()}
        checked_body = pairs
    elif content_type == JSON and raw.body:
        try:
            body = checked_body = json.loads(raw.body)
        except ValueError as error:
            raise bad_request(20001, f"Request input may be invalid: {error}") from None
    return Validated(operation.operation_id, dict(operation.variables), query, body), checked_body


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
