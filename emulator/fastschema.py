"""`validator.is_valid`, compiled to plain Python for the keywords Twilio's request schemas use.

jsonschema validates by walking the schema on every call: per keyword a function call and a
generator, per subschema a new validator (`evolve`) and a new resolver scope. For a message
create's 25-property form schema that is ~50 us, most of a request's validation. Here the
schema is walked once and each keyword becomes a closure doing exactly what the keyword's
function in the validator class does (the checks below mirror jsonschema 4 and
openapi-schema-validator 0.8, the OAS 3.0 "write" validator openapi-core uses for requests).

Which function implements a keyword is checked by identity (module and name) against the
validator class actually in use: a keyword this module does not know, or one implemented by
another function (a new library version), makes `compile_check` return None, and the
caller keeps jsonschema's own `is_valid`. The type and format checks are the validator's
own checkers.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from referencing._core import Resolver

Check = Callable[[Any], bool]


class Validator(Protocol):
    """What is used here of a jsonschema validator (jsonschema ships no type hints)."""

    VALIDATORS: ClassVar[Mapping[str, Any]]
    TYPE_CHECKER: Any
    format_checker: Any

    def is_valid(self, instance: Any) -> bool: ...


# Keyword -> (module, name) of the function this module mirrors.
_MIRRORED = {
    "type": ("openapi_schema_validator._keywords", "type"),
    "format": ("openapi_schema_validator._keywords", "format"),
    "minLength": ("jsonschema._keywords", "minLength"),
    "maxLength": ("jsonschema._keywords", "maxLength"),
    "pattern": ("openapi_schema_validator._keywords", "pattern"),
    "enum": ("jsonschema._keywords", "enum"),
    "minimum": ("jsonschema._legacy_keywords", "minimum_draft3_draft4"),
    "maximum": ("jsonschema._legacy_keywords", "maximum_draft3_draft4"),
    "items": ("openapi_schema_validator._keywords", "items"),
    "properties": ("jsonschema._keywords", "properties"),
    "required": ("openapi_schema_validator._keywords", "write_required"),
    "additionalProperties": ("openapi_schema_validator._keywords", "additionalProperties"),
    "readOnly": ("openapi_schema_validator._keywords", "write_readOnly"),
    "$ref": ("jsonschema._keywords", "ref"),
}
# Keywords the OAS validators accept and ignore (description-like fields).
_IGNORED = ("openapi_schema_validator._keywords", "not_implemented")
_MAX_DEPTH = 64


class _Unsupported(Exception):
    pass


def compile_check(validator: Validator, schema: Any, resolver: Resolver[Any]) -> Check | None:
    """A function equal to `validator.is_valid` (for `schema`, resolved with `resolver`, as
    the validator was built), or None when the schema uses anything not mirrored here."""
    try:
        return _Compiler(validator).compile(schema, resolver, 0)
    except _Unsupported:
        return None


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    frozen = tuple(checks)

    def every(value: Any) -> bool:
        for check in frozen:  # noqa: SIM110 - all() over a generator costs more, per request
            if not check(value):
                return False
        return True

    return every


class _Compiler:
    def __init__(self, validator: Validator) -> None:
        self.validators: Mapping[str, Any] = type(validator).VALIDATORS
        checker = validator.TYPE_CHECKER
        self.is_type: Callable[[Any, str], bool] = checker.is_type
        self.format_checker = validator.format_checker
        self._implementation_checked: dict[str, bool] = {}
        if self._implementation("pattern") == _MIRRORED["pattern"]:
            # openapi-schema-validator uses ECMA regexes when the `regex` package is there.
            from openapi_schema_validator._regex import has_ecma_regex

            if has_ecma_regex():
                raise _Unsupported("ECMA regexes")

    def _implementation(self, keyword: str) -> tuple[str, str] | None:
        function = self.validators.get(keyword)
        if function is None:
            return None
        return (function.__module__, function.__qualname__)

    def compile(self, node: Any, resolver: Resolver[Any], depth: int) -> Check:
        if depth > _MAX_DEPTH:
            raise _Unsupported("recursive schema")
        if node is True:
            return _always
        if node is False:
            return _never
        if not isinstance(node, dict):
            raise _Unsupported("schema is not an object")
        # `$schema` would switch the validator class, `id` the base URI of `$ref`s.
        if "$schema" in node or isinstance(node.get("id"), str):
            raise _Unsupported("$schema or id")
        checks: list[Check] = []
        for keyword, value in node.items():
            implementation = self._implementation(keyword)
            if implementation is None or implementation == _IGNORED:
                continue  # not a keyword of this validator: ignored as jsonschema does
            if _MIRRORED.get(keyword) != implementation:
                raise _Unsupported(f"keyword {keyword}")
            build = getattr(self, "_" + keyword.lstrip("$"))
            checks.append(build(value, node, resolver, depth))
        return _all(checks)

    # One builder per keyword, each the mirror of the function named in _MIRRORED.

    def _type(self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int) -> Check:
        if not isinstance(value, str):
            raise _Unsupported("a list of types")
        try:
            self.is_type(None, value)
        except Exception:
            raise _Unsupported(f"unknown type {value}") from None
        is_type = self.is_type
        nullable = node.get("nullable") is True
        # "Pragmatic": bytes pass as a string with format binary.
        binary = value == "string" and node.get("format") == "binary"

        def check_type(instance: Any) -> bool:
            if instance is None:
                return nullable
            if binary and isinstance(instance, bytes):
                return True
            return is_type(instance, value)

        return check_type

    def _format(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        checker = self.format_checker
        if checker is None:
            return _always

        def check_format(instance: Any) -> bool:
            return instance is None or checker.conforms(instance, value)

        return check_format

    def _minLength(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        is_type = self.is_type
        return lambda instance: not (is_type(instance, "string") and len(instance) < value)

    def _maxLength(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        is_type = self.is_type
        return lambda instance: not (is_type(instance, "string") and len(instance) > value)

    def _pattern(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        try:
            search = re.compile(value).search  # re.search(value, ...) uses the same regex
        except (re.error, TypeError):
            raise _Unsupported("a pattern jsonschema would fail on") from None
        is_type = self.is_type
        return lambda instance: not (is_type(instance, "string") and not search(instance))

    def _enum(self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int) -> Check:
        if not isinstance(value, list):
            raise _Unsupported("enum is not a list")
        # The enum keyword's own comparison (bool is not 1, [1] is not [True], ...).
        equal: Callable[[Any, Any], bool] = importlib.import_module("jsonschema._utils").equal
        # It compares a string with `==` only: a set does the same.
        strings = frozenset(each for each in value if isinstance(each, str))
        members = tuple(value)

        def check_enum(instance: Any) -> bool:
            if isinstance(instance, str):
                return instance in strings
            return any(equal(each, instance) for each in members)

        return check_enum

    def _minimum(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        is_type = self.is_type
        if node.get("exclusiveMinimum", False):
            return lambda instance: not (is_type(instance, "number") and instance <= value)
        return lambda instance: not (is_type(instance, "number") and instance < value)

    def _maximum(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        is_type = self.is_type
        if node.get("exclusiveMaximum", False):
            return lambda instance: not (is_type(instance, "number") and instance >= value)
        return lambda instance: not (is_type(instance, "number") and instance > value)

    def _items(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        if not isinstance(value, dict | bool):
            raise _Unsupported("items is not a schema")
        item_check = self.compile(value, resolver, depth + 1)
        is_type = self.is_type

        def check_items(instance: Any) -> bool:
            if not is_type(instance, "array"):
                return True
            return all(item_check(item) for item in instance)

        return check_items

    def _properties(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        if not isinstance(value, dict):
            raise _Unsupported("properties is not an object")
        checks = {name: self.compile(sub, resolver, depth + 1) for name, sub in value.items()}
        listed = tuple(checks.items())
        is_type = self.is_type

        # jsonschema checks each listed property present in the instance; the result does
        # not depend on the order, so the shorter of the two is walked.
        def check_properties(instance: Any) -> bool:
            if not is_type(instance, "object"):
                return True
            if len(instance) < len(listed):
                for key in instance:
                    check = checks.get(key)
                    if check is not None and not check(instance[key]):
                        return False
                return True
            for name, check in listed:
                if name in instance and not check(instance[name]):
                    return False
            return True

        return check_properties

    def _required(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        if not isinstance(value, list):
            raise _Unsupported("required is not a list")
        properties = node.get("properties", {})
        if not isinstance(properties, dict):
            raise _Unsupported("properties is not an object")
        needed: list[Any] = []
        for name in value:
            declared = properties.get(name)
            if declared and not isinstance(declared, dict):
                raise _Unsupported("a boolean property schema")
            # A missing readOnly property is no error in a request (the raw schema is read,
            # as the keyword reads it: a $ref is not followed).
            if declared and declared.get("readOnly", False):
                continue
            needed.append(name)
        names = tuple(needed)
        is_type = self.is_type

        def check_required(instance: Any) -> bool:
            if not is_type(instance, "object"):
                return True
            return all(name in instance for name in names)

        return check_required

    def _additionalProperties(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        if node.get("patternProperties"):
            raise _Unsupported("patternProperties")
        properties = node.get("properties", {})
        is_type = self.is_type
        if is_type(value, "object"):
            extra_check = self.compile(value, resolver, depth + 1)
        elif is_type(value, "boolean") and not value:
            extra_check = _never
        else:
            return _always

        def check_additional(instance: Any) -> bool:
            if not is_type(instance, "object"):
                return True
            for key in instance:
                if key not in properties and not extra_check(instance[key]):
                    return False
            return True

        return check_additional

    def _readOnly(
        self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int
    ) -> Check:
        # A request may not carry a readOnly property: any value of it is refused.
        return _never if value else _always

    def _ref(self, value: Any, node: dict[str, Any], resolver: Resolver[Any], depth: int) -> Check:
        if not isinstance(value, str):
            raise _Unsupported("$ref is not a string")
        try:
            resolved = resolver.lookup(value)
        except Exception:
            raise _Unsupported(f"unresolvable {value}") from None
        # jsonschema descends into the target with the target's resolver; siblings of the
        # $ref are checked too (the OAS 3.0 validator does not ignore them).
        return self.compile(resolved.contents, resolved.resolver, depth + 1)
