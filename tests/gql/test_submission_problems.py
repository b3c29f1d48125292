"""WhatsApp's rules are visible before submitting: a campaign and its preview list exactly
what submitCampaign would refuse, so an editor can show them while a merchant types."""

from typing import Any

from db.database import Database
from tests.conftest import MerchantAccount
from tests.gql.helpers import UPDATE, add_leads, codes, create_campaign
from tests.gql.operations import contract
from tests.support import GraphQLClient, fewest_statements

SUBMIT = contract("SubmitCampaign")
PROBLEMS = """
query ($id: ID!) {
  campaign(id: $id) { status submissionProblems { field code message } }
}
"""
PREVIEW_PROBLEMS = """
query ($campaignId: ID!, $leadId: ID!) {
  campaignPreview(campaignId: $campaignId, leadId: $leadId) {
    renderedBody
    problems { field code message }
    submissionProblems { field code message }
  }
}
"""
LIST_PROBLEMS = """
query ($first: Int) {
  campaigns(first: $first, filter: { nameContains: "bulk_" }) {
    edges { node { name submissionProblems { code } } }
  }
}
"""
# The README's example before it was fixed: accepted as a draft, refused on submission.
BAD_BODY = "Hi {{lead_name}}, {{merchant_name}} has 20% off with code {{coupon_code}}!"
GOOD_BODY = (
    "Hi {{lead_name}}, this spring {{merchant_name}} gives you 20% off with code "
    "{{coupon_code}} at checkout."
)


async def campaign_problems(gql: GraphQLClient, campaign_id: str) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = (await gql.data(PROBLEMS, {"id": campaign_id}))["campaign"][
        "submissionProblems"
    ]
    return problems


async def preview_of_first_lead(gql: GraphQLClient, campaign_id: str) -> dict[str, Any]:
    lead = {"phone": "+14155550101", "name": "Ana", "customVariables": {"coupon_code": "ANA20"}}
    added = await add_leads(gql, campaign_id, [lead])
    variables = {"campaignId": campaign_id, "leadId": added["leads"][0]["id"]}
    preview: dict[str, Any] = (await gql.data(PREVIEW_PROBLEMS, variables))["campaignPreview"]
    return preview


async def submit(gql: GraphQLClient, campaign_id: str) -> dict[str, Any]:
    result: dict[str, Any] = (await gql.data(SUBMIT, {"id": campaign_id}))["submitCampaign"]
    return result


async def test_a_bad_body_shows_what_submission_refuses(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql, body=BAD_BODY)
    problems = await campaign_problems(gql, campaign["id"])
    assert codes(problems) == [
        ("PLACEHOLDER_AT_EDGE", ["body"]),
        ("ADJACENT_PLACEHOLDERS", ["body"]),
        ("TOO_FEW_WORDS", ["body"]),
    ]
    assert problems[0]["message"] == (
        "The body cannot end with {{coupon_code}}; put some words after it."
    )

    preview = await preview_of_first_lead(gql, campaign["id"])
    assert preview["submissionProblems"] == problems
    assert preview["problems"] == [], "the message itself could be rendered for this lead"

    refused = await submit(gql, campaign["id"])
    assert refused["errors"] == problems
    assert refused["campaign"] is None
    assert (await gql.data(PROBLEMS, {"id": campaign["id"]}))["campaign"]["status"] == (
        "UNSUBMITTED"
    )


async def test_a_good_body_has_no_problems_and_submits(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql, body=GOOD_BODY)
    assert await campaign_problems(gql, campaign["id"]) == []
    preview = await preview_of_first_lead(gql, campaign["id"])
    assert preview["submissionProblems"] == []
    assert preview["renderedBody"] == (
        "Hi Ana, this spring Test Shop gives you 20% off with code ANA20 at checkout."
    )
    submitted = await submit(gql, campaign["id"])
    assert submitted["errors"] == []
    assert submitted["campaign"]["status"] == "RECEIVED"


async def test_problems_follow_the_current_body_and_samples(gql: GraphQLClient) -> None:
    campaign = await create_campaign(gql, body=GOOD_BODY)
    edited = (
        await gql.data(UPDATE, {"id": campaign["id"], "input": {"body": "{{lead_name}}, hello!"}})
    )["updateCampaign"]
    assert edited["errors"] == []
    assert codes(await campaign_problems(gql, campaign["id"])) == [
        ("PLACEHOLDER_AT_EDGE", ["body"]),
        ("TOO_FEW_WORDS", ["body"]),
    ]

    # Meta's reviewers see the samples filled in, so a long sample makes the body too long.
    long_sample = {"body": GOOD_BODY + " Thanks!", "samples": {"coupon_code": "X" * 1000}}
    edited = (await gql.data(UPDATE, {"id": campaign["id"], "input": long_sample}))[
        "updateCampaign"
    ]
    assert edited["errors"] == []
    problems = await campaign_problems(gql, campaign["id"])
    assert codes(problems) == [("BODY_TOO_LONG", ["body"])]
    assert (await submit(gql, campaign["id"]))["errors"] == problems


async def test_listing_problems_costs_no_statement_per_campaign(
    merchant: MerchantAccount, db: Database
) -> None:
    gql = merchant.client
    for i in range(12):
        await create_campaign(gql, name=f"bulk_{i:02d}", body=BAD_BODY if i % 2 else GOOD_BODY)

    async def listed(first: int) -> tuple[list[dict[str, Any]], int]:
        data = await gql.data(LIST_PROBLEMS, {"first": first})
        cost = await fewest_statements(db, lambda: gql.data(LIST_PROBLEMS, {"first": first}))
        return [edge["node"] for edge in data["campaigns"]["edges"]], cost

    (few, small), (many, large) = await listed(2), await listed(12)
    assert (len(few), len(many)) == (2, 12)
    assert small == large
    by_name = {node["name"]: [p["code"] for p in node["submissionProblems"]] for node in many}
    assert by_name["bulk_01"] == ["PLACEHOLDER_AT_EDGE", "ADJACENT_PLACEHOLDERS", "TOO_FEW_WORDS"]
    assert by_name["bulk_00"] == []
