"""The scanner that guards logs against ID numbers finds them, and only them."""

from __future__ import annotations

from stdnum.iso7064 import mod_11_2

from tests.support.pii_scan import id_numbers_in


def _number(first17: str) -> str:
    return first17 + mod_11_2.calc_check_digit(first17)


def test_it_finds_a_valid_number_in_a_log_line_and_reports_it_masked() -> None:
    number = _number("37030319800704217")
    line = f'{{"event": "http.request", "body": "{number}"}}'
    assert id_numbers_in(line) == [number[:4] + "*" * 10 + number[-4:]]
    assert id_numbers_in(line.lower()) == [number[:4] + "*" * 10 + number[-4:]]


def test_it_ignores_uuids_timestamps_masked_forms_and_wrong_check_characters() -> None:
    number = _number("37030319800704217")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    text = (
        "ce_id 5f0c2f7e-8c6b-5a43-9d21-2a1f0e3b4c5d at 2026-11-22T11:22:13.169897Z "
        f"masked {number[:4]}**********{number[-4:]} wrong {wrong} long 1{number}"
    )
    assert id_numbers_in(text) == []
