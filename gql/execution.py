"""GraphQL execution that leaves the event loop its turn during large requests.

graphql-core completes a list in one go: every item's fields, then one `gather` of all
the items' pending resolvers, whose tasks all wake in the same turn of the loop. For the
10,000 leads `addCampaignLeads` returns that held the event loop for over a second, and
every other request with it. Here a list longer than LONG_LIST is completed item by
item as graphql-core does it, but whenever a slice has taken longer than SLICE_SECONDS
its pending items are settled and the loop gets a turn before the next slice. The
result, its order, its errors and their paths are those graphql-core would produce;
only when a list is long and slow do its loaders batch per slice rather than once.

Likewise, when coercing the variables took longer than a slice, the loop gets a turn
before the resolvers start (and convert those variables once more, into input types).
"""

import asyncio
from collections.abc import Iterable
from time import perf_counter
from typing import Any

from graphql import GraphQLOutputType, GraphQLResolveInfo
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from services.cooperative import SLICE_SECONDS

LONG_LIST = 100  # shorter lists are completed by graphql-core itself


class CooperativeExecutionContext(StrawberryGraphQLCoreExecutionContext):
    coerced_slowly = False

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        started = perf_counter()
        built = super().build(*args, **kwargs)  # this coerces the variables
        if isinstance(built, CooperativeExecutionContext):
            built.coerced_slowly = perf_counter() - started > SLICE_SECONDS
        return built

    def execute_operation(self, serially: bool | None = None) -> Any:
        if not self.coerced_slowly:
            return super().execute_operation(serially)
        return self._execute_after_a_turn(serially)

    async def _execute_after_a_turn(self, serially: bool | None) -> Any:
        # Variables that took long to coerce (10,000 leads: ~45 ms) take about as long
        # to convert for the resolvers: the loop gets a turn between the two.
        await asyncio.sleep(0)
        result = super().execute_operation(serially)
        return await result if self.is_awaitable(result) else result

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        items = items if isinstance(items, list | tuple) else list(items)
        stream = self.get_stream_usage(field_details_list, path)
        if len(items) <= LONG_LIST or stream is not None:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        return self._complete_in_slices(
            item_type, field_details_list, info, path, items, position_context
        )

    async def _complete_in_slices(
        self,
        item_type: GraphQLOutputType,
        fields: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: list[Any] | tuple[Any, ...],
        context: Any,
    ) -> list[Any]:
        completed: list[Any] = []
        pending: list[int] = []  # indexes in `completed` that hold awaitables
        deadline = perf_counter() + SLICE_SECONDS
        try:
            for index, item in enumerate(items):
                at = path.add_key(index, None)
                if self.is_awaitable(item):
                    completed.append(
                        self.complete_awaitable_list_item_value(
                            item, item_type, fields, info, at, context
                        )
                    )
                    pending.append(index)
                elif self.complete_list_item_value(
                    item, completed, item_type, fields, info, at, context
                ):
                    pending.append(index)
                if perf_counter() > deadline:
                    await _settle(completed, pending)
                    await asyncio.sleep(0)
                    deadline = perf_counter() + SLICE_SECONDS
        except Exception:
            # As graphql-core does: the error bubbles at once, the started items settle.
            if pending:
                self.settle_in_background([completed[index] for index in pending])
            raise
        await _settle(completed, pending)
        return completed


async def _settle(completed: list[Any], pending: list[int]) -> None:
    """Replace the awaitables at `pending` in `completed` by their results."""
    indexes = pending.copy()
    pending.clear()  # awaited now, whatever happens: never to be settled again
    if indexes:
        results = await gather_with_cancel(*(completed[index] for index in indexes))
        for index, result in zip(indexes, results, strict=True):
            completed[index] = result
