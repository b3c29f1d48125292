"""Operations and shortcuts for the sending policy tests."""

from typing import Any

from tests.support import GraphQLClient

POLICY_FIELDS = """
    quietHours { start end }
    marketingCap { messages days }
    breaker { failureRate optOutRate limitedRate window }
    validitySeconds { marketing utility }
"""
POLICY = f"{{ viewer {{ merchant {{ sendingPolicy {{ {POLICY_FIELDS} }} }} }} }}"
UPDATE = f"""mutation($input: UpdateSendingPolicyInput!) {{
  updateSendingPolicy(input: $input) {{
    sendingPolicy {{ {POLICY_FIELDS} }}
    errors {{ field code message }}
  }}
}}"""

DEFAULTS: dict[str, Any] = {
    "quietHours": None,
    "marketingCap": None,
    "breaker": {"failureRate": 0.3, "optOutRate": 0.05, "limitedRate": 0.3, "window": 200},
    "validitySeconds": {"marketing": 14_400, "utility": 36_000},
}


async def policy(gql: GraphQLClient) -> dict[str, Any]:
    found: dict[str, Any] = (await gql.data(POLICY))["viewer"]["merchant"]["sendingPolicy"]
    return found


async def update(gql: GraphQLClient, changes: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(UPDATE, {"input": changes}))["updateSendingPolicy"]
    return payload


async def updated(gql: GraphQLClient, changes: dict[str, Any]) -> dict[str, Any]:
    """The policy after a change that must be valid."""
    payload = await update(gql, changes)
    assert payload["errors"] == [], payload["errors"]
    result: dict[str, Any] = payload["sendingPolicy"]
    return result
