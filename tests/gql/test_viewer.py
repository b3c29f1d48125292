from tests.conftest import MerchantAccount
from tests.support import GraphQLClient

VIEWER = "query Viewer { viewer { merchant { id name commerce } } }"


async def test_viewer_is_the_token_holder(merchant: MerchantAccount, gql: GraphQLClient) -> None:
    data = await gql.data(VIEWER)
    assert data["viewer"]["merchant"]["name"] == "Test Shop"
    assert data["viewer"]["merchant"]["commerce"] is False


async def test_missing_or_bad_token_is_unauthenticated(gql: GraphQLClient) -> None:
    for token in ("", "cmp_not-a-real-token", "garbage"):
        body = (
            await gql.execute(VIEWER, token=token or None)
            if token
            else await GraphQLClient(gql.http, None).execute(VIEWER)
        )
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
