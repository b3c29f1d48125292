"""The introspection switch (CAMPAIGNS_INTROSPECTION): `__schema` and `__type` refused.

Per request rather than strawberry's DisableIntrospection: the schema is one object for
every app, and the switch is each app's setting (its request context's). graphql-core's
NoSchemaIntrospectionCustomRule reports every introspection field of the document, each
without a code; this rule reports the two entry points once each, coded, and leaves
`__typename` alone (clients such as Apollo add it to every selection).
"""

from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule
from strawberry.extensions import SchemaExtension

from services.settings import Settings

INTROSPECTION_FIELDS = ("__schema", "__type")


class NoIntrospectionRule(ValidationRule):
    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in INTROSPECTION_FIELDS:
            self.report_error(
                GraphQLError(
                    f"Introspection is disabled on this server: `{node.name.value}` is not "
                    "answered (CAMPAIGNS_INTROSPECTION).",
                    node,
                    extensions={"code": "INTROSPECTION_DISABLED"},
                )
            )


class IntrospectionSwitch(SchemaExtension):
    """Adds NoIntrospectionRule to an operation's validation when its settings say so."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        settings = getattr(context.context, "settings", None)
        if isinstance(settings, Settings) and not settings.introspection:
            context.validation_rules = (*context.validation_rules, NoIntrospectionRule)
        yield
