"""Uploads read as rows: what is not CSV with the needed columns is refused as a whole."""

from __future__ import annotations

import pytest

from hourbank_identity.adapters.csv_rows import (
    CsvNotUtf8,
    CsvTooLarge,
    CsvUnreadable,
    read_rows,
)


def test_a_bom_and_ragged_rows_are_read() -> None:
    rows = read_rows("\ufeffa,b,c\r\n1,2\r3,4,5,6\n".encode(), ["a", "b"])
    assert rows == [{"a": "1", "b": "2", "c": ""}, {"a": "3", "b": "4", "c": "5"}]


def test_every_missing_column_is_named() -> None:
    with pytest.raises(CsvUnreadable) as refused:
        read_rows(b"a\n1\n", ["a", "b", "c"])
    assert refused.value.errors == [
        {"field": "b", "message": "missing column"},
        {"field": "c", "message": "missing column"},
    ]


def test_not_utf8_names_the_byte_and_not_the_value() -> None:
    with pytest.raises(CsvNotUtf8, match="byte 2 is"):
        read_rows(b"a\n\xff\n", ["a"])


def test_the_size_limit_holds_before_decoding() -> None:
    with pytest.raises(CsvTooLarge):
        read_rows(b"\xff" * 11, ["a"], max_bytes=10)
