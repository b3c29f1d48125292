"""The GraphiQL page at /graphql loads everything from this server (no CDN).

The browser test (tests/browser/test_graphiql.py) drives the page itself; these checks
need no browser.
"""

import re

import httpx

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


async def page(http: httpx.AsyncClient) -> httpx.Response:
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    return response


async def test_every_asset_comes_from_this_server(http: httpx.AsyncClient) -> None:
    assets = [url for url in ASSET.findall((await page(http)).text) if url != "data:,"]
    assert len(assets) == 6  # GraphiQL's CSS, React, ReactDOM, GraphiQL, graphql-ws, ours
    for url in assets:
        assert url.startswith("/static/graphiql/"), url
        response = await http.get(url, headers={"accept-encoding": "gzip"})
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] in ("text/css", "text/javascript")
        assert response.headers["content-encoding"] == "gzip"  # 1.6 MB otherwise


async def test_policy_lets_the_browser_reach_only_this_server(http: httpx.AsyncClient) -> None:
    policy = (await page(http)).headers["content-security-policy"]
    host = http.base_url.netloc.decode()
    assert "default-src 'self'" in policy
    assert f"connect-src 'self' ws://{host} wss://{host}" in policy
    assert "http" not in policy  # no CDN is allowed


async def test_odd_host_header_stays_out_of_the_policy(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html", "host": "a b;c"})
    assert "a b" not in response.headers["content-security-policy"]
