"""Types shared by every part of the schema."""

import strawberry

from gql.types.enums import UserErrorCode
from services.errors import FieldError, ServiceError


@strawberry.interface(description="An object with a global id (Relay).")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="A problem with the input, safe to show to a merchant.")
class UserError:
    field: list[str] = strawberry.field(
        description='Path into the input, e.g. ["input", "body"]; empty when not tied to a field.'
    )
    code: UserErrorCode
    message: str

    @classmethod
    def from_field_error(cls, error: FieldError) -> "UserError":
        return cls(field=list(error.field), code=error.code, message=error.message)

    @classmethod
    def list_from(cls, error: ServiceError | list[FieldError]) -> list["UserError"]:
        errors = error.errors if isinstance(error, ServiceError) else error
        return [cls.from_field_error(e) for e in errors]
