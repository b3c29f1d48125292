"""Operations and shortcuts for the contact tests."""

from typing import Any

from tests.support import GraphQLClient

CONTACT_FIELDS = """
    id phone name attributes tags optedOut optedOutAt createdAt updatedAt
"""
PAYLOAD = f"contacts {{ {CONTACT_FIELDS} }} errors {{ field code message }}"
CREATE = f"""mutation($contacts: [ContactInput!]!) {{
  createContacts(contacts: $contacts) {{ {PAYLOAD} }}
}}"""
UPDATE = f"""mutation($contacts: [ContactUpdateInput!]!) {{
  updateContacts(contacts: $contacts) {{ {PAYLOAD} }}
}}"""
TAG = f"""mutation($ids: [ID!]!, $tags: [String!]!) {{
  tagContacts(contactIds: $ids, tags: $tags) {{ {PAYLOAD} }}
}}"""
UNTAG = f"""mutation($ids: [ID!]!, $tags: [String!]!) {{
  untagContacts(contactIds: $ids, tags: $tags) {{ {PAYLOAD} }}
}}"""
NODE = f"""query($id: ID!) {{
  node(id: $id) {{ __typename ... on ConversationUser {{ {CONTACT_FIELDS} }} }}
}}"""


async def mutate(gql: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    data = await gql.data(query, variables)
    [payload] = data.values()
    result: dict[str, Any] = payload
    return result


async def create(gql: GraphQLClient, contacts: list[dict[str, Any]]) -> dict[str, Any]:
    return await mutate(gql, CREATE, contacts=contacts)


async def created(gql: GraphQLClient, contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Contacts that must all be valid."""
    result = await create(gql, contacts)
    assert result["errors"] == [], result["errors"]
    people: list[dict[str, Any]] = result["contacts"]
    return people
