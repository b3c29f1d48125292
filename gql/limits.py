"""Limits on a GraphQL document, checked before anything is executed.

- Length: a document longer than the limit is not parsed at all. Tokens do not count
  whitespace and comments, and graphql-core scans the document from its start for the
  line of every error it reports: 100 errors in a 1 MB one-line document took 1.4 s.
- Tokens: graphql-core's `parse(max_tokens=...)` (what strawberry's MaxTokensLimiter sets),
  so a huge document stops being parsed at the limit: parsing it is the cost.
- Depth, aliases and cost: one validation rule that walks each operation once, fragments
  memoised. Strawberry's QueryDepthLimiter and MaxAliasesLimiter are not used: they walk
  a fragment again at every spread (a chain of 18 fragments each spreading the next twice
  took them 0.6 s and 2 s; 30 would take hours) and raise on an unknown fragment name or a
  huge integer argument.

The cost of a field is 1, times the page sizes of the lists above it: a field with a
`first` argument multiplies what it contains by `first` (its default when not given), a
connection's `edges` by 1 (the page is `first` already), any other list by
ASSUMED_LIST_SIZE. Page sizes count at most MAX_PAGE_SIZE (larger ones are refused).
Scalar fields cost nothing; what they cost is in their object.
"""

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from gql.validation_cache import PerRequestRule
from repositories.pagination import MAX_PAGE_SIZE
from services.settings import Settings

ASSUMED_LIST_SIZE = 10  # lists without a page size: versions, sends, variables


@dataclass(frozen=True)
class Limits:
    length: int
    tokens: int
    depth: int
    aliases: int
    cost: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(
            settings.max_query_length,
            settings.max_query_tokens,
            settings.max_query_depth,
            settings.max_query_aliases,
            settings.max_query_cost,
        )


def limit_error(message: str, code: str, node: Any = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code})


@dataclass(frozen=True)
class _Measure:
    """Of a selection set, for one object it is selected on."""

    cost: int
    depth: int
    aliases: int

    def __add__(self, other: "_Measure") -> "_Measure":
        return _Measure(
            self.cost + other.cost, max(self.depth, other.depth), self.aliases + other.aliases
        )


NOTHING = _Measure(0, 0, 0)
Composite = GraphQLObjectType | GraphQLInterfaceType


class _Walker:
    def __init__(self, context: ValidationContext, variables: Mapping[str, Any]) -> None:
        self.context = context
        self.variables = variables
        self.fragments = {
            d.name.value: d
            for d in context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[str, _Measure] = {}

    def selection_set(self, node: SelectionSetNode | None, parent: Any) -> _Measure:
        total = NOTHING
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                total = total + self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self._type(condition.name.value) if condition else parent
                total = total + self.selection_set(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                total = total + self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> _Measure:
        if name not in self.memo:
            self.memo[name] = NOTHING  # a cycle counts once (graphql-core reports it)
            definition = self.fragments.get(name)
            if definition is not None:
                parent = self._type(definition.type_condition.name.value)
                self.memo[name] = self.selection_set(definition.selection_set, parent)
        return self.memo[name]

    def field(self, node: FieldNode, parent: Any) -> _Measure:
        aliases = 1 if node.alias else 0
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            return _Measure(0, 0, aliases)  # scalars, __typename, unknown fields
        size = self._list_size(node, definition)
        inner = self.selection_set(node.selection_set, get_named_type(definition.type))
        # `size` objects, each with what is selected in it.
        return _Measure(size * (1 + inner.cost), inner.depth + 1, aliases + inner.aliases)

    def _list_size(self, node: FieldNode, definition: Any) -> int:
        first = definition.args.get("first")
        if first is not None:
            return self._first(node, first.default_value)
        field_type = definition.type
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        if not isinstance(field_type, GraphQLList):
            return 1
        return 1 if node.name.value == "edges" else ASSUMED_LIST_SIZE

    def _first(self, node: FieldNode, default: Any) -> int:
        # A page larger than MAX_PAGE_SIZE is refused by its resolver (BAD_USER_INPUT)
        # before it reads anything: counted as the largest page, it gets that refusal.
        return min(self._given_first(node, default), MAX_PAGE_SIZE)

    def _given_first(self, node: FieldNode, default: Any) -> int:
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if given is None:
                    break  # not given: the field's default applies
                return given if isinstance(given, int) and given >= 0 else 1
            if isinstance(value, IntValueNode) and len(value.value) < 10:
                return max(int(value.value), 0)
            return 1  # not an integer: another rule (or the resolver) refuses it
        return default if isinstance(default, int) else 1

    def _type(self, name: str) -> GraphQLNamedType | None:
        return self.context.schema.get_type(name)


def limits_rule(limits: Limits, variables: Mapping[str, Any]) -> type[ValidationRule]:
    class RequestLimitsRule(PerRequestRule):  # its variables are the request's
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            context = self.context
            root = context.schema.get_root_type(node.operation or OperationType.QUERY)
            given = dict(variables)
            for definition in node.variable_definitions or ():  # `$first: Int = 500`
                default = definition.default_value
                name = definition.variable.name.value
                if given.get(name) is None and isinstance(default, IntValueNode):
                    given[name] = int(default.value) if len(default.value) < 10 else 1
            measure = _Walker(context, given).selection_set(node.selection_set, root)
            for error in limit_errors(measure, limits, node):
                context.report_error(error)

    return RequestLimitsRule


def limit_errors(measure: _Measure, limits: Limits, node: Any) -> Iterator[GraphQLError]:
    if measure.depth > limits.depth:
        yield limit_error(
            f"The operation is nested {measure.depth} levels deep; the limit is "
            f"{limits.depth} (CAMPAIGNS_MAX_QUERY_DEPTH).",
            "QUERY_TOO_DEEP",
            node,
        )
    if measure.aliases > limits.aliases:
        yield limit_error(
            f"The operation has {measure.aliases} aliases; the limit is {limits.aliases} "
            "(CAMPAIGNS_MAX_QUERY_ALIASES).",
            "TOO_MANY_ALIASES",
            node,
        )
    if measure.cost > limits.cost:
        yield limit_error(
            f"The operation could return {measure.cost} objects; the limit is {limits.cost} "
            "(CAMPAIGNS_MAX_QUERY_COST). Ask for smaller pages or fewer nested lists.",
            "QUERY_TOO_COSTLY",
            node,
        )


TOKEN_LIMIT_MESSAGE = "Document contains more than"  # graphql-core's parse(max_tokens=)


def _given_ints(variables: Mapping[str, Any]) -> tuple[tuple[str, object], ...]:
    """All the limits rule reads of the variables: an int as it is, any other value as
    one marker (the rule counts each as 1), and None as not given."""
    return tuple(
        sorted(
            (name, value if isinstance(value, int) else ...)
            for name, value in variables.items()
            if value is not None
        )
    )


MAX_REMEMBERED = 1024  # (document, limits, page sizes) that passed, least recent dropped
_passed: OrderedDict[tuple[object, ...], None] = OrderedDict()


class RequestLimits(SchemaExtension):
    """Applies the limits in the request context's settings to each operation.

    The verdict depends only on the document's text, the limits and the integers among
    the variables, so one that passed is remembered and not walked again: walking the
    contract's `Campaigns` document (graphql-core visits every node for a rule) took a
    tenth of that request's time. A document that failed is checked every time."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        settings = getattr(context.context, "settings", None)
        if not isinstance(settings, Settings):  # e.g. schema.execute without our context
            settings = Settings.model_construct()
        limits = Limits.from_settings(settings)
        context.parse_options["max_tokens"] = limits.tokens
        variables = context.variables or {}
        self.passed_key = (context.query, limits, _given_ints(variables))
        self.checking = not context.query or self.passed_key not in _passed
        if self.checking:
            rule = limits_rule(limits, variables)
            context.validation_rules = (*context.validation_rules, rule)
        else:
            _passed.move_to_end(self.passed_key)
        self.limits = limits
        yield

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        if self.checking and context.query and context.pre_execution_errors == []:
            _passed[self.passed_key] = None
            if len(_passed) > MAX_REMEMBERED:
                _passed.popitem(last=False)

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        if len(query) > self.limits.length:
            # Raised here, strawberry answers it as a request error without parsing.
            raise limit_error(
                f"The document has {len(query)} characters; the limit is "
                f"{self.limits.length} (CAMPAIGNS_MAX_QUERY_LENGTH). Send data as variables.",
                "QUERY_TOO_LARGE",
            )
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if TOKEN_LIMIT_MESSAGE in error.message:
                error.message = (
                    f"The document has more than {self.limits.tokens} tokens "
                    "(CAMPAIGNS_MAX_QUERY_TOKENS); send large lists as variables."
                )
                error.extensions = {"code": "QUERY_TOO_LARGE"}
