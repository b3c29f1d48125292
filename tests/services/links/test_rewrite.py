"""Which links of a template are tracked, and the `types` Twilio gets for it."""

import copy
from typing import Any

from services.campaigns.whatsapp_rules import check_template
from services.links.redirect import target_url
from services.links.rewrite import TrackedLink, TrackedTypes, body_links, track_links

PREFIX = "https://api.example/r/"
CTA = "twilio/call-to-action"
SAMPLES = {"lead_name": "Ana", "order_id": "10234", "coupon_code": "WELCOME10"}


def sample(key: int) -> str:
    return f"sample{key}"


def track(
    body: str,
    variables: dict[str, str],
    actions: list[dict[str, Any]] | None = None,
    content_type: str | None = None,
) -> TrackedTypes:
    content_type = content_type or (CTA if actions is not None else "twilio/text")
    spec: dict[str, Any] = {"body": body}
    if actions is not None:
        spec["actions"] = actions
    return track_links(content_type, {content_type: spec}, body, variables, SAMPLES, PREFIX, sample)


def test_a_url_button_gets_the_next_key_and_a_sample_token() -> None:
    actions = [{"type": "URL", "title": "Track", "url": "https://shop.example/orders/{{2}}"}]
    context = {CTA: {"body": "Hi {{1}}, order {{2}} is ready.", "actions": actions}}
    before = copy.deepcopy(context)
    variables = {"1": "lead_name", "2": "order_id"}
    tracked = track_links(
        CTA, context, "Hi {{1}}, order {{2}} is ready.", variables, SAMPLES, PREFIX, sample
    )
    assert tracked.types == {
        CTA: {
            "body": "Hi {{1}}, order {{2}} is ready.",
            "actions": [{"type": "URL", "title": "Track", "url": PREFIX + "{{3}}"}],
        }
    }
    assert tracked.samples == {"3": "sample3"}
    assert tracked.links == {
        "3": TrackedLink("button", 0, "https://shop.example/orders/{{2}}"),
    }
    assert context == before, "the merchant's template is not changed"


def test_body_links_come_first_then_buttons() -> None:
    body = "Hi {{1}}, see https://shop.example/sale for all the deals of the day."
    actions = [
        {"type": "PHONE_NUMBER", "title": "Call us", "phone": "+14155550100"},
        {"type": "URL", "title": "Shop", "url": "https://shop.example/"},
    ]
    tracked = track(body, {"1": "lead_name"}, actions)
    spec = tracked.types[CTA]
    assert spec["body"] == f"Hi {{{{1}}}}, see {PREFIX}{{{{2}}}} for all the deals of the day."
    assert spec["actions"][0] == actions[0], "phone buttons are left alone"
    assert spec["actions"][1]["url"] == PREFIX + "{{3}}"
    assert tracked.links == {
        "2": TrackedLink("body", 0, "https://shop.example/sale"),
        "3": TrackedLink("button", 1, "https://shop.example/"),
    }
    assert set(tracked.samples) == {"2", "3"}


def test_a_link_that_would_break_a_whatsapp_rule_is_left_as_written() -> None:
    body = "Hi {{1}}, our spring sale starts today, shop at https://shop.example/sale"
    tracked = track(body, {"1": "lead_name"})
    assert tracked.types["twilio/text"]["body"] == body, "a placeholder at the end"
    assert tracked.links == {} and tracked.samples == {}

    short = "Hi {{1}}: https://shop.example/a now"
    assert track(short, {"1": "lead_name"}).links == {}, "too few words for 2 placeholders"


def test_each_link_is_judged_on_its_own() -> None:
    body = (
        "Hi {{1}}, read https://shop.example/news first, then shop the sale at "
        "https://shop.example/sale"
    )
    tracked = track(body, {"1": "lead_name"})
    assert list(tracked.links.values()) == [TrackedLink("body", 0, "https://shop.example/news")]
    assert tracked.types["twilio/text"]["body"].endswith("at https://shop.example/sale")


def test_a_variable_only_in_a_button_keeps_body_links_untracked() -> None:
    # Body {{1}}, button {{2}}: a body link would be {{3}}, leaving a gap in the body.
    body = "Hi {{1}}, details at https://shop.example/help whenever you like."
    actions = [{"type": "URL", "title": "Order", "url": "https://shop.example/o/{{2}}"}]
    tracked = track(body, {"1": "lead_name", "2": "order_id"}, actions)
    assert tracked.types[CTA]["body"] == body
    assert tracked.links == {"3": TrackedLink("button", 0, "https://shop.example/o/{{2}}")}


def test_a_body_link_using_a_placeholder_found_nowhere_else_stays() -> None:
    body = "Hi {{1}}, your order https://shop.example/o/{{2}} is on its way to you now."
    tracked = track(body, {"1": "lead_name", "2": "order_id"})
    assert tracked.links == {}, "{{2}} would vanish from the body: a gap"

    body = "Order {{1}} is ready: open https://shop.example/o/{{1}} to see it, thank you."
    tracked = track(body, {"1": "order_id"})
    assert tracked.links == {"2": TrackedLink("body", 0, "https://shop.example/o/{{1}}")}


def test_links_with_a_placeholder_in_the_host_are_not_tracked() -> None:
    body = "Hi {{1}}, visit https://{{1}}.shop.example/x for your own page today."
    actions = [
        {"type": "URL", "title": "A", "url": "https://{{1}}.shop.example/"},
        {"type": "URL", "title": "B", "url": "https://shop.example{{1}}"},
    ]
    tracked = track(body, {"1": "lead_name"}, actions)
    assert tracked.links == {}
    assert tracked.types[CTA]["actions"] == actions


def test_http_links_in_the_body_are_not_tracked() -> None:
    body = "Hi {{1}}, see http://shop.example/sale for all the deals of the day."
    assert track(body, {"1": "lead_name"}).links == {}


def test_quick_replies_are_untouched_but_their_body_links_tracked() -> None:
    body = "Hi {{1}}, like https://shop.example/new today? Tell us what you think."
    actions = [{"title": "Yes", "id": "yes"}]
    tracked = track(body, {"1": "lead_name"}, actions, "twilio/quick-reply")
    assert tracked.types["twilio/quick-reply"]["actions"] == actions
    assert list(tracked.links) == ["2"]


def test_rewritten_bodies_keep_every_whatsapp_rule() -> None:
    bodies = [
        "Hi {{1}}, see https://a.example/x and https://b.example/y for more, {{2}} off!",
        "https://a.example/start is where {{1}} begins, a lovely day to shop.",
        "Deals: https://a.example/x https://b.example/y https://c.example/z, bye now.",
        "Hi {{1}}! (https://a.example/p) is new. Ask us anything, we reply fast.",
    ]
    variables = {"1": "lead_name", "2": "coupon_code"}
    for body in bodies:
        used = {k: v for k, v in variables.items() if "{{" + k + "}}" in body}
        assert check_template(body, used, SAMPLES, prefix=()) == [], body
        tracked = track(body, used)
        names = {**used, **{key: f"link{key}" for key in tracked.links}}
        samples = {**SAMPLES, **{f"link{key}": s for key, s in tracked.samples.items()}}
        rewritten = tracked.types["twilio/text"]["body"]
        assert check_template(rewritten, names, samples, prefix=()) == [], rewritten


def test_link_boundaries_leave_punctuation_out() -> None:
    body = "Go to https://a.example/x. Or (https://b.example/y) or https://c.example/(z)!"
    found = [body[start:end] for start, end in body_links(body)]
    assert found == ["https://a.example/x", "https://b.example/y", "https://c.example/(z)"]


def test_a_text_template_without_links_is_sent_as_it_is() -> None:
    body = "Hi {{1}}, our spring sale starts today!"
    tracked = track(body, {"1": "lead_name"})
    assert tracked.types == {"twilio/text": {"body": body}}
    assert tracked.links == {} and tracked.samples == {}


def test_targets_are_hydrated_with_the_values_as_sent() -> None:
    url = "https://shop.example/orders/{{2}}?ref={{1}}"
    assert target_url(url, {"1": "Ana", "2": "1042"}) == "https://shop.example/orders/1042?ref=Ana"
    assert target_url(url, {"1": "Ana"}) is None, "a value that was never sent"
    assert target_url("https://shop.example/", {}) == "https://shop.example/"


def test_targets_never_leave_the_templates_host() -> None:
    url = "https://shop.example/orders/{{1}}"
    for value in ("@evil.example", "//evil.example", "../../@evil.example", "\\\\evil.example"):
        target = target_url(url, {"1": value})
        assert target is not None and target.startswith("https://shop.example/orders/")
    assert target_url("https://shop.example{{1}}", {"1": ".evil.example"}) is None
    assert target_url("https://shop.example{{1}}", {"1": "@evil.example"}) is None
