"""GraphQL requests generated from the schema by hypothesis-graphql: every root query and
mutation field, with arguments drawn from `scalars`, sent either as literals in the
document or (as most clients do) as variables, where JSON can carry what a GraphQL
literal cannot: unpaired surrogates, object keys that are not names, deep nesting."""

from dataclasses import dataclass
from typing import Any

import graphql
from graphql import (
    ArgumentNode,
    DocumentNode,
    NameNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse_type,
    print_ast,
    value_from_ast_untyped,
    visit,
)
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from gql.schema import schema
from tests.fuzz.scalars import custom_scalars

GRAPHQL_SCHEMA = schema._schema


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" or "mutation"
    document: str
    variables: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"query": self.document, "variables": self.variables}


class _ArgumentsToVariables(Visitor):
    """Replaces every argument's literal with a variable of the argument's type."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.definitions: list[VariableDefinitionNode] = []
        self.values: dict[str, Any] = {}

    def enter_argument(self, node: ArgumentNode, *_: Any) -> ArgumentNode | None:
        argument = self.type_info.get_argument()
        if argument is None:
            return None
        variable = VariableNode(name=NameNode(value=f"v{len(self.values)}"))
        self.values[variable.name.value] = value_from_ast_untyped(node.value)
        self.definitions.append(
            VariableDefinitionNode(variable=variable, type=parse_type(str(argument.type)))
        )
        return ArgumentNode(name=node.name, value=variable)


def with_variables(document: DocumentNode) -> tuple[str, dict[str, Any]]:
    type_info = TypeInfo(GRAPHQL_SCHEMA)
    visitor = _ArgumentsToVariables(type_info)
    edited = visit(document, TypeInfoVisitor(type_info, visitor))
    operation = edited.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    operation = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        directives=operation.directives,
        selection_set=operation.selection_set,
        variable_definitions=tuple(visitor.definitions),
    )
    return print_ast(DocumentNode(definitions=(operation,))), visitor.values


def operations(
    real_ids: list[str], names: list[str], mode: Mode = Mode.POSITIVE
) -> st.SearchStrategy[Operation]:
    scalars = custom_scalars(real_ids, names)
    documents = {
        "query": queries(GRAPHQL_SCHEMA, custom_scalars=scalars, print_ast=_same, mode=mode),
        "mutation": mutations(GRAPHQL_SCHEMA, custom_scalars=scalars, print_ast=_same, mode=mode),
    }

    @st.composite
    def operation(draw: st.DrawFn) -> Operation:
        kind = draw(st.sampled_from(["query", "mutation"]))
        document = draw(documents[kind])
        if draw(st.booleans()):
            text, variables = with_variables(document)
            return Operation(kind, text, variables)
        return Operation(kind, graphql.print_ast(document), {})

    return operation()


def _same(document: DocumentNode) -> DocumentNode:
    return document
