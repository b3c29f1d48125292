"""Values a hostile or careless client may send, for every scalar of the schema.

Each strategy mixes ordinary values (so resolvers get past validation and do real work)
with the ones that used to break servers: NUL characters, unpaired surrogates, strings far
over every length limit, integers over 32 and 64 bits, JSON nested past any sane depth,
datetimes at the edges of the calendar and without a time zone, and ids that decode to a
primary key PostgreSQL cannot hold.
"""

import base64
import string
from typing import Any

import graphql
from hypothesis import strategies as st

from gql.ids import encode_id

SQL_ISH = ["'", "';--", "' OR '1'='1", "%", "_", "\\", "%_\\'", "$1", "::text", "E'\\x00'"]
NAMES = ["spring_sale", "hello_world", "customer_order_processing", "a", "_", "a" * 513]
BODIES = [
    "Hi {{lead_name}}, our spring sale starts today!",
    "{{lead_name}}",
    "Hi {{lead_name}}{{order_id}} there",
    "Hello {{not_a_variable}} friend, welcome back",
    "Hi {{ lead_name }} {{",
    "}}{{",
]
PHONES = ["+14155550123", "+1415555", "14155550123", "+999999999999999999", "+", "whatsapp:+1"]
VARIABLE_KEYS = ["lead_name", "order_id", "merchant_name", "coupon_code", "LEAD_NAME", "actions"]
EDGE_TEXT = ["", " ", "\x00", "a\x00b", "\ud800", "a\udfffb", "\u202e", "🙂" * 3, "\r\n\t"]
# Strings over every limit: 2,048 is the default maximum, 25,000 the document's length.
HUGE_TEXT = [
    "x" * 1_025,
    "x" * 2_049,
    "é" * 30_000,
    "{{lead_name}} " * 3_000,
]
TYPE_NAMES = ["Campaign", "CampaignLead", "CampaignSend", "CampaignLeadMessage", "Merchant"]
EDGE_INTS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, 2**64, 10**40]


def unicode_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any code point, surrogates and NUL included: what JSON's \\u escapes can carry."""
    return st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=max_size)


def adversarial_text(known: list[str] | None = None, huge: bool = True) -> st.SearchStrategy[str]:
    # Each branch is equally likely: text over the limits is one case in eight, since
    # in a literal it makes the whole document too long to be read at all.
    ordinary = st.sampled_from(NAMES + BODIES + PHONES + (known or []))
    return st.one_of(
        ordinary,
        ordinary,
        ordinary,
        st.sampled_from(EDGE_TEXT + SQL_ISH),
        st.sampled_from(HUGE_TEXT if huge else ["x" * 1_025, "x" * 2_049]),
        unicode_text(),
        unicode_text(),
        st.text(string.ascii_lowercase + "_", min_size=1, max_size=20),
    )


def id_values(real_ids: list[str]) -> st.SearchStrategy[str]:
    """Real ids of the merchant (and of another merchant) half of the time; otherwise ids
    that decode to nothing, to the wrong type, or to keys PostgreSQL cannot store."""
    forged = st.builds(
        lambda type_name, pk: encode_id(type_name, pk),
        st.sampled_from(TYPE_NAMES),
        st.one_of(st.sampled_from(EDGE_INTS), st.integers()),
    )
    raw = st.builds(
        lambda text: base64.b64encode(text.encode("utf-8", "surrogatepass")).decode(),
        unicode_text(20),
    )
    real = st.sampled_from(real_ids)
    return st.one_of(real, real, real, forged, raw, adversarial_text())


def int_values() -> st.SearchStrategy[int]:
    small = st.integers(-2, 600)  # page sizes: most within the 0..500 allowed
    return st.one_of(small, small, small, st.sampled_from(EDGE_INTS), st.integers())


def datetime_values() -> st.SearchStrategy[str]:
    """ISO 8601 text, as the DateTime scalar parses it: aware and naive, at the calendar's
    edges (where a conversion to UTC overflows), and not dates at all."""
    aware = st.datetimes(timezones=st.timezones()).map(lambda value: value.isoformat())
    naive = st.datetimes().map(lambda value: value.isoformat())
    edges = st.sampled_from(
        [
            "9999-12-31T23:59:59-14:00",
            "9999-12-31T23:59:59.999999+00:00",
            "0001-01-01T00:00:00+14:00",
            "0001-01-01",
            "2999-01-01T00:00:00Z",
            "2020-01-01T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "tomorrow",
            "",
        ]
    )
    return st.one_of(aware, naive, edges, adversarial_text())


def json_values(huge: bool = True) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.sampled_from(VARIABLE_KEYS), adversarial_text(huge=huge))
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        int_values(),
        st.floats(allow_nan=False, allow_infinity=False),
        adversarial_text(huge=huge),
    )
    shallow = st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=12,
    )
    return st.one_of(shallow, st.integers(30, 300 if huge else 60).map(deep_json))


def deep_json(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = {"lead_name": value} if level % 2 else [value]
    return value


def to_ast(value: Any) -> graphql.ValueNode:
    """A JSON value as a GraphQL literal. Object keys that are not GraphQL names make the
    document unparseable, which is one more thing the server must answer cleanly."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(to_ast(item) for item in value))
    fields = tuple(
        graphql.ObjectFieldNode(name=graphql.NameNode(value=str(key)), value=to_ast(item))
        for key, item in value.items()
    )
    return graphql.ObjectValueNode(fields=fields)


def custom_scalars(
    real_ids: list[str], names: list[str]
) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """hypothesis-graphql's scalar strategies, built-in scalars included (it consults
    these first), as literal nodes. `names` are the merchant's campaign names."""
    return {
        "String": adversarial_text(names).map(to_ast),
        "ID": id_values(real_ids).map(to_ast),
        "Int": int_values().map(to_ast),
        "DateTime": datetime_values().map(to_ast),
        "JSON": json_values().map(to_ast),
        # What a JSON client can send for a file (importContacts wants a multipart part).
        "Upload": adversarial_text(names).map(to_ast),
    }
