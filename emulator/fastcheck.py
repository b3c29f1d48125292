"""The requests openapi-core would accept, recognised in microseconds with fastjsonschema.

openapi-core re-resolves the specs and builds fresh validators for every parameter and body
property of every request: 15-20 ms of CPU for a message create. Here each operation's
parameters and request body become one JSON Schema (the spec's own schemas, `$ref`s
resolved by fastjsonschema against the spec's components), compiled to Python on the
operation's first request. A request is fed to it as a document
`{"path": {...}, "query": {...}, "body": ...}`, form and query strings turned into the types
their schemas name (`"5"` -> 5, `"true"` -> True, repeated keys -> a list).

This check only ever accepts: a request it does not accept (a refusal, or a shape it does
not turn into its types) goes to openapi-core, whose findings make the refusal. The tests
ask openapi-core about every request as well (`SpecSet(cross_check=True)`), so a request
this accepts and openapi-core refuses fails them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import fastjsonschema

log = logging.getLogger(__name__)

Check = Callable[[Any], Any]
# OpenAPI's numeric formats, and Twilio's custom ones, are not checked (emulator.openapi).
_NUMERIC_FORMATS = ("int32", "int64", "float", "double")


class FastCheck:
    """One spec's operations, each compiled on first use (None: left to openapi-core)."""

    def __init__(self, spec: dict[str, Any], lenient_formats: tuple[str, ...]) -> None:
        self._components = spec.get("components", {})
        self._operations: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for item in spec["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    self._operations[operation["operationId"]] = (item, operation)
        self._formats = {name: _anything for name in (*lenient_formats, *_NUMERIC_FORMATS)}
        self._checks: dict[tuple[str, str], tuple[Check, dict[str, Any]] | None] = {}

    def accepts(
        self,
        operation_id: str,
        content_type: str,
        path: Mapping[str, str],
        query: Mapping[str, list[str]],
        body: Any,
        form: bool,
    ) -> bool:
        """Whether the request certainly passes the spec (False: openapi-core decides).
        `body`: decoded JSON, or with `form` the form's (key, value) pairs."""
        key = (operation_id, content_type)
        if key not in self._checks:
            self._checks[key] = self._compile(operation_id, content_type)
        compiled = self._checks[key]
        if compiled is None:
            return False
        check, types = compiled
        document: dict[str, Any] = {"path": dict(path), "query": _typed(query, types["query"])}
        if body is not None:
            document["body"] = _typed(body, types["body"]) if form else body
        try:
            check(document)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    def _compile(self, operation_id: str, content_type: str) -> tuple[Check, dict[str, Any]] | None:
        try:
            schema, types = self._request_schema(operation_id, content_type)
            return fastjsonschema.compile(schema, formats=self._formats), types
        except Exception as why:  # a schema it cannot compile: openapi-core does it all
            log.info("%s left to openapi-core: %s", operation_id, why)
            return None

    def _request_schema(
        self, operation_id: str, content_type: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The operation's request as one schema, and the properties' schemas to type with."""
        item, operation = self._operations[operation_id]
        parameters: dict[str, dict[str, Any]] = {"path": {}, "query": {}}
        required: dict[str, list[str]] = {"path": [], "query": []}
        for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
            where = parameter.get("in")
            if where in parameters:
                parameters[where][parameter["name"]] = parameter.get("schema", {})
                if parameter.get("required") or where == "path":
                    required[where].append(parameter["name"])
        document: dict[str, Any] = {
            "type": "object",
            "properties": {
                where: {"type": "object", "properties": props, "required": required[where]}
                for where, props in parameters.items()
            },
            "components": self._components,
        }
        types: dict[str, Any] = {"query": parameters["query"], "body": {}}
        body = operation.get("requestBody")
        if body is not None:
            media = body.get("content", {}).get(content_type)
            if media is None:
                raise ValueError(f"no {content_type} body")  # openapi-core's refusal
            document["properties"]["body"] = media.get("schema", {})
            types["body"] = self._properties(media.get("schema", {}))
            if body.get("required"):
                document["required"] = ["body"]
        return document, types

    def _properties(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A form body's property schemas (the body schema is a `$ref` in Twilio's specs)."""
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            target: Any = {"components": self._components}
            for part in ref[2:].split("/"):
                target = target[part]
            schema = target
        properties: dict[str, Any] = schema.get("properties", {})
        return properties


def _anything(_value: Any) -> bool:
    return True


def _typed(pairs: Mapping[str, list[str]] | list[tuple[str, str]], schemas: dict[str, Any]) -> Any:
    """Strings from a query or a form, as the types their schemas name; a value that is not
    one stays a string, for the schema to refuse (and openapi-core to judge)."""
    grouped: dict[str, list[str]] = {}
    if isinstance(pairs, list):
        for key, value in pairs:
            grouped.setdefault(key, []).append(value)
    else:
        grouped = dict(pairs)
    typed: dict[str, Any] = {}
    for name, values in grouped.items():
        schema = schemas.get(name, {})
        if schema.get("type") == "array":
            item = schema.get("items", {})
            typed[name] = [_cast(value, item) for value in values]
        elif len(values) == 1:
            typed[name] = _cast(values[0], schema)
        else:
            typed[name] = values
    return typed


def _cast(value: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value
