"""Many rows in one statement: each column bound as one array and unnested."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine

Column = tuple[str, Sequence[Any], TypeEngine[Any]]  # name, values, type
Arrays = dict[str, list[Any]]  # bind parameter -> the values of one column
# Parameters given as they are to the one statement (not as rows of an ORM bulk insert).
RAW = {"dml_strategy": "raw"}


def unnest(*columns: Column) -> tuple[TableValuedAlias, Arrays]:
    """Rows given as one array per column: one bind parameter each, so the statement is
    compiled (and prepared) once whatever the number of rows, where a multi-row VALUES
    list took seconds to compile for 10,000 rows. The arrays are passed when executing,
    not held by the statement, which SQLAlchemy's statement cache would keep alive."""
    arrays = [bindparam(name, type_=ARRAY(type_)) for name, _, type_ in columns]
    rows = func.unnest(*arrays).table_valued(*(name for name, _, _ in columns))
    return rows.render_derived(), {name: list(values) for name, values, _ in columns}
