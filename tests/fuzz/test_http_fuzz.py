"""Malformed HTTP: random bytes, random JSON, random content types and query strings,
to /graphql, to Twilio's webhooks (unsigned, and signed with random parameters) and to
tracked links. Whatever arrives, the answer is below 500 with no SQL or traceback in it;
an unsigned webhook is refused with a 4xx; /graphql answers JSON with coded errors."""

import hashlib
import json
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.fuzz.checks import assert_no_leak, assert_sound_graphql
from tests.fuzz.conftest import Tally, World, cases
from tests.fuzz.scalars import adversarial_text, json_values, unicode_text
from tests.support import EMULATOR_TOKEN

WEBHOOKS = [
    "/webhooks/twilio/events",
    "/webhooks/twilio/messages/status",
    "/webhooks/twilio/messages/inbound",
]
# What an HTTP header value can hold (httpx refuses surrounding whitespace).
PRINTABLE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(str.strip)
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/graphql-response+json",
            "application/graphql",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "text/plain",
            "application/json; charset=latin-1",
            "",
        ]
    ),
    PRINTABLE,
)
ACCEPTS = st.sampled_from(
    ["application/json", "application/graphql-response+json", "*/*", "text/html", ""]
)
SMALL_JSON = json_values()
GRAPHQL_KEYS = st.sampled_from(["query", "variables", "operationName", "extensions"])
# A JSON object shaped like a GraphQL request, with any value in any of its keys.
REQUEST_LIKE = st.dictionaries(
    GRAPHQL_KEYS, st.one_of(SMALL_JSON, st.just("{ viewer { merchant { id } } }")), max_size=4
)
BODIES = st.one_of(
    st.binary(max_size=300),
    SMALL_JSON.map(lambda value: json.dumps(value).encode()),
    REQUEST_LIKE.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(
        [
            b"[" * 100_000,
            b'{"query": "{ viewer { merchant { id } } }", "variables": ' + b"9" * 5_000 + b"}",
            b'{"query": "' + b"\\ud800" + b'"}',
            b"\xff\xfe{}",
            b'[{"query": "{ __typename }"}]',
        ]
    ),
)
PARAM_NAMES = st.one_of(
    st.sampled_from(["query", "variables", "operationName", "extensions", "MessageSid"]),
    unicode_text(10),
)
QUERY_STRINGS = st.lists(
    st.tuples(
        PARAM_NAMES,
        st.one_of(adversarial_text(huge=False), json_values(huge=False).map(json.dumps)),
    ),
    max_size=4,
)


def _encode(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def query_string(pairs: list[tuple[str, str]]) -> str:
    # Unpaired surrogates cannot be UTF-8 encoded: sent as the raw bytes a client could.
    return urlencode([(_encode(name), _encode(value)) for name, value in pairs])


def headers(content_type: str, accept: str, token: str | None) -> dict[str, str]:
    sent = {"Content-Type": content_type, "Accept": accept}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    return {name: value for name, value in sent.items() if value}


def count(tally: Tally, kind: str, response: httpx.Response) -> None:
    tally.requests[kind] += 1
    tally.statuses[response.status_code] += 1


@settings(max_examples=cases(300))
@given(
    method=st.sampled_from(["POST", "POST", "GET", "PUT", "DELETE", "PATCH"]),
    body=BODIES,
    params=QUERY_STRINGS,
    content_type=CONTENT_TYPES,
    accept=ACCEPTS,
    authenticated=st.booleans(),
)
async def test_graphql_endpoint_survives_malformed_requests(
    http: httpx.AsyncClient,
    world: World,
    tally: Tally,
    healthy_after: None,
    method: str,
    body: bytes,
    params: list[tuple[str, str]],
    content_type: str,
    accept: str,
    authenticated: bool,
) -> None:
    token = world.merchant.token if authenticated else None
    response = await http.request(
        method,
        f"/graphql?{query_string(params)}",
        content=body if method != "GET" else None,
        headers=headers(content_type, accept, token),
    )
    if "json" in response.headers.get("content-type", ""):
        assert_sound_graphql(response)
    else:
        assert_no_leak(response)
    count(tally, f"HTTP {method} /graphql", response)


@settings(max_examples=cases(200))
@given(path=st.sampled_from(WEBHOOKS), body=BODIES, content_type=CONTENT_TYPES, data=st.data())
async def test_unsigned_webhooks_are_refused(
    http: httpx.AsyncClient,
    tally: Tally,
    healthy_after: None,
    path: str,
    body: bytes,
    content_type: str,
    data: Any,
) -> None:
    signature = data.draw(st.one_of(st.none(), PRINTABLE))
    sent = headers(content_type, "", None)
    if signature is not None:
        sent["X-Twilio-Signature"] = signature
    query = data.draw(QUERY_STRINGS)
    response = await http.post(f"{path}?{query_string(query)}", content=body, headers=sent)
    assert_no_leak(response)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    count(tally, "webhook, unsigned", response)


FORM_VALUES = st.one_of(
    adversarial_text(), st.sampled_from(["SM" + "0" * 32, "delivered", "30008"])
)
FORM = st.dictionaries(
    st.one_of(
        st.sampled_from(["MessageSid", "MessageStatus", "ErrorCode", "ErrorMessage", "From"]),
        st.sampled_from(["Body", "To", "AccountSid", "SmsStatus"]),
        unicode_text(8),
    ),
    FORM_VALUES,
    max_size=6,
)


@settings(max_examples=cases(200))
@given(path=st.sampled_from(WEBHOOKS[1:]), form=FORM)
async def test_signed_message_webhooks_with_any_parameters(
    http: httpx.AsyncClient,
    server_url: str,
    tally: Tally,
    healthy_after: None,
    path: str,
    form: dict[str, str],
) -> None:
    """Signed as Twilio signs them, so each request gets past the signature to the
    parsing and the database behind it."""
    encoded = {_encode(k): _encode(v) for k, v in form.items()}
    # The form is sent as UTF-8 where it can be; Starlette decodes it leniently.
    body = urlencode(encoded, encoding="latin-1").encode("latin-1")
    received = {
        k.encode("latin-1").decode("utf-8", "replace"): v.encode("latin-1").decode(
            "utf-8", "replace"
        )
        for k, v in encoded.items()
    }
    signature = RequestValidator(EMULATOR_TOKEN).compute_signature(server_url + path, received)
    response = await http.post(
        path,
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )
    assert_no_leak(response)
    count(tally, f"webhook, signed {path.rsplit('/', 1)[-1]}", response)


@settings(max_examples=cases(100))
@given(body=BODIES)
async def test_signed_event_deliveries_with_any_body(
    http: httpx.AsyncClient, server_url: str, tally: Tally, healthy_after: None, body: bytes
) -> None:
    path = f"{WEBHOOKS[0]}?bodySHA256={hashlib.sha256(body).hexdigest()}"
    signature = RequestValidator(EMULATOR_TOKEN).compute_signature(server_url + path, {})
    response = await http.post(
        path,
        content=body,
        headers={"Content-Type": "application/json", "X-Twilio-Signature": signature},
    )
    assert_no_leak(response)
    count(tally, "webhook, signed events", response)


@settings(max_examples=cases(100))
@given(
    token=st.one_of(unicode_text(60), adversarial_text(huge=False)),
    method=st.sampled_from(["GET", "HEAD"]),
)
async def test_tracked_links_survive_any_token(
    http: httpx.AsyncClient, tally: Tally, healthy_after: None, token: str, method: str
) -> None:
    path = "/r/" + quote(token.encode("utf-8", "surrogatepass"), safe="")
    response = await http.request(method, path)
    assert_no_leak(response)
    count(tally, "tracked link", response)
