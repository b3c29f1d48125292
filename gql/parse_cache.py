"""A document parsed once per text, not once per request.

Parsing the contract's `Campaigns` document (a 30-field fragment) took about a tenth of
its request's time (bench/http_paths.py, profiled with py-spy), the same on every
request. graphql-core never changes a parsed document, so requests with the same text
share one. Only documents that parsed without error are remembered: a bad one is parsed
again, and answered with its own errors, every time. The parse options (the token
limit) are part of the key, so a document is never taken past a lower limit.
"""

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

MAX_DOCUMENTS = 256  # distinct document texts remembered (least recently used dropped)

_Key = tuple[str, tuple[tuple[str, object], ...]]
_parsed: OrderedDict[_Key, DocumentNode] = OrderedDict()


class ParseCache(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if not context.query or context.graphql_document is not None:
            yield
            return
        key = (context.query, tuple(sorted(context.parse_options.items())))
        document = _parsed.get(key)
        if document is not None:
            _parsed.move_to_end(key)
            context.graphql_document = document  # strawberry parses only when it has none
            yield
            return
        yield
        if context.graphql_document is not None and not context.pre_execution_errors:
            _parsed[key] = context.graphql_document
            if len(_parsed) > MAX_DOCUMENTS:
                _parsed.popitem(last=False)
