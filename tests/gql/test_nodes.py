"""node(id:) answers for every type that declares itself a Node."""

from graphql import GraphQLInterfaceType

from gql.nodes import NODE_LOADERS
from gql.schema import schema


def test_every_node_type_can_be_fetched_by_its_global_id() -> None:
    graphql_schema = schema._schema
    node = graphql_schema.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    implementers = {t.name for t in graphql_schema.get_possible_types(node)}
    assert implementers == set(NODE_LOADERS)
