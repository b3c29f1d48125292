"""`/sends/<a send's global id>`: one send's progress, live, for a merchant to watch in a
browser (static/sends/send-progress.js subscribes to campaignSendProgress).

The page itself is the same for every send and holds no data: the script reads the id
from the path and the token from the URL's fragment, so neither the token nor anything
of the send is ever in a request the server logs. Served whether or not GraphiQL is on."""

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gql.graphiql import STATIC_DIR as GRAPHIQL_DIR
from gql.graphiql import content_security_policy

STATIC_DIR = Path(__file__).parent / "static" / "sends"
STATIC_PATH = "/static/sends"
# The same vendored graphql-ws build GraphiQL uses, served here too: GraphiQL may be off.
GRAPHQL_WS = GRAPHIQL_DIR / "vendor" / "graphql-ws.min.js"

PAGE = f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="referrer" content="no-referrer" />
    <title>Campaign send · Campaigns API</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="{STATIC_PATH}/send-progress.css" />
  </head>
  <body>
    <h1 id="campaign">Campaign send</h1>
    <p class="note">Send <code id="send-id"></code></p>
    <form id="ask" hidden>
      <p id="ask-message"></p>
      <input id="token" type="password" autocomplete="off" placeholder="cmp_…" />
      <button type="submit">Follow the send</button>
    </form>
    <section id="progress" hidden>
      <p><span id="status" class="status"></span> <span id="reason" class="note"></span></p>
      <div id="bar" class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100">
        <span id="bar-read" class="read"></span><span id="bar-delivered" class="delivered"></span>
        <span id="bar-sent" class="sent"></span><span id="bar-failed" class="failed"></span>
        <span id="bar-limited" class="limited"></span><span id="bar-skipped" class="skipped"></span>
      </div>
      <p><strong id="done"></strong> <span id="rate" class="note"></span></p>
      <table>
        <tr><td>Total</td><td class="n" id="total"></td></tr>
        <tr><td>Queued</td><td class="n" id="queued"></td></tr>
        <tr><td>Sent</td><td class="n" id="sent"></td></tr>
        <tr><td>Delivered</td><td class="n" id="delivered"></td></tr>
        <tr><td>Read</td><td class="n" id="read"></td></tr>
        <tr><td>Failed</td><td class="n" id="failed"></td></tr>
        <tr><td>Limited by Meta</td><td class="n" id="limited"></td></tr>
        <tr><td>Skipped</td><td class="n" id="skipped"></td></tr>
      </table>
    </section>
    <p id="error" class="error" role="alert"></p>
    <script src="{STATIC_PATH}/graphql-ws.min.js"></script>
    <script src="{STATIC_PATH}/send-progress.js"></script>
  </body>
</html>
"""


async def send_page(request: Request) -> HTMLResponse:
    policy = content_security_policy(request.headers.get("host", ""))
    # No caching by proxies, and no Referer carrying the path to anyone else.
    headers = {
        "Content-Security-Policy": policy,
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
    }
    return HTMLResponse(PAGE, headers=headers)


async def _graphql_ws(_: Request) -> FileResponse:
    return FileResponse(GRAPHQL_WS, media_type="text/javascript")


def send_page_routes() -> list[BaseRoute]:
    return [
        Route("/sends/{send_id}", send_page, methods=["GET"]),
        Route(f"{STATIC_PATH}/graphql-ws.min.js", _graphql_ws, methods=["GET"]),
        Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR)),
    ]
