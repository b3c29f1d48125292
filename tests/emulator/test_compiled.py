"""The compiled routing and validation (emulator.compiled, emulator.fastschema) against
openapi-core and jsonschema, over every operation of the three specs: the same operation
for a path, the same verdict on a schema, and for every request the compiled checks
accept, openapi-core accepting it with the same values, types and key order."""

from __future__ import annotations

import base64
import json
import random
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode, urljoin

import pytest
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.schema.schemas import get_properties

from emulator.compiled import Fallback, Route, SpecRouter, joins_plainly
from emulator.config import resolve_specs_dir
from emulator.errors import TwilioError
from emulator.fastschema import compile_check
from emulator.openapi import Operation, SpecSet, Validated
from emulator.state import rfc2822

ACCOUNT = "AC" + "0123456789abcdef" * 2
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
CONTENT_SID = "HX" + "0" * 32
AUTH = {"authorization": "Basic " + base64.b64encode(f"{ACCOUNT}:token".encode()).decode()}
FORM = {**AUTH, "content-type": "application/x-www-form-urlencoded"}
JSON_TYPE = {**AUTH, "content-type": "application/json"}
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    return SpecSet(resolve_specs_dir(None))


# -- routing --------------------------------------------------------------------------------


def _found(find: Callable[[str, str], Operation], method: str, path: str) -> tuple[Any, ...]:
    try:
        operation = find(method, path)
    except TwilioError as refusal:
        return ("refused", refusal.status, refusal.code, refusal.message)
    except Exception as crash:  # openapi-core's finder may fail on odd URLs: so must we
        return ("crash", type(crash).__name__)
    return ("found", operation.operation_id, operation.server)


def _probe_paths(specs: SpecSet) -> Iterator[tuple[str, tuple[str, ...]]]:
    templates = sorted({pattern for pattern, _, _ in specs.routes()})
    for pattern in templates:
        yield re.sub(r"\{[^}]*\}", "AC" + "0" * 32, pattern), HTTP_METHODS
        for value in ("", "a.b", "x\n"):
            yield re.sub(r"\{[^}]*\}", value, pattern), ("GET", "POST")
        yield pattern, ("GET",)  # the template itself, braces and all
    odd = [
        "/",
        "/v1",
        "/v1/Nothing",
        "/v1/Content/",
        "/v1/Content/HX1/",
        "/x/v1/Content",
        "/v1/Content/../Content",
        "//v1/Content",
        "/2010-04-01/Accounts.json\n",
        f"{MESSAGES}/x",
        f"/x{MESSAGES}",
        "/2010-04-01/Accounts/AC1/Messages/SM1/Media/ME1.json",
    ]
    for path in odd:
        yield path, HTTP_METHODS


def test_the_router_finds_what_openapi_core_finds(specs: SpecSet) -> None:
    probes = 0
    for path, methods in _probe_paths(specs):
        for method in methods:
            probes += 1
            assert _found(specs.match, method, path) == _found(specs._find, method, path), (
                method,
                path,
            )
    assert probes > 1000


@pytest.mark.parametrize(
    "path",
    [
        "/2010-04-01/Accounts/AC1/Messages.json",
        "/a//b",
        "/a/./b",
        "/a/../b",
        "/a/b/.",
        "/a/b/..",
        "/a;x/b;y",
        "/a;",
        "/a?b",
        "/a?",
        "/a#",
        "//x/y",
        "/a\tb",
        "/a\nb",
        "/a b ",
        "/.hidden/x",
        "/a/..b/c",
        "/é",
        "relative",
    ],
)
def test_the_urljoin_shortcut_is_urljoin(path: str) -> None:
    server = "https://api.twilio.com"
    assert joins_plainly(server, path) == (urljoin(server, path) == server + path)


def test_rfc2822_dates_are_the_standard_librarys() -> None:
    rng = random.Random(3)
    start = datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    zones = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
    for _ in range(2000):
        moment = (start + timedelta(seconds=rng.uniform(0, 40 * 365 * 86400))).astimezone(
            rng.choice(zones)
        )
        expected = format_datetime(moment.astimezone(UTC).replace(microsecond=0))
        assert rfc2822(moment) == expected


# -- schemas --------------------------------------------------------------------------------


SCALARS: list[Any] = [
    None,
    "",
    "a",
    "abc",
    " ",
    "whatsapp:+15551230001",
    "HX" + "0" * 32,
    "AC" + "f" * 32,
    "ac" + "F" * 32,
    "AC" + "0" * 33,
    "x" * 1601,
    "2024-01-01",
    "https://example.com/x",
    0,
    1,
    -1,
    1000,
    1001,
    1.5,
    float("inf"),
    True,
    False,
    b"bytes",
    [],
    ["a"],
    [1],
    {},
    {"a": "b"},
]


def _schema_samples(schema: SchemaPath, depth: int = 0) -> list[Any]:
    """Values around what `schema` accepts: its enum members, and for objects and arrays
    instances built from their parts (valid and not)."""
    samples: list[Any] = list(SCALARS)
    enum = schema.get("enum")
    if isinstance(enum, SchemaPath):
        samples += list(enum.read_value())
    if depth > 2:
        return samples
    if "items" in schema:
        items = _schema_samples(schema / "items", depth + 1)[:12]
        samples += [[item] for item in items] + [items[:3]]
    properties = get_properties(schema)
    if properties:
        required = schema.get("required")
        names = list(required.read_value()) if isinstance(required, SchemaPath) else []
        base = {name: "x" for name in names}
        samples += [base, {**base, "__extra__": "x"}]
        for name, prop in list(properties.items())[:30]:
            for value in _schema_samples(prop, depth + 1)[::3]:
                samples += [{name: value}, {**base, name: value}]
    additional = schema.get("additionalProperties")
    if isinstance(additional, SchemaPath):
        samples += [{"k": value} for value in _schema_samples(additional, depth + 1)[::2]]
    return samples


def _schemas(specs: SpecSet) -> Iterator[tuple[str, Route, SchemaPath]]:
    for _, _, route in specs.routes():
        operation = route.operation
        declared = [*operation.get("parameters", []), *route.path_item.get("parameters", [])]
        for param in declared:
            if "schema" in param:
                yield f"{route.operation_id} {(param / 'name').read_str()}", route, param / "schema"
        if "requestBody" in operation:
            for mime, media in (operation / "requestBody" / "content").str_items():
                if "schema" in media:
                    yield f"{route.operation_id} {mime}", route, media / "schema"


def test_compiled_schemas_judge_as_jsonschema(specs: SpecSet) -> None:
    schemas = compiled = checked = 0
    for where, route, schema in _schemas(specs):
        schemas += 1
        u = route.api.request_unmarshaller
        validator = u.schema_validators_factory.create(  # type: ignore[attr-defined]
            u.spec,  # type: ignore[attr-defined]
            schema,
            extra_format_validators=u.extra_format_validators,  # type: ignore[attr-defined]
        ).validator
        with schema.resolve() as resolved:
            check = compile_check(validator, resolved.contents, resolved.resolver)
        if check is None:
            continue
        compiled += 1
        for sample in _schema_samples(schema):
            checked += 1
            assert check(sample) == validator.is_valid(sample), (where, sample)
    # Every parameter and body schema of the three specs is compiled.
    assert compiled == schemas > 900
    assert checked > 30_000


# -- requests -------------------------------------------------------------------------------


def _judge(
    specs: SpecSet,
    method: str,
    path: str,
    query: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bool:
    """Both verdicts on a request; True when the compiled checks accepted it (then
    openapi-core must have accepted it too, with the same values)."""
    query = query or {}
    headers = AUTH if headers is None else headers
    operation = specs.match(method, path)
    assert operation.route is not None, path
    compiled = operation.route.compiled()
    assert compiled is not None, operation.operation_id
    try:
        fast = compiled.validate(path, operation.variables, query, headers, body)
    except Exception:
        fast = None
    try:
        slow: Validated | Exception = specs._validate(operation, method, path, query, headers, body)
    except Exception as refusal:  # a TwilioError, or openapi-core failing (a 500 as ever)
        slow = refusal
    if fast is None:
        return False
    assert isinstance(slow, Validated), (method, path, query, body, slow)
    ours = json.dumps([fast.path, fast.query, fast.body], default=repr)
    theirs = json.dumps([slow.path, slow.query, slow.body], default=repr)
    assert ours == theirs, (method, path, query, body)
    return True


def _form(**fields: str | list[str]) -> bytes:
    return urlencode(fields, doseq=True).encode()


BASE_MESSAGE = {"To": "whatsapp:+15551230001", "From": "whatsapp:+15550001111"}
MESSAGE_FORMS: list[tuple[dict[str, str | list[str]], bool]] = [
    ({**BASE_MESSAGE, "ContentSid": CONTENT_SID, "ContentVariables": '{"1": "x"}'}, True),
    ({**BASE_MESSAGE, "Body": "hi", "StatusCallback": "https://example.com/cb"}, True),
    ({**BASE_MESSAGE, "Body": "hi", "ValidityPeriod": "14400", "Attempt": "2"}, True),
    ({**BASE_MESSAGE, "Body": "hi", "ValidityPeriod": " 5", "MaxPrice": "0.5"}, True),
    ({**BASE_MESSAGE, "Body": "hi", "ProvideFeedback": "TRUE", "SmartEncoded": "0"}, True),
    ({**BASE_MESSAGE, "Body": "hi", "ContentRetention": "retain"}, True),
    ({**BASE_MESSAGE, "Body": "hi", "MediaUrl": ["https://a.b/1", "https://a.b/2"]}, True),
    ({**BASE_MESSAGE, "Body": "hi", "PersistentAction": ["mailto:a@b.c"]}, True),
    ({**BASE_MESSAGE, "Body": "", "Unknown": "x"}, True),
    ({"To": "x", "MessagingServiceSid": "MG" + "a" * 32}, True),
    ({**BASE_MESSAGE, "ContentSid": "HX12"}, False),
    ({**BASE_MESSAGE, "Body": "hi", "ContentRetention": "keep"}, False),
    ({**BASE_MESSAGE, "Body": "hi", "ValidityPeriod": "soon"}, False),
    ({**BASE_MESSAGE, "Body": "hi", "ProvideFeedback": "maybe"}, False),
    ({**BASE_MESSAGE, "Body": "hi", "MaxPrice": "cheap"}, False),
    ({**BASE_MESSAGE, "Body": "hi", "ApplicationSid": "AP1"}, False),
    ({"From": "whatsapp:+15550001111", "Body": "hi"}, False),
    ({"To": "whatsapp:+1", "MessagingServiceSid": "MG1"}, False),
]


@pytest.mark.parametrize(("form", "fast"), MESSAGE_FORMS)
def test_message_creates(specs: SpecSet, form: dict[str, str | list[str]], fast: bool) -> None:
    assert _judge(specs, "POST", MESSAGES, headers=FORM, body=_form(**form)) is fast


def test_message_creates_in_other_shapes(specs: SpecSet) -> None:
    body = _form(**BASE_MESSAGE, Body="hi")
    repeated = body + b"&To=whatsapp%3A%2B15559999999&Body"
    assert _judge(specs, "POST", MESSAGES, headers=FORM, body=repeated)
    # openapi-core's own header lookups: any case, the first one of a name.
    mixed = {"Authorization": AUTH["authorization"], "Content-Type": FORM["content-type"]}
    assert _judge(specs, "POST", MESSAGES, headers=mixed, body=body)
    charset = {**AUTH, "content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert _judge(specs, "POST", MESSAGES, headers=charset, body=body)
    upper = {**AUTH, "content-type": "Application/X-WWW-Form-Urlencoded"}
    assert _judge(specs, "POST", MESSAGES, headers=upper, body=body)
    # Left to openapi-core (and judged the same there as before):
    assert not _judge(specs, "POST", MESSAGES, headers=AUTH, body=body)  # no content type
    assert not _judge(specs, "POST", MESSAGES, headers=JSON_TYPE, body=b'{"To": "x"}')
    # No body at all: the spec's requestBody is optional, both see none.
    assert _judge(specs, "POST", MESSAGES, headers=FORM, body=b"")
    # openapi-core fails on this one (ValueError): it still does.
    broken = {**AUTH, "content-type": "application/x-www-form-urlencoded; charset"}
    assert not _judge(specs, "POST", MESSAGES, headers=broken, body=body)
    assert not _judge(specs, "POST", MESSAGES, headers=FORM, body=b"To=%FF\xff")
    assert not _judge(specs, "POST", MESSAGES, headers={}, body=body)  # no Authorization
    bearer = {**FORM, "authorization": "Bearer x"}
    assert not _judge(specs, "POST", MESSAGES, headers=bearer, body=body)
    # A dot segment (AccountSid "."): openapi-core validates urljoin's reading of it.
    dotted = "/2010-04-01/Accounts/./Messages.json"
    assert not _judge(specs, "POST", dotted, headers=FORM, body=body)


LISTS: list[tuple[str, dict[str, list[str]], bool]] = [
    (MESSAGES, {}, True),
    (MESSAGES, {"PageSize": ["20"], "Page": ["2"], "PageToken": ["PAx"]}, True),
    (MESSAGES, {"To": ["whatsapp:+1"], "DateSent": ["2024-01-01"]}, True),
    (MESSAGES, {"DateSent>": ["2024-01-01T00:00:00Z"], "DateSent<": ["2024-01-02"]}, True),
    (MESSAGES, {"PageSize": ["1000"], "Other": ["x"]}, True),
    (MESSAGES, {"PageSize": ["20", "x"]}, True),
    (MESSAGES, {"PageSize": ["0"]}, False),
    (MESSAGES, {"PageSize": ["1001"]}, False),
    (MESSAGES, {"PageSize": ["many"]}, False),
    (MESSAGES, {"PageSize": [""]}, False),
    (MESSAGES, {"To": [""]}, False),
    (MESSAGES.replace(".json", f"/SM{'0' * 32}.json"), {}, True),
    (MESSAGES.replace(".json", "/SM1.json"), {}, False),
    (f"/2010-04-01/Accounts/AC{'f' * 31}/Messages.json", {}, False),
    ("/v1/Content", {"PageSize": ["5"], "PageToken": ["PAx"]}, True),
    ("/v1/ContentAndApprovals", {"PageSize": ["0"]}, False),
    (f"/v1/Content/{CONTENT_SID}", {}, True),
    (f"/v1/Content/{CONTENT_SID}/ApprovalRequests", {}, True),
    ("/v1/Content/HX123", {}, False),
]


@pytest.mark.parametrize(("path", "query", "fast"), LISTS)
def test_fetches_and_lists(
    specs: SpecSet, path: str, query: dict[str, list[str]], fast: bool
) -> None:
    assert _judge(specs, "GET", path, query=query) is fast


TEXT = {"twilio/text": {"body": "Hi"}}
CONTENT_BODIES: list[tuple[str, Any, bool]] = [
    ("/v1/Content", {"language": "en", "types": TEXT}, True),
    (
        "/v1/Content",
        {"types": TEXT, "variables": {"1": "a"}, "friendly_name": "x", "language": "en"},
        True,
    ),
    ("/v1/Content", {"language": "en", "types": {}}, True),
    ("/v1/Content", {"language": "en", "types": {"twilio/text": None}}, True),
    ("/v1/Content", {"language": "en", "types": TEXT, "extra": [1, {"a": None}]}, True),
    (
        "/v1/Content",
        {
            "language": "en",
            "types": {
                "twilio/media": {"body": "b", "media": ["https://a.b/c.png"]},
                "twilio/quick-reply": {"body": "q", "actions": [{"title": "t", "id": "i"}]},
                "twilio/list-picker": {
                    "body": "l",
                    "button": "b",
                    "items": [{"item": "i", "id": "1", "description": "d"}],
                },
                "twilio/call-to-action": {
                    "body": "c",
                    "actions": [{"type": "URL", "title": "t", "url": "https://a.b"}],
                },
                "twilio/card": {"title": "t", "actions": [{"type": "QUICK_REPLY", "title": "t"}]},
            },
        },
        True,
    ),
    ("/v1/Content", {"language": "en", "types": {"twilio/text": {"body": "Hi", "x": 1}}}, False),
    ("/v1/Content", {"types": TEXT}, False),
    ("/v1/Content", {"language": "en", "types": {"twilio/text": {}}}, False),
    ("/v1/Content", {"language": "en", "variables": {"1": 5}, "types": TEXT}, False),
    ("/v1/Content", ["not", "an", "object"], False),
    (
        f"/v1/Content/{CONTENT_SID}/ApprovalRequests/whatsapp",
        {"name": "a", "category": "UTILITY"},
        True,
    ),
    (f"/v1/Content/{CONTENT_SID}/ApprovalRequests/whatsapp", {"name": "a"}, False),
]


@pytest.mark.parametrize(("path", "body", "fast"), CONTENT_BODIES)
def test_content_bodies(specs: SpecSet, path: str, body: Any, fast: bool) -> None:
    raw = json.dumps(body).encode()
    assert _judge(specs, "POST", path, headers=JSON_TYPE, body=raw) is fast


def test_content_bodies_that_are_not_json(specs: SpecSet) -> None:
    assert not _judge(specs, "POST", "/v1/Content", headers=JSON_TYPE, body=b"language=en")
    assert not _judge(specs, "POST", "/v1/Content", headers=JSON_TYPE, body=b"")
    assert not _judge(specs, "POST", "/v1/Content", headers=FORM, body=b"language=en")


def _value(schema: SchemaPath, rng: random.Random) -> str | list[str]:
    """A plausible form or query value for a schema: an enum member, a Sid of the right
    prefix, a number, a boolean; sometimes a wrong one."""
    if rng.random() < 0.1:
        return rng.choice(["", "x", "-1", "1.5", "maybe"])
    schema_type = schema.get("type")
    if schema_type == "array":
        item = _value(schema / "items", rng) if "items" in schema else "x"
        return [item if isinstance(item, str) else "x"] * rng.randint(1, 2)
    enum = schema.get("enum")
    if isinstance(enum, SchemaPath):
        return str(rng.choice(list(enum.read_value())))
    if schema_type == "integer":
        return str(rng.choice([1, 5, 20, 1000]))
    if schema_type == "number":
        return rng.choice(["0.5", "3"])
    if schema_type == "boolean":
        return rng.choice(["true", "False", "1", "no"])
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        prefix = re.match(r"\^\(?([A-Z]{2})", pattern)
        if prefix is not None:
            return prefix.group(1) + "0" * 32
    return rng.choice(["x", "whatsapp:+15551230001", "https://example.com/a", "2024-01-01"])


def _path_for(pattern: str, route: Route, rng: random.Random) -> str:
    declared = {
        (param / "name").read_str(): param / "schema"
        for param in [
            *route.operation.get("parameters", []),
            *route.path_item.get("parameters", []),
        ]
        if (param / "in").read_str() == "path"
    }

    def fill(match: re.Match[str]) -> str:
        schema = declared.get(match.group(1))
        value = _value(schema, rng) if schema is not None else "x"
        return value if isinstance(value, str) and "/" not in value else "x"

    return re.sub(r"\{([^}]*)\}", fill, pattern)


def test_every_operation_of_the_specs(specs: SpecSet) -> None:
    """One or two plausible requests per operation: whatever the compiled checks accept,
    openapi-core accepts with the same values; and they do accept most."""
    rng = random.Random(11)
    accepted = judged = 0
    for pattern, method, route in specs.routes():
        operation = route.operation
        for _ in range(2 if method in ("get", "post") else 1):
            path = _path_for(pattern, route, rng)
            query: dict[str, list[str]] = {}
            for param in operation.get("parameters", []):
                if (param / "in").read_str() == "query" and rng.random() < 0.5:
                    value = _value(param / "schema", rng)
                    query[(param / "name").read_str()] = (
                        value if isinstance(value, list) else [value]
                    )
            headers, body = AUTH, b""
            if "requestBody" in operation:
                content = operation / "requestBody" / "content"
                if "application/x-www-form-urlencoded" in content:
                    schema = content / "application/x-www-form-urlencoded" / "schema"
                    required = schema.get("required")
                    needed = (
                        set(required.read_value()) if isinstance(required, SchemaPath) else set()
                    )
                    fields = {
                        name: _value(prop, rng)
                        for name, prop in get_properties(schema).items()
                        if name in needed or rng.random() < 0.3
                    }
                    headers, body = FORM, urlencode(fields, doseq=True).encode()
                else:
                    headers, body = JSON_TYPE, b"{}"
            judged += 1
            accepted += _judge(specs, method.upper(), path, query, headers, body)
    assert judged > 300
    assert accepted > judged // 2


# -- what is left to openapi-core -----------------------------------------------------------


def _api(spec: dict[str, Any]) -> OpenAPI:
    base = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}}
    return OpenAPI.from_dict({**base, **spec}, config=Config(spec_validator_cls=None))


def test_a_spec_with_relative_servers_is_left_to_openapi_core() -> None:
    operation = {"operationId": "Op", "responses": {"200": {"description": "ok"}}}
    api = _api({"servers": [{"url": "/v1"}], "paths": {"/x": {"get": operation}}})
    router = SpecRouter("https://example.com", api, frozenset())
    assert router.deferred
    assert router.find("GET", "/x") is None


def test_schemas_not_modelled_are_left_to_openapi_core() -> None:
    one_of = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    body = {"type": "object", "properties": {"a": one_of}}
    operation = {
        "operationId": "Op",
        "parameters": [{"name": "q", "in": "query", "schema": one_of}],
        "requestBody": {"content": {"application/json": {"schema": body}}},
        "responses": {"200": {"description": "ok"}},
    }
    api = _api({"servers": [{"url": "https://example.com"}], "paths": {"/x": {"post": operation}}})
    found = SpecRouter("https://example.com", api, frozenset()).find("POST", "/x")
    assert found is not None
    route, _ = found
    assert route.compiled() is None  # the oneOf parameter: the whole operation

    del operation["parameters"]
    api = _api({"servers": [{"url": "https://example.com"}], "paths": {"/x": {"post": operation}}})
    found = SpecRouter("https://example.com", api, frozenset()).find("POST", "/x")
    assert found is not None
    compiled = found[0].compiled()
    assert compiled is not None
    assert compiled.media["application/json"] is None  # the oneOf body: that media type
    with pytest.raises(Fallback):
        compiled.validate("/x", {}, {}, JSON_TYPE, b'{"a": 1}')
