"""GraphQL documents used by the tests, taken from the frontend's contract where it has them."""

from pathlib import Path

from graphql import parse, print_ast
from graphql.language import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode

CONTRACT = Path(__file__).resolve().parents[1] / "contract" / "operations.graphql"
_document = parse(CONTRACT.read_text())
_fragments = [d for d in _document.definitions if isinstance(d, FragmentDefinitionNode)]


def contract(name: str) -> str:
    """The named operation of the contract, with every fragment it may need."""
    for definition in _document.definitions:
        if (
            isinstance(definition, OperationDefinitionNode)
            and definition.name
            and definition.name.value == name
        ):
            used = [f for f in _fragments if f"...{f.name.value}" in print_ast(definition)]
            # Fragments that spread other fragments: the contract's nest one level at most.
            return print_ast(DocumentNode(definitions=(definition, *used)))
    raise KeyError(name)
