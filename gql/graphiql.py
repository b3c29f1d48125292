"""GraphiQL, served by this server: the page at /graphql and its assets under /static/graphiql.

Strawberry's own page loads React and GraphiQL from a CDN (a blank page without
internet) and sends anonymous subscriptions over HTTP. This page loads the pinned builds
vendored in static/graphiql/vendor (see the README there) and our script
static/graphiql/campaigns-graphiql.js, which runs subscriptions over graphql-transport-ws
with the Headers tab's headers as the connection_init payload.
"""

import re
from pathlib import Path
from string import Template

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

STATIC_DIR = Path(__file__).parent / "static" / "graphiql"
STATIC_PATH = "/static/graphiql"

# Everything the page loads comes from this server; the policy makes the browser refuse
# anything else, so a dependency that reaches out to a CDN fails visibly. (GraphiQL sets
# inline styles and embeds its fonts and icons as data: URLs.)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'"
)
HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]+)?|\[[0-9A-Fa-f:.]+\](:[0-9]+)?")

PAGE = Template("""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Campaigns API · GraphiQL</title>
    <link rel="icon" href="data:," />
    <style>
      body { margin: 0; height: 100vh; overflow: hidden; }
      #graphiql { height: 100vh; }
    </style>
    <link rel="stylesheet" href="$static/vendor/graphiql.min.css" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="$static/vendor/react.production.min.js"></script>
    <script src="$static/vendor/react-dom.production.min.js"></script>
    <script src="$static/vendor/graphiql.min.js"></script>
    <script src="$static/vendor/graphql-ws.min.js"></script>
    <script src="$static/campaigns-graphiql.js"></script>
  </body>
</html>
""")


def content_security_policy(host: str) -> str:
    # 'self' covers the page's own WebSocket only in browsers that follow CSP level 3, so
    # the WebSocket origins are named too (both schemes: TLS may end at a proxy).
    if not HOST.fullmatch(host):
        return CONTENT_SECURITY_POLICY  # never copy an odd Host header into the policy
    return f"{CONTENT_SECURITY_POLICY} ws://{host} wss://{host}"


def graphiql_page(request: Request) -> HTMLResponse:
    static = request.scope.get("root_path", "") + STATIC_PATH
    policy = content_security_policy(request.headers.get("host", ""))
    return HTMLResponse(PAGE.substitute(static=static), headers={"Content-Security-Policy": policy})


def graphiql_assets() -> Mount:
    # GraphiQL's build is about 1.5 MB; compressed it is about a third of that.
    app: ASGIApp = GZipMiddleware(StaticFiles(directory=STATIC_DIR))
    return Mount(STATIC_PATH, app=app, name="graphiql-static")
