"""Errors of the policy module; each names what is missing or wrong."""

from __future__ import annotations

from pathlib import Path

from hourbank_common.errors import InvalidInput


class NoRulesApply(InvalidInput):
    """The question names a region, year or date no rules of this ledger cover: the caller
    must ask about another one (answered 422, titled "No rules apply")."""

    problem_title = "No rules apply"
    problem_type = "about:blank"


class PolicyError(Exception):
    """Base of every policy error."""


class PolicyNotFound(PolicyError, NoRulesApply):
    """No policy file governs this region and study year; there is no default."""

    def __init__(self, region_code: str, year: int, directory: Path) -> None:
        self.region_code = region_code
        self.year = year
        # Kept for whoever debugs, left out of the message: the message reaches API clients,
        # and a server's file paths are none of their business.
        self.directory = directory
        super().__init__(
            f"no continuing-education policy for region {region_code} and year {year}: "
            f"the ledger's rules need a file {region_code}-{year}.toml",
            field="study_year",
        )


class AmbiguousPolicy(PolicyError):
    """More than one policy file claims the same region and year."""

    def __init__(self, region_code: str, year: int, paths: list[Path]) -> None:
        self.region_code = region_code
        self.year = year
        names = ", ".join(sorted(p.name for p in paths))
        super().__init__(f"several policies govern region {region_code} year {year}: {names}")


class InvalidPolicy(PolicyError):
    """A policy file is malformed, has unknown keys or contradicts its own name."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        super().__init__(f"invalid policy file {path.name}: {problem}")


class PolicyMismatch(PolicyError):
    """The policy handed to the engine does not govern the person-year evaluated."""


class ConflictingFacts(ValueError):
    """Two facts share an entry id but differ: the same event must carry the same content."""
