"""The emulator's router finds, for every path template of the three specs (and odd paths),
what openapi-core's own path finder finds: the same operation, or the same 404 / 405."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_core.templating.paths.exceptions import (
    OperationNotFound,
    PathNotFound,
)
from openapi_core.templating.paths.finders import APICallPathFinder

from emulator.config import resolve_specs_dir
from emulator.errors import TwilioError
from emulator.openapi import SpecSet

ACCOUNT = "AC" + "0123456789abcdef" * 2
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    return SpecSet(resolve_specs_dir(None))


def _ours(specs: SpecSet, method: str, path: str) -> tuple[Any, ...]:
    try:
        found = specs.router.find(method, path)
    except TwilioError as refusal:
        return ("refused", refusal.status)
    return ("found", found.operation_id, found.server)


def _openapi_core(specs: SpecSet, method: str, path: str) -> tuple[Any, ...]:
    wrong_method = False
    for spec in specs.router.specs:
        api = specs._apis[spec.index]
        try:
            found = APICallPathFinder(api.spec).find(method.lower(), spec.server + path)
        except OperationNotFound:
            wrong_method = True
            continue
        except PathNotFound:
            continue
        return ("found", str(found.operation["operationId"]), spec.server)
    return ("refused", 405 if wrong_method else 404)


def _probe_paths(specs: SpecSet) -> Iterator[str]:
    templates = sorted({t for spec in specs.router.specs for t, _, _ in spec.templates()})
    for template in templates:
        yield re.sub(r"\{[^}]*\}", "AC" + "0" * 32, template)
        yield re.sub(r"\{[^}]*\}", "a.b", template)
    yield from ("/", "/v1", "/v1/Nothing", "/v1/Content/", f"{MESSAGES}/x")


def test_the_router_finds_what_openapi_core_finds(specs: SpecSet) -> None:
    differences = []
    probes = 0
    for path in _probe_paths(specs):
        for method in METHODS:
            probes += 1
            ours, theirs = _ours(specs, method, path), _openapi_core(specs, method, path)
            if ours != theirs:
                differences.append((method, path, ours, theirs))
    assert probes > 1000
    assert differences == []


def test_path_variables_and_query_types(specs: SpecSet) -> None:
    operation = specs.match("GET", f"/2010-04-01/Accounts/{ACCOUNT}/Messages/SM1.json")
    assert operation.operation_id == "FetchMessage"
    assert operation.variables == {"AccountSid": ACCOUNT, "Sid": "SM1"}
    listing = specs.match("GET", MESSAGES)
    assert listing.integers == {"PageSize", "Page"}


@pytest.mark.parametrize("method", METHODS)
def test_a_template_inside_a_longer_path_is_not_found(specs: SpecSet, method: str) -> None:
    # openapi-core's finder matches a template anywhere in the URL, then answers 405 or
    # raises ServerNotFound (a 500 before): such a path does not exist.
    for path in ("/x/v1/Content", f"/x{MESSAGES}"):
        assert _ours(specs, method, path) == ("refused", 404)
