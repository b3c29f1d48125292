"""GraphQL operations in the metrics (services/telemetry/metrics.py): counted and timed
by their first root field, a name from the schema (so the label is bounded whatever a
client sends), and by outcome: ok, user_error (a payload with `errors`), or error (a
GraphQL error: the document did not parse or validate, or execution failed).
Subscriptions are counted by the WebSocket handler instead: they last."""

import time
from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, OperationDefinitionNode, OperationType
from strawberry.extensions import SchemaExtension

from services.telemetry import metrics

INVALID = "invalid"  # no operation could be told: the document did not parse


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        operation = _operation(context.graphql_document, context.operation_name)
        if operation is not None and operation.operation is OperationType.SUBSCRIPTION:
            return
        name = _root_field(operation, self.execution_context.schema) if operation else INVALID
        metrics.graphql_operations.labels(name, _outcome(context)).inc()
        metrics.graphql_duration.labels(name).observe(time.perf_counter() - started)


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if name is None or (operation.name and operation.name.value == name):
            return operation
    return None


def _root_field(operation: OperationDefinitionNode, schema: Any) -> str:
    root = schema._schema.get_root_type(operation.operation)
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            return name if root is not None and name in root.fields else metrics.OTHER
    return metrics.OTHER  # only fragments at the root: rare enough not to name


def _outcome(context: Any) -> str:
    if context.pre_execution_errors:
        return "error"
    result = context.result
    if result is None or result.errors:
        return "error"
    data = result.data or {}
    payloads = [value for value in data.values() if isinstance(value, dict)]
    if any(payload.get("errors") for payload in payloads):
        return "user_error"
    return "ok"
