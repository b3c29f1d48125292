"""Strawberry's ASGI view, made to follow the GraphQL over HTTP spec.

https://graphql.github.io/graphql-over-http/draft/ — conformance is checked by the
reference audit (`graphql-http`'s `auditServer`) in tests/gql/test_graphql_over_http.py.

Strawberry already gets most of the spec right; what it lacks, and what this view adds
through strawberry's own hooks (nothing else of the view is re-implemented):

- The `application/graphql-response+json` media type: negotiated from `Accept`, used as
  the response's content type, and with its status code rules — a request error (the
  document does not parse or validate, the variables cannot be coerced: execution never
  started) gets 400 and a body without a `data` entry. `application/json` responses
  keep strawberry's behaviour, which is what the spec asks of that legacy media type:
  200 for every well-formed request, whatever GraphQL errors it raised.
- 405 (with `Allow: POST`) for a mutation sent with GET, which the spec requires;
  strawberry answers 400.
- 400 rather than 500 for request bodies that are JSON but not a JSON object (`1`,
  `"x"`, `null`) or that are not valid UTF-8: strawberry only guards against
  JSONDecodeError and then calls `.get` on whatever it decoded.

WebSocket connections (graphql-transport-ws) go through none of these hooks.
"""

from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from typing_extensions import TypeVar

APPLICATION_JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"

# The response media types this view can produce, in order of preference when the
# client likes them equally (e.g. `Accept: */*`): until the spec's "watershed" the
# spec has servers default to application/json, which every client understands.
SUPPORTED_MEDIA_TYPES = (APPLICATION_JSON, GRAPHQL_RESPONSE_JSON)

# Same defaults as strawberry's own type variables, so `GraphQLView` alone means
# GraphQLView[None, None] just as `GraphQL` does.
ContextT = TypeVar("ContextT", default=None)
RootValueT = TypeVar("RootValueT", default=None)


def negotiate_media_type(accept: str | None) -> str:
    """The media type to answer with, given the request's `Accept` header(s).

    The spec: the server MUST use the highest priority media type the client accepts
    that the server supports; with no Accept header it SHOULD assume application/json;
    when the client accepts none of them it MUST either answer 406 or disregard
    Accept and use application/json. This view does the latter, so a client with an
    unusual Accept header still gets an answer it can most likely read.

    Priority follows HTTP (RFC 9110 §12.5.1): each supported type takes the quality of
    the most specific range that matches it (`q=0` meaning "not acceptable"); among
    equal qualities an exact match beats a wildcard, then the earlier-listed range
    wins, then SUPPORTED_MEDIA_TYPES' order.
    """
    if not accept:
        return APPLICATION_JSON
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        media_range, *params = (part.strip().lower() for part in item.split(";"))
        weights = [value for name, _, value in (p.partition("=") for p in params) if name == "q"]
        try:
            quality = float(weights[0]) if weights else 1.0
        except ValueError:
            continue  # a malformed weight: ignore the range rather than guess
        ranges.append((media_range, quality))

    best, best_key = APPLICATION_JSON, (0.0, -1, 0)
    for media_type in SUPPORTED_MEDIA_TYPES:
        main_type = media_type.split("/")[0]
        # (specificity, -position, quality) of every range that matches the type.
        matches = [
            (specificity, -position, quality)
            for position, (media_range, quality) in enumerate(ranges)
            for candidate, specificity in ((media_type, 2), (f"{main_type}/*", 1), ("*/*", 0))
            if media_range == candidate
        ]
        if not matches:
            continue
        specificity, neg_position, quality = max(matches)
        key = (quality, specificity, neg_position)
        # Strictly greater: on a full tie the earlier entry of SUPPORTED_MEDIA_TYPES stays.
        if quality > 0 and key > best_key:
            best, best_key = media_type, key
    return best


def request_media_type(request: Request | WebSocket) -> str:
    # A client may send Accept as several header lines; HTTP reads them as one list.
    return negotiate_media_type(", ".join(request.headers.getlist("accept")))


def is_request_error(result: ExecutionResult) -> bool:
    """Whether execution never started: the spec's "request error".

    Parse and validation failures come back from strawberry as PreExecutionError;
    variable coercion failures come from graphql-core's execute with no data and
    errors that point at no field. Errors raised by resolvers ("field errors") always
    carry a `path`, even when they null out the whole `data`, and those are not
    request errors: the spec wants 200 and `"data": null` for them.
    """
    if isinstance(result, PreExecutionError):
        return True
    if result.data is not None or not result.errors:
        return False
    return all(error.path is None for error in result.errors)


class GraphQLView(GraphQL[ContextT, RootValueT]):
    """strawberry.asgi.GraphQL with GraphQL over HTTP's media types and status codes."""

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # `create_response` (which sets the content type and status) is not given the
        # request, only this sub-response; so it carries the negotiated media type.
        # Starlette only reads `media_type` when a response is constructed, and
        # strawberry never renders the sub-response itself, so this changes nothing else.
        sub_response.media_type = request_media_type(request)
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        # Strawberry always writes `"data": null`. For a request error the GraphQL spec
        # says the data entry must be absent, and application/graphql-response+json
        # relies on that: its status code is derived from the entry being there
        # (see create_response). application/json keeps strawberry's shape for
        # existing clients.
        if request_media_type(request) == GRAPHQL_RESPONSE_JSON and is_request_error(result):
            response.pop("data", None)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type != GRAPHQL_RESPONSE_JSON:
            return response  # application/json: strawberry's 200, as the spec asks
        # Assigning replaces the application/json header strawberry wrote.
        response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
        # The spec: a response without a data entry MUST be 4xx/5xx, and a request
        # error SHOULD be 400. A status explicitly set on the sub-response (strawberry's
        # way to choose one from the context) wins, as it does in strawberry. (Batches
        # are disabled in this schema, so a list never reaches here; it would keep 200.)
        if (
            not sub_response.status_code
            and isinstance(response_data, dict)
            and "data" not in response_data
        ):
            response.status_code = 400
        return response

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: ContextT,
        root_value: RootValueT | None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as error:
            # Strawberry turns "this operation type is not allowed with this method"
            # into a 400; for a mutation over GET the spec requires 405, and HTTP
            # requires a 405 to say which method is allowed. Strawberry's view can
            # only answer with status and text, so this raises Starlette's exception,
            # which carries headers and which Starlette's exception middleware
            # (always present in a Starlette app) renders.
            cause = error.__cause__
            if (
                request_adapter.method == "GET"
                and isinstance(cause, InvalidOperationTypeError)
                and cause.operation_type is OperationType.MUTATION
            ):
                raise StarletteHTTPException(
                    405, "Mutations cannot be sent with GET; use POST.", {"Allow": "POST"}
                ) from error
            raise

    def parse_json(self, data: str | bytes) -> Any:
        # Used for the POST body and the JSON-encoded GET parameters (`variables`,
        # `extensions`); all of them must be a JSON object (a body may also be an
        # array, which strawberry answers with its batching rules). A body that is any
        # other JSON value would reach `.get` in strawberry and end as a 500. (This
        # also refuses a GET `variables=null`, which strawberry took as no variables;
        # clients omit the parameter instead.)
        try:
            value = super().parse_json(data)
        except UnicodeDecodeError as error:
            # json.loads on bytes decodes them first; the spec requires UTF-8 and a
            # body that is not is the client's mistake, not the server's.
            raise HTTPException(400, "The request body is not valid UTF-8") from error
        except RecursionError as error:  # json.loads recurses once per nesting level
            raise HTTPException(400, "The JSON is nested too deeply") from error
        except ValueError as error:
            # Not JSONDecodeError (handled above): an integer longer than Python's
            # int-string conversion limit (4,300 digits) raises a plain ValueError.
            raise HTTPException(400, f"The JSON cannot be read: {error}") from error
        if not isinstance(value, dict | list):
            raise HTTPException(400, "Expected a JSON object")
        return value
