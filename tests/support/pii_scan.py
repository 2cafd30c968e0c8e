"""Finding national ID numbers in text, so tests can prove none leaked into logs or events.

A candidate is any 18-character run shaped like a resident ID number (region, a plausible
birth date, sequence) whose ISO 7064 MOD 11-2 check character is right — the same rule the
identity service validates with, so a real number cannot slip past as "just digits".
Findings are reported masked: the scan must not itself print what it looks for.
"""

from __future__ import annotations

import re
from pathlib import Path

from stdnum.iso7064 import mod_11_2

_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z])[1-8][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx](?![0-9A-Za-z])"
)


def id_numbers_in(text: str) -> list[str]:
    """Masked forms (first 4 and last 4 characters) of the ID numbers found in ``text``."""
    found = []
    for match in _CANDIDATE.finditer(text):
        number = match.group().upper()
        if mod_11_2.calc_check_digit(number[:17]) == number[17]:
            found.append(number[:4] + "*" * 10 + number[-4:])
    return found


def id_numbers_in_files(paths: list[Path]) -> dict[str, list[str]]:
    """File name → masked ID numbers found in it (files without any are left out)."""
    leaks = {}
    for path in paths:
        if path.exists():
            found = id_numbers_in(path.read_text(encoding="utf-8", errors="replace"))
            if found:
                leaks[path.name] = found
    return leaks
