"""GET /r/{token}: a tracked link. Counts the click and redirects to the link's target."""

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from jobs.runtime import Runtime
from services.links.redirect import follow_link

# Each click must reach us to be counted, and the token is the recipient's own: no cache
# may keep the answer, and the target site is not told where the visitor came from.
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def tracked_link_endpoint(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        token = str(request.path_params["token"])
        async with runtime.db.transaction() as session:
            # HEAD is what link checkers and previews send: answer it, count only GETs.
            target = await follow_link(session, token, count=request.method == "GET")
        if target is None:
            return PlainTextResponse("Link not found.", status_code=404, headers=_HEADERS)
        return RedirectResponse(target, status_code=302, headers=_HEADERS)

    return endpoint
