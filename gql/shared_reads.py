"""A query keeps its read session from its first statement to its last.

Without this, the request's shared read session (db/shared_session.py) would go back to
the pool whenever no loader happened to use it, e.g. between the root field's page and
the batches of its nodes' fields, and be checked out again. Mutations and subscriptions
are left alone: a mutation's transaction takes a connection of its own (holding a second
one meanwhile could exhaust the pool), and a subscription lasts as long as its WebSocket.
"""

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


class QueryHoldsReads(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        reads = getattr(execution.context, "reads", None)
        if reads is None or execution.operation_type is not OperationType.QUERY:
            yield
            return
        async with reads.held():
            yield
