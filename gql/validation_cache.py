"""Validation against the schema's rules once per document text, not once per request.

graphql-core's rules, run on every request, were the largest single cost of a small
query: `{ __typename }` took ~1.5 ms of validation and left ~700 objects in reference
cycles for the garbage collector (bench/http_paths.py, profiled with py-spy). What the
schema's rules say depends only on the document, so a document that passed them once
passes them again. The rules that depend on the request (its variables, its app's
settings: PerRequestRule subclasses) run on every request, on their own.

Only documents that passed every rule are remembered, so a request's errors are exactly
what full validation would report: when the schema's rules find nothing, the errors are
the per-request rules' alone. A document that failed is validated in full again (and its
errors are never shared between requests).
"""

from collections import OrderedDict
from collections.abc import Iterator

from graphql import ASTValidationRule, ValidationRule, validate
from strawberry.extensions import SchemaExtension

MAX_DOCUMENTS = 256  # distinct document texts remembered (least recently used dropped)


class PerRequestRule(ValidationRule):
    """A rule whose verdict depends on more than the document: never cached."""


class _ValidDocuments:
    def __init__(self, size: int) -> None:
        self.size = size
        self._keys: OrderedDict[tuple[object, ...], None] = OrderedDict()

    def __contains__(self, key: tuple[object, ...]) -> bool:
        if key not in self._keys:
            return False
        self._keys.move_to_end(key)
        return True

    def add(self, key: tuple[object, ...]) -> None:
        self._keys[key] = None
        if len(self._keys) > self.size:
            self._keys.popitem(last=False)


_valid = _ValidDocuments(MAX_DOCUMENTS)


class ValidationCache(SchemaExtension):
    """Runs only the per-request rules for a document the schema's rules passed before."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        rules = context.validation_rules
        per_request = tuple(r for r in rules if issubclass(r, PerRequestRule))
        fixed: tuple[type[ASTValidationRule], ...] = tuple(
            r for r in rules if not issubclass(r, PerRequestRule)
        )
        key = (context.query, fixed)
        document = context.graphql_document
        if context.query and document is not None and key in _valid:
            context.pre_execution_errors = (
                validate(context.schema._schema, document, per_request) if per_request else []
            )
            yield
            return
        yield
        if context.query and context.pre_execution_errors == []:
            _valid.add(key)
