"""The committed schema is the one the code serves, and it serves the frontend's contract."""

from pathlib import Path

from graphql import build_schema, parse, validate
from graphql.language import FragmentDefinitionNode, OperationDefinitionNode

from gql.schema import schema

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "tests" / "contract" / "operations.graphql"


def test_committed_schema_is_current() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema.as_str() + "\n", (
        "schema.graphql is stale: run `make schema` and commit it"
    )


def test_contract_operations_validate_against_the_committed_schema() -> None:
    served = build_schema((ROOT / "schema.graphql").read_text())
    document = parse(CONTRACT.read_text())
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    failures = {}
    for operation in operations:
        assert operation.name is not None
        name = operation.name.value
        single = document.__class__(definitions=(operation, *fragments))
        errors = [e for e in validate(served, single) if "is never used" not in e.message]
        if errors:
            failures[name] = errors[0].message
    assert not failures
    assert len(operations) == 22
