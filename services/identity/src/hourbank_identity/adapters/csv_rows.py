"""Spreadsheet uploads (pre-loaded organisations, migrated people) read as rows.

UTF-8 with an optional BOM and a header row naming the columns. Any line ending is read
(CRLF, LF, a lone CR as old spreadsheet exports write, mixed); a row with missing fields
reads them as empty, extra fields are ignored. What is not CSV at all is refused here; a bad
value in a row is the application's row error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from hourbank_common.errors import InvalidInput, ServiceError

MAX_CSV_BYTES = 5 * 1024 * 1024


class CsvTooLarge(ServiceError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a CSV upload is limited to {limit} bytes")


class CsvNotUtf8(ServiceError):
    def __init__(self, position: int) -> None:
        super().__init__(f"the CSV must be UTF-8 (byte {position} is not)")


class CsvUnreadable(InvalidInput):
    """Not CSV with the needed columns; ``errors`` names each problem (field, message)."""

    def __init__(self, message: str, errors: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.errors = errors


def read_rows(
    body: bytes, required: Sequence[str], *, max_bytes: int = MAX_CSV_BYTES
) -> list[dict[str, str]]:
    if len(body) > max_bytes:
        raise CsvTooLarge(max_bytes)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvNotUtf8(error.start) from error
    # newline="" leaves line endings to the csv module, which accepts all of them (the
    # default translation made a lone CR an error, a 500).
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames or []
        missing = [column for column in required if column not in fieldnames]
        if missing:
            raise CsvUnreadable(
                f"missing columns: {', '.join(missing)}",
                [{"field": column, "message": "missing column"} for column in missing],
            )
        return [{key: (value or "") for key, value in row.items() if key} for row in reader]
    except csv.Error as error:
        # e.g. a field beyond the csv module's size limit; the message names no value.
        raise CsvUnreadable(
            f"line {reader.line_num}: {error}",
            [{"field": "row", "message": f"line {reader.line_num}: {error}"}],
        ) from error
