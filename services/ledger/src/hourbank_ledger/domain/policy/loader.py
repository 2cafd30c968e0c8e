"""Loads policy files: the only I/O in the policy module.

A file is named ``<region_code>-<year>.toml`` and governs that year, plus any past years it
lists under ``[makeup] years``. A region and year that no file governs is an error.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from .errors import AmbiguousPolicy, InvalidPolicy, PolicyNotFound
from .model import Policy

# Shipped inside the package (hourbank_ledger/policies), so an installed wheel has them too.
DEFAULT_POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"


def read_policy_file(path: Path) -> Policy:
    """Parse and validate one file; its name must match its region code and year."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        policy = Policy.model_validate(data)
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        raise InvalidPolicy(path, str(error)) from error
    expected = f"{policy.region_code}-{policy.year}.toml"
    if path.name != expected:
        raise InvalidPolicy(
            path,
            f"holds region {policy.region_code} year {policy.year}, so it must be named {expected}",
        )
    return policy


def load_all_policies(directory: Path = DEFAULT_POLICY_DIR) -> tuple[Policy, ...]:
    """Every policy file in ``directory``, validated, in file-name order."""
    return tuple(read_policy_file(path) for path in sorted(directory.glob("*.toml")))


def load_policy(region_code: str, year: int, directory: Path = DEFAULT_POLICY_DIR) -> Policy:
    """The policy governing ``region_code`` in ``year``.

    The file named for that year wins; otherwise the one file that offers ``year`` as a
    make-up year (Zibo 2020 governs 2015–2019 make-up study). Never a default.
    """
    own = directory / f"{region_code}-{year}.toml"
    if own.is_file():
        return read_policy_file(own)
    offering = [
        policy
        for policy in load_all_policies(directory)
        if policy.region_code == region_code and policy.governs(year)
    ]
    if not offering:
        raise PolicyNotFound(region_code, year, directory)
    if len(offering) > 1:
        paths = [directory / f"{p.region_code}-{p.year}.toml" for p in offering]
        raise AmbiguousPolicy(region_code, year, paths)
    return offering[0]
