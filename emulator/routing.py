"""Which operation of Twilio's specs a request path and method are, without openapi-core.

openapi-core's own path finder tries every template of a spec on every request (half a
millisecond for the Messages API's 121 paths); the templates are a plain shape, so they are
turned into regexes once here. The order is openapi-core's: an exact path first, then the
templates with fewer variables, in spec order; spec after spec. tests/emulator/test_routing.py
checks that both find the same operation for every template of the three specs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from emulator.errors import TwilioError, not_found

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_VARIABLE = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class Found:
    """A path template's operation, with the path's variables."""

    operation_id: str
    server: str
    spec: int  # which spec (index in the order the router was given them)
    variables: dict[str, str]


@dataclass(frozen=True)
class _Template:
    pattern: str
    regex: re.Pattern[str]
    variables: int
    operations: dict[str, str]  # lower-case method -> operationId


class SpecRouter:
    """The paths of one spec, its server URL and their operations."""

    def __init__(self, spec: dict[str, Any], index: int) -> None:
        self.server: str = spec["servers"][0]["url"]
        self.index = index
        self._exact: dict[str, _Template] = {}
        templates: list[_Template] = []
        for pattern, item in spec["paths"].items():
            operations = {
                method: str(item[method]["operationId"])
                for method in HTTP_METHODS
                if method in item and "operationId" in item[method]
            }
            names = _VARIABLE.findall(pattern)
            regex = re.compile(_regex(pattern))
            template = _Template(pattern, regex, len(set(names)), operations)
            self._exact[pattern] = template
            if names:
                templates.append(template)
        # sorted() is stable: spec order among templates with as many variables.
        self._templates = sorted(templates, key=lambda t: t.variables)

    def templates(self) -> Iterator[tuple[str, str, str]]:
        """(path template, lower-case method, operationId) of every operation."""
        for pattern, template in self._exact.items():
            for method, operation_id in template.operations.items():
                yield pattern, method, operation_id

    def matches(self, path: str) -> Iterator[tuple[_Template, dict[str, str]]]:
        """The templates a path matches, in the order openapi-core tries them."""
        exact = self._exact.get(path)
        if exact is not None:
            yield exact, {}
        for template in self._templates:
            match = template.regex.fullmatch(path)
            if match is not None and template is not exact:
                yield template, match.groupdict()


class Router:
    def __init__(self, specs: list[dict[str, Any]]) -> None:
        self.specs = [SpecRouter(spec, index) for index, spec in enumerate(specs)]

    def find(self, method: str, path: str) -> Found:
        """The operation for a path and method; 404 for an unknown path, 405 for a method."""
        wrong_method = False
        for spec in self.specs:
            # As openapi-core: the first template matching that has the method, so a path
            # may be another template's when its own lacks the method.
            for template, variables in spec.matches(path):
                operation_id = template.operations.get(method.lower())
                if operation_id is not None:
                    return Found(operation_id, spec.server, spec.index, variables)
                wrong_method = True
        if wrong_method:
            raise TwilioError(405, 20004, f"Method {method} not allowed for {path}")
        raise not_found(path)


def _regex(pattern: str) -> str:
    parts: list[str] = []
    last = 0
    for match in _VARIABLE.finditer(pattern):
        parts.append(re.escape(pattern[last : match.start()]))
        parts.append(f"(?P<{match.group(1)}>[^/]*)")  # empty too, as openapi-core
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return "".join(parts)
