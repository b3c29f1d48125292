"""Request routing and validation compiled once per operation, for the hot path.

Asked per request, openapi-core walks every path template of a spec, re-resolves `$ref`s
through jsonschema-path and builds a fresh jsonschema validator (deep-copying its format
checker) for every parameter and body property: 10-25 ms of CPU a request. All of that
depends on the operation only, so it is done here once, on an operation's first request,
and kept:

- `SpecRouter`: a spec's path templates as regexes (openapi-core's own `PathParser`),
  bucketed by their number of `/`, tried in the order openapi-core tries them (the exact
  path first, then templates with fewer variables first, in spec order);
- `CompiledOperation`: per parameter and per request body, the jsonschema validator that
  openapi-core's own factory builds (same validator class, format checker and resolved
  schema), plus the casting (`int("5")`, `"true"` -> True, ...) and unmarshalling steps
  (defaults, key order) read from the schema the way openapi-core reads it.

A request accepted here is one openapi-core accepts, with the same values. What this
module does not model (a schema with oneOf, an unusual content type, ...) or finds wrong,
it does not judge: it returns None and the caller asks openapi-core, whose findings make
the error body. So refusals keep openapi-core's exact wording and codes and cost what they
did, while an accepted request costs tens of microseconds. `SpecSet(cross_check=True)`
(the tests) asks openapi-core too, every time, and fails on any difference.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl, urljoin

from jsonschema_path import SchemaPath
from openapi_core import OpenAPI
from openapi_core.deserializing.media_types.util import json_loads, urlencoded_form_loads
from openapi_core.schema.schemas import get_properties
from openapi_core.schema.servers import is_absolute
from openapi_core.security import security_provider_factory
from openapi_core.templating.paths.parsers import PathParser
from openapi_core.unmarshalling.request.unmarshallers import BaseRequestUnmarshaller
from openapi_core.unmarshalling.schemas.exceptions import FormatterNotFoundError
from openapi_core.unmarshalling.schemas.unmarshallers import FormatsUnmarshaller
from openapi_core.util import BOOLEAN_FALSE_VALUES, BOOLEAN_TRUE_VALUES, forcebool

from emulator.fastschema import Check, compile_check

log = logging.getLogger(__name__)

# The keys of a path item that are operations, as openapi-core looks them up.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_COMBINATORS = ("oneOf", "anyOf", "allOf")
# Deeper than this, a schema is taken for a recursive one: left to openapi-core.
_MAX_DEPTH = 32

Cast = Callable[[Any], Any]
Unmarshal = Callable[[Any], Any]
_EMPTY = SchemaPath.from_dict({})


class Unsupported(Exception):
    """A part of an operation this module does not model: openapi-core handles it."""


class Fallback(Exception):
    """This request is not one to accept here: ask openapi-core."""


@dataclass
class Route:
    """One operation of one spec, as the router finds it; compiled on first use."""

    operation_id: str
    server: str
    api: OpenAPI
    path_item: SchemaPath
    operation: SchemaPath
    identity_formats: frozenset[str]
    _compiled: CompiledOperation | None = field(default=None, repr=False)
    _tried: bool = field(default=False, repr=False)

    def compiled(self) -> CompiledOperation | None:
        """The operation's validators, built once; None when openapi-core must do it all."""
        if not self._tried:
            self._tried = True
            try:
                self._compiled = CompiledOperation(self)
            except Unsupported as why:
                log.debug("%s left to openapi-core: %s", self.operation_id, why)
            except Exception:  # a spec this module misreads must not break the emulator
                log.warning("%s left to openapi-core", self.operation_id, exc_info=True)
        return self._compiled


@dataclass
class _PathEntry:
    parser: PathParser
    variables: int
    index: int
    routes: dict[str, Route]  # by lower-case method
    tail: str  # the literal text after the last variable: what a matching path ends with


class SpecRouter:
    """Finds the operation of a request path, as openapi-core's APICallPathFinder does on
    `server + path`, without walking every template.

    openapi-core checks each template against the full URL (unanchored, ending at `$`) and
    then requires what precedes the match to be the server. For a request that it serves,
    that is an anchored match of the path (a `[^/]*` variable cannot reach into the
    server). `find` returns None for anything else: the caller then runs openapi-core's
    finder, so a 404 or a 405 is decided exactly as before. A spec with what this does not
    model (relative or templated server URLs, an operation without an operationId) is left
    to openapi-core's finder altogether.
    """

    def __init__(self, server: str, api: OpenAPI, identity_formats: frozenset[str]) -> None:
        self.server = server
        self.api = api
        self.deferred = False
        self._exact: dict[str, _PathEntry] = {}
        # By method and number of `/`: the templates a path could match, in order.
        self._candidates: dict[tuple[str, int], list[_PathEntry]] = {}
        spec = api.spec
        for index, (pattern, path_item) in enumerate((spec / "paths").str_items()):
            parser = PathParser(pattern, pre_expression="^", post_expression="$")
            routes: dict[str, Route] = {}
            for method in HTTP_METHODS:
                if method not in path_item:
                    continue
                operation = path_item / method
                operation_id = operation.get("operationId")
                if not isinstance(operation_id, str):
                    self.deferred = True
                    continue
                if not self._served(path_item, operation):
                    continue  # openapi-core never finds it on this server
                routes[method] = Route(
                    operation_id, server, api, path_item, operation, identity_formats
                )
            names, slashes = _template_shape(pattern)
            # openapi-core counts a template's variables by name (its match dict).
            tail = pattern[pattern.rfind("}") + 1 :]
            entry = _PathEntry(parser, len(set(names)), index, routes, tail)
            self._exact[pattern] = entry
            for method in routes:
                self._candidates.setdefault((method, slashes), []).append(entry)
        # Fewer variables first, then spec order: openapi-core's (stable) sort.
        for candidates in self._candidates.values():
            candidates.sort(key=lambda e: (e.variables, e.index))

    def _served(self, path_item: SchemaPath, operation: SchemaPath) -> bool:
        """Whether one of the operation's servers is this spec's server (openapi-core's
        TemplateServersIterator, for plain absolute URLs; anything else defers the spec)."""
        servers = (
            path_item.get("servers", None)
            or operation.get("servers", None)
            or self.api.spec.get("servers", None)
        )
        if not isinstance(servers, SchemaPath):
            self.deferred = True  # openapi-core would assume "/"
            return False
        served = False
        for server in servers:
            url = server.get("url")
            if not isinstance(url, str) or not is_absolute(url) or "{" in url:
                self.deferred = True
                continue
            served = served or (url[:-1] if url.endswith("/") else url) == self.server
        return served

    def routes(self) -> Iterator[tuple[str, str, Route]]:
        """(path template, lower-case method, route) for every operation served here."""
        for pattern, entry in self._exact.items():
            for method, route in entry.routes.items():
                yield pattern, method, route

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        if self.deferred:
            return None
        method = method.lower()
        exact = self._exact.get(path)
        if exact is not None:
            route = exact.routes.get(method)
            if route is not None:
                return route, {}
        # A template ending in literal text can only match a path ending in it (or in it
        # and a newline, which `$` lets through): most are skipped without a regex.
        newline = path.endswith("\n")
        for entry in self._candidates.get((method, path.count("/")), ()):
            if entry is exact:
                continue  # openapi-core takes an exact path as such, not as a template
            if not (newline or path.endswith(entry.tail)):
                continue
            result = entry.parser.search(path)
            if result is not None:
                return entry.routes[method], result.named
        return None


def _template_shape(pattern: str) -> tuple[list[str], int]:
    """A template's variable names, and the `/` a path matching it has (those outside the
    variables: a variable matches `[^/]*`). Parsed as openapi-core's PathParser parses."""
    names: list[str] = []
    slashes = 0
    i = 0
    while i < len(pattern):
        start = pattern.find("{", i)
        literal = pattern[i:] if start == -1 else pattern[i:start]
        slashes += literal.count("/")
        if start == -1:
            break
        end = pattern.find("}", start + 1)
        if end == -1:
            break  # PathParser has refused it already
        names.append(pattern[start + 1 : end])
        i = end + 1
    return names, slashes


@dataclass(frozen=True)
class _Param:
    name: str
    in_path: bool
    required: bool
    array: bool
    default: tuple[Any, ...]  # (value,) when the schema has a default
    cast: Cast
    valid: Check
    unmarshal: Unmarshal


@dataclass(frozen=True)
class _Field:
    """One property of a form body, decoded as openapi-core decodes it (style form)."""

    name: str
    array: bool
    default: tuple[Any, ...]
    cast: Cast


@dataclass(frozen=True)
class _Media:
    valid: Check
    unmarshal: Unmarshal
    fields: tuple[_Field, ...] | None  # None: not decodable as a form here


@dataclass(frozen=True)
class Result:
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any


class CompiledOperation:
    """Everything openapi-core would work out per request for one operation, worked out
    once. `validate` accepts a request or raises Fallback."""

    def __init__(self, route: Route) -> None:
        unmarshaller = route.api.request_unmarshaller
        if not isinstance(unmarshaller, BaseRequestUnmarshaller):
            raise Unsupported("not openapi-core's request unmarshaller")
        self._tools = _Tools(unmarshaller, route.identity_formats)
        self.server = route.server
        self.security = self._security(route.operation)
        self.params = self._params(route.path_item, route.operation)
        self.has_body = "requestBody" in route.operation
        self.body_required = False
        self.media: dict[str, _Media | None] = {}
        if self.has_body:
            request_body = route.operation / "requestBody"
            self.body_required = (request_body / "required").read_bool(default=False)
            for mime, media_type in (request_body / "content").str_items():
                try:
                    self.media[mime] = self._media(media_type)
                except Unsupported:
                    self.media[mime] = None  # this type goes to openapi-core

    # -- compile -------------------------------------------------------------------------

    def _security(self, operation: SchemaPath) -> tuple[tuple[str | None, ...], ...]:
        """Per requirement, the HTTP auth scheme of each of its schemes (None: no check)."""
        tools = self._tools.unmarshaller
        if tools.security_provider_factory is not security_provider_factory:
            raise Unsupported("custom security providers")
        spec = tools.spec
        security: SchemaPath | None = None
        if "security" in spec:
            security = spec / "security"
        if "security" in operation:
            security = operation / "security"
        if not security:
            return ()
        schemes = spec / "components" / "securitySchemes"
        requirements: list[tuple[str | None, ...]] = []
        for requirement in security:
            checks: list[str | None] = []
            for name in requirement.str_keys():
                if name not in schemes:
                    checks.append(None)  # openapi-core lets an undefined scheme pass
                    continue
                scheme = schemes / name
                kind = (scheme / "type").read_str()
                if kind == "http":
                    checks.append(str(scheme["scheme"]))
                elif kind in ("oauth2", "openIdConnect"):
                    checks.append(None)  # "unsupported" there: passes with a warning
                else:
                    raise Unsupported(f"security scheme {kind}")
            requirements.append(tuple(checks))
        return tuple(requirements)

    def _params(self, path_item: SchemaPath, operation: SchemaPath) -> tuple[_Param, ...]:
        params: list[_Param] = []
        seen: set[tuple[str, str]] = set()
        declared = chain(
            _children(operation.get("parameters", _EMPTY)),
            _children(path_item.get("parameters", _EMPTY)),
        )
        for param in declared:
            name = (param / "name").read_str()
            location = (param / "in").read_str()
            if (name, location) in seen:
                continue  # an operation parameter overrides the path item's
            seen.add((name, location))
            if location not in ("path", "query"):
                raise Unsupported(f"{location} parameter {name}")
            if any(key in param for key in ("content", "style", "explode", "allowEmptyValue")):
                raise Unsupported(f"parameter {name} is not a plain one")
            if "schema" not in param:
                raise Unsupported(f"parameter {name} has no schema")
            schema = param / "schema"
            schema_type = (schema / "type").read_str("")
            if schema_type == "object":
                raise Unsupported(f"object parameter {name}")
            params.append(
                _Param(
                    name=name,
                    in_path=location == "path",
                    required=(param / "required").read_bool(default=False),
                    array=schema_type == "array",
                    default=_default(schema),
                    cast=_caster(schema),
                    valid=self._tools.validity(schema),
                    unmarshal=self._tools.unmarshaller_of(schema),
                )
            )
        return tuple(params)

    def _media(self, media_type: SchemaPath) -> _Media:
        if "schema" not in media_type or "encoding" in media_type:
            raise Unsupported("media type without a schema, or with an encoding")
        schema = media_type / "schema"
        fields: tuple[_Field, ...] | None
        try:
            fields = _form_fields(schema)
        except Unsupported:
            fields = None
        return _Media(self._tools.validity(schema), self._tools.unmarshaller_of(schema), fields)

    # -- per request ---------------------------------------------------------------------

    def validate(
        self,
        path: str,
        variables: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Result:
        # openapi-core finds the operation again on urljoin(server, path), which resolves
        # dot segments and the like: such a path is left to it.
        if not joins_plainly(self.server, path):
            raise Fallback
        # openapi-core reads headers case-insensitively, the first one of a name winning.
        lowered: dict[str, str] = {}
        for key, header in headers.items():
            lowered.setdefault(key.lower(), header)
        if self.security and not self._authorized(lowered.get("authorization")):
            raise Fallback
        found_path: dict[str, Any] = {}
        found_query: dict[str, Any] = {}
        for param in self.params:
            if param.in_path:
                raw = variables.get(param.name)
                value: Any = None if raw is None else raw.split(",") if param.array else raw
            else:
                values = query.get(param.name)
                value = None if not values else list(values) if param.array else values[0]
                if value == "":
                    raise Fallback  # an empty query value is refused by openapi-core
            if value is None:
                if param.default:
                    value = deepcopy(param.default[0])
                elif param.required:
                    raise Fallback
                else:
                    continue
            else:
                value = param.cast(value)
            if not param.valid(value):
                raise Fallback
            target = found_path if param.in_path else found_query
            target[param.name] = param.unmarshal(value)
        content_type = lowered.get("content-type", "application/octet-stream")
        return Result(found_path, found_query, self._body(content_type, body))

    def _authorized(self, authorization: str | None) -> bool:
        """openapi-core's HttpProvider: a header `<scheme> <credentials>`; the app checked
        the credentials themselves before validation."""
        for requirement in self.security:
            if all(_http_passes(scheme, authorization) for scheme in requirement):
                return True
        return False

    def _body(self, content_type: str, body: bytes) -> Any:
        if not self.has_body:
            return None
        if not body:
            if self.body_required:
                raise Fallback
            return None
        mime, media = self._find_media(content_type)
        if mime == JSON:
            value = json.loads(body)
        elif mime == FORM and media.fields is not None:
            value = _decode_form(media.fields, body)
        else:
            raise Fallback
        if not media.valid(value):
            raise Fallback
        return media.unmarshal(value)

    def _find_media(self, content_type: str) -> tuple[str, _Media]:
        """openapi-core's MediaTypeFinder: the header as is, then its lower-case type."""
        mime, *parameters = content_type.split(";")
        mime = mime.lower().rstrip()
        if any(parameter.count("=") != 1 for parameter in parameters):
            raise Fallback  # openapi-core fails on it
        for key in (content_type, mime):
            if key in self.media:
                media = self.media[key]
                if media is None:
                    raise Fallback
                return mime, media
        raise Fallback  # a wildcard media type, or none: openapi-core's call


# What urljoin may rewrite in an absolute path: dot segments, an empty query, params or
# fragment, a netloc, the characters it strips.
_REWRITTEN = ("//", "/.", "?", "#", ";", "\t", "\r", "\n")


def joins_plainly(server: str, path: str) -> bool:
    """Whether urljoin(server, path) is server + path; cheap for the usual path."""
    if path[:1] == "/" and not any(part in path for part in _REWRITTEN):
        return True
    return urljoin(server, path) == server + path


def _http_passes(scheme: str | None, authorization: str | None) -> bool:
    if scheme is None:
        return True
    if authorization is None or " " not in authorization:
        return False
    return authorization.split(" ", 1)[0].lower() == scheme


def _decode_form(fields: tuple[_Field, ...], body: bytes) -> dict[str, Any]:
    """openapi-core's form decoding: only the schema's properties, in schema order, the
    first value of each (all of them for an array), cast to the property's type."""
    pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    first: dict[str, str] = {}
    for key, value in pairs:
        first.setdefault(key, value)
    decoded: dict[str, Any] = {}
    for item in fields:
        if item.name in first:
            raw: Any = (
                [value for key, value in pairs if key == item.name]
                if item.array
                else first[item.name]
            )
            decoded[item.name] = item.cast(raw)
        elif item.default:
            decoded[item.name] = deepcopy(item.default[0])
    return decoded


class _Tools:
    """openapi-core's factories with the settings its request unmarshaller uses."""

    def __init__(
        self, unmarshaller: BaseRequestUnmarshaller, identity_formats: frozenset[str]
    ) -> None:
        # The bodies decoded here are decoded with openapi-core's stock deserializers.
        stock = unmarshaller.media_type_deserializers_factory.media_type_deserializers
        if (
            stock.get(JSON) is not json_loads
            or stock.get(FORM) is not urlencoded_form_loads
            or unmarshaller.extra_media_type_deserializers
        ):
            raise Unsupported("custom media type deserializers")
        self.unmarshaller = unmarshaller
        self.identity_formats = identity_formats

    def validity(self, schema: SchemaPath) -> Check:
        """`is_valid` of the validator openapi-core's factory builds for `schema`, compiled
        to plain Python where emulator.fastschema mirrors all of its keywords."""
        u = self.unmarshaller
        validator = u.schema_validators_factory.create(
            u.spec,
            schema,
            format_validators=u.format_validators,
            extra_format_validators=u.extra_format_validators,
            forbid_unspecified_additional_properties=u.forbid_unspecified_additional_properties,
            enforce_properties_required=u.enforce_properties_required,
        ).validator
        # The factory built it on these same contents and resolver.
        with schema.resolve() as resolved:
            compiled = compile_check(validator, resolved.contents, resolved.resolver)
        return compiled or validator.is_valid

    def unmarshaller_of(self, schema: SchemaPath) -> Unmarshal:
        """What openapi-core's unmarshaller returns for a valid value of `schema`."""
        u = self.unmarshaller
        try:
            # Built as openapi-core builds it per request, for its check of the format.
            top = u.schema_unmarshallers_factory.create(
                u.spec,
                schema,
                format_validators=u.format_validators,
                format_unmarshallers=u.format_unmarshallers,
                extra_format_validators=u.extra_format_validators,
                extra_format_unmarshallers=u.extra_format_unmarshallers,
                forbid_unspecified_additional_properties=u.forbid_unspecified_additional_properties,
                enforce_properties_required=u.enforce_properties_required,
            )
        except FormatterNotFoundError as error:
            raise Unsupported(str(error)) from None
        return _unmarshaller(schema, top.formats_unmarshaller, self.identity_formats, 0)


def _children(node: object) -> Iterable[SchemaPath]:
    if not isinstance(node, SchemaPath) or not node:
        return ()
    return list(node)


def _default(schema: SchemaPath) -> tuple[Any, ...]:
    return ((schema / "default").read_value(),) if "default" in schema else ()


def _schema_type(schema: SchemaPath) -> str | None:
    value = schema.get("type")
    if value is not None and not isinstance(value, str):
        raise Unsupported("a list of types")
    return value


def _caster(schema: SchemaPath) -> Cast:
    """openapi-core's SchemaCaster for a string (or strings) from a query, path or form."""
    schema_type = _schema_type(schema)
    if schema_type is None:
        if any(key in schema for key in _COMBINATORS):
            raise Unsupported("oneOf/anyOf/allOf")
        return _identity
    if schema_type == "string":
        return _identity
    if schema_type == "integer":
        return int
    if schema_type == "number":
        return float
    if schema_type == "boolean":
        return _cast_bool
    if schema_type == "array":
        items = schema.get("items", _EMPTY)
        if not isinstance(items, SchemaPath):
            raise Unsupported("items is not a schema")
        cast_item = _caster(items)

        def cast_array(value: Any) -> list[Any]:
            if isinstance(value, str | bytes) or not isinstance(value, Iterable):
                raise ValueError("not an array")
            return [cast_item(item) for item in value]

        return cast_array
    raise Unsupported(f"casting to {schema_type}")


def _cast_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value.lower() not in BOOLEAN_TRUE_VALUES + BOOLEAN_FALSE_VALUES:
        raise ValueError("not a boolean")
    return forcebool(value)


def _identity(value: Any) -> Any:
    return value


def _form_fields(schema: SchemaPath) -> tuple[_Field, ...]:
    if any(key in schema for key in _COMBINATORS):
        raise Unsupported("oneOf/anyOf/allOf in a form")
    fields: list[_Field] = []
    for name, prop in get_properties(schema).items():
        prop_type = (prop / "type").read_str("")
        if prop_type == "object":
            raise Unsupported(f"object form field {name}")
        fields.append(_Field(name, prop_type == "array", _default(prop), _caster(prop)))
    return tuple(fields)


def _unmarshaller(
    schema: SchemaPath, formats: FormatsUnmarshaller, identity: frozenset[str], depth: int
) -> Unmarshal:
    """openapi-core's SchemaUnmarshaller on an already valid value, as a plain function:
    objects rebuilt in schema order with defaults filled in, then their other keys;
    arrays rebuilt; scalars as they are (the formats that would convert are left to
    openapi-core)."""
    if depth > _MAX_DEPTH:
        raise Unsupported("a recursive schema")
    if any(key in schema for key in (*_COMBINATORS, "x-model", "x-model-path")):
        raise Unsupported("oneOf/anyOf/allOf or x-model")
    schema_type = _schema_type(schema)
    schema_format = (schema / "format").read_str(None)
    if schema_format is not None:
        if schema_type is None:
            raise Unsupported("a format without a type")
        if (
            schema_type == "string"
            and schema_format not in identity
            and formats.get_unmarshaller(schema_format) is not None
        ):
            raise Unsupported(f"format {schema_format} converts")
    if schema_type in ("string", "integer", "number", "boolean"):
        return _identity
    if schema_type == "object":
        return _object_unmarshaller(schema, formats, identity, depth)
    if schema_type == "array":
        return _array_unmarshaller(schema, formats, identity, depth)
    if schema_type is not None:
        raise Unsupported(f"type {schema_type}")
    if not any(key in schema for key in ("properties", "items", "additionalProperties")):
        # No type, nothing nested declared: objects and arrays unmarshal as `{}` (itself
        # again for array items), i.e. copied as they are.
        return _copy_any
    as_object = _object_unmarshaller(schema, formats, identity, depth)
    as_array = _array_unmarshaller(schema, formats, identity, depth)

    def any_type(value: Any) -> Any:  # no type: as openapi-core, by the value's own
        if isinstance(value, dict):
            return as_object(value)
        if isinstance(value, list):
            return as_array(value)
        return value

    return any_type


def _object_unmarshaller(
    schema: SchemaPath, formats: FormatsUnmarshaller, identity: frozenset[str], depth: int
) -> Unmarshal:
    properties = [
        (name, _unmarshaller(prop, formats, identity, depth + 1), _default(prop))
        for name, prop in get_properties(schema).items()
    ]
    additional = schema.get("additionalProperties", True)
    extra: Unmarshal | None
    if additional is False:
        extra = None
    elif additional is True:
        extra = _copy_any
    elif isinstance(additional, SchemaPath):
        extra = _unmarshaller(additional, formats, identity, depth + 1)
    else:
        raise Unsupported("additionalProperties")

    def unmarshal_object(value: Any) -> Any:
        if value is None:
            return None
        out: dict[str, Any] = {}
        for name, unmarshal, default in properties:
            if name in value:
                out[name] = unmarshal(value[name])
            elif default:
                out[name] = deepcopy(default[0])
        if extra is not None:
            for key, item in value.items():
                if key not in out:
                    out[key] = extra(item)
        return out

    return unmarshal_object


def _array_unmarshaller(
    schema: SchemaPath, formats: FormatsUnmarshaller, identity: frozenset[str], depth: int
) -> Unmarshal:
    items = schema.get("items", _EMPTY)
    if not isinstance(items, SchemaPath):
        raise Unsupported("items is not a schema")
    unmarshal_item = _unmarshaller(items, formats, identity, depth + 1)

    def unmarshal_array(value: Any) -> Any:
        return None if value is None else [unmarshal_item(item) for item in value]

    return unmarshal_array


def _copy_any(value: Any) -> Any:
    """A value under `additionalProperties: true` (openapi-core: `{nullable: true}`)."""
    if isinstance(value, dict):
        return {key: _copy_any(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_any(item) for item in value]
    return value
