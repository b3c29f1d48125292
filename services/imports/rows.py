"""Reading a CSV file of contacts: the scan that finds its chunks, and each chunk's rows
checked and normalised. Pure functions of a file on disk, run in worker processes
(jobs/contact_imports.py) so the phone checks (~20-40 µs a number) use every core and
never hold the server's event loop."""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from services.imports.codes import RowCode
from services.imports.fast_phones import e164

BOM = b"\xef\xbb\xbf"
# csv's own limit is 128 KiB a cell; cells not mapped may be larger (notes), and a whole
# file is at most CAMPAIGNS_MAX_IMPORT_BYTES anyway. Mapped cells have MAX_CELL.
csv.field_size_limit(1 << 30)


class FileProblem(Exception):
    """The file cannot be imported at all: the import fails with this reason."""


@dataclass(frozen=True)
class Chunk:
    start: int  # byte offsets in the file, at record boundaries
    end: int
    first_line: int  # the file line (1-based) the chunk starts on
    rows: int  # records in it (blank lines are not records)


@dataclass(frozen=True)
class Scan:
    header: list[str]
    chunks: list[Chunk]
    total_rows: int


@dataclass(frozen=True)
class Plan:
    """Which column (by position) goes where; built from the mapping and the header."""

    columns: int
    phone: int
    name: int | None
    attributes: tuple[tuple[str, int], ...]
    custom_variables: tuple[tuple[str, int], ...]
    max_cell: int


# (line, phone, name, attributes as JSON text, custom variables as JSON text): COPY's rows
Record = tuple[int, str, str | None, str, str]


class RowError(NamedTuple):
    line: int
    column: str | None
    code: RowCode
    message: str


@dataclass
class ChunkResult:
    records: list[Record] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


def scan(path: str, chunk_rows: int, max_rows: int, max_columns: int) -> Scan:
    """Check the whole file is UTF-8 (a BOM is allowed) and cut it into chunks of
    `chunk_rows` records at record boundaries (a quoted cell may span lines: a record
    ends at a line end outside quotes). Raises FileProblem."""
    chunks: list[Chunk] = []
    header: list[str] | None = None
    with open(path, "rb") as file:
        offset = _skip_bom(file)
        line_number = rows = chunk_rows_seen = quotes = 0
        chunk_start, chunk_line, record_start = offset, 2, offset
        for raw in file:
            line_number += 1
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise FileProblem(
                    f"The file is not UTF-8 text (line {line_number}, byte "
                    f"{offset + error.start + 1}): save it as CSV UTF-8 and upload it again."
                ) from None
            offset += len(raw)
            quotes += raw.count(b'"')
            if quotes % 2:
                continue  # inside a quoted cell
            quotes = 0
            if header is None:
                header = _header(file.name, record_start, offset, max_columns)
                chunk_start, chunk_line = offset, line_number + 1
            elif raw.strip():
                rows += 1
                chunk_rows_seen += 1
                if rows > max_rows:
                    raise FileProblem(
                        f"The file has more than {max_rows} rows (CAMPAIGNS_MAX_IMPORT_ROWS)."
                    )
                if chunk_rows_seen == chunk_rows:
                    chunks.append(Chunk(chunk_start, offset, chunk_line, chunk_rows_seen))
                    chunk_start, chunk_line, chunk_rows_seen = offset, line_number + 1, 0
            record_start = offset
        if header is None:
            raise FileProblem("The file is empty: its first line must name the columns.")
        if quotes % 2:
            raise FileProblem(
                f"A quoted cell opened on or before line {line_number} is never closed."
            )
        if chunk_rows_seen:
            chunks.append(Chunk(chunk_start, offset, chunk_line, chunk_rows_seen))
    return Scan(header, chunks, rows)


def _skip_bom(file: io.BufferedReader) -> int:
    if file.read(3) == BOM:
        return 3
    file.seek(0)
    return 0


def read_header(path: str, max_columns: int, max_bytes: int = 1 << 20) -> list[str]:
    """The column names on the file's first line (its first record). Raises FileProblem."""
    with open(path, "rb") as file:
        _skip_bom(file)
        head = file.read(max_bytes)
    text = head.decode("utf-8", errors="replace")
    if "\ufffd" in text.split("\n", 1)[0]:
        raise FileProblem("The file is not UTF-8 text: save it as CSV UTF-8 and upload it again.")
    return _names(text, max_columns)


def _header(path: str, start: int, end: int, max_columns: int) -> list[str]:
    with open(path, "rb") as file:
        file.seek(start)
        text = file.read(end - start).decode("utf-8")
    return _names(text, max_columns)


def _names(text: str, max_columns: int) -> list[str]:
    names = next(csv.reader(io.StringIO(text, newline="")), [])
    header = [name.strip() for name in names]
    if len(header) > max_columns:
        raise FileProblem(f"The file has {len(header)} columns; at most {max_columns} are read.")
    if not any(header):
        raise FileProblem("The first line must name the columns.")
    return header


def parse_chunk(path: str, chunk: Chunk, plan: Plan, header: list[str]) -> ChunkResult:
    """The chunk's rows as records ready for COPY, and each bad row's error."""
    with open(path, "rb") as file:
        file.seek(chunk.start)
        text = file.read(chunk.end - chunk.start).decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    result = ChunkResult()
    before = 0
    for row in _records(reader, chunk.first_line):
        line = chunk.first_line + before
        before = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        result.rows += 1
        checked = check_row(line, row, plan, header)
        if isinstance(checked, RowError):
            result.errors.append(checked)
        else:
            result.records.append(checked)
    return result


def _records(reader: Any, first_line: int) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as error:
        line = first_line + reader.line_num - 1
        raise FileProblem(f"The file is not valid CSV at line {line}: {error}.") from None


def check_row(line: int, row: list[str], plan: Plan, header: list[str]) -> Record | RowError:
    """The row as a record, or the first problem found in it."""
    if len(row) != plan.columns:
        message = f"Expected {plan.columns} cells, found {len(row)}."
        return RowError(line, None, RowCode.WRONG_COLUMN_COUNT, message)
    for index in _mapped(plan):
        cell = row[index]
        if len(cell) > plan.max_cell:
            message = f"{len(cell)} characters; at most {plan.max_cell}."
            return RowError(line, header[index], RowCode.VALUE_TOO_LONG, message)
        if "\x00" in cell:
            return RowError(line, header[index], RowCode.INVALID_VALUE, "Contains a NUL character.")
    raw_phone = row[plan.phone].strip()
    if not raw_phone:
        return RowError(line, header[plan.phone], RowCode.MISSING_PHONE, "No phone number.")
    phone = e164(raw_phone)
    if phone is None:
        message = f"{raw_phone!r} is not a valid phone number with its country code (+14155550123)."
        return RowError(line, header[plan.phone], RowCode.INVALID_PHONE, message)
    name = row[plan.name].strip() if plan.name is not None else ""
    attributes = _values(row, plan.attributes)
    return (line, phone, name or None, attributes, _values(row, plan.custom_variables))


def _mapped(plan: Plan) -> list[int]:
    found = [plan.phone, *(index for _, index in plan.attributes)]
    found += [index for _, index in plan.custom_variables]
    if plan.name is not None:
        found.append(plan.name)
    return found


def _values(row: list[str], columns: tuple[tuple[str, int], ...]) -> str:
    """The non-empty cells of these columns as a JSON object of strings ('{}' if none)."""
    if not columns:
        return "{}"
    values = {key: row[index].strip() for key, index in columns if row[index].strip()}
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")) if values else "{}"
