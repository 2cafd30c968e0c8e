"""What-if: evaluate a person-year from a JSON file under a named policy, with the same
engine the ledger uses. The input format is described in docs/policies.md ("What-if").

    python -m hourbank_ledger.entrypoints.whatif --policy 370400-2024 person-year.json
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hourbank_ledger.domain.fact_codec import decode_fact
from hourbank_ledger.domain.policy import (
    Evaluation,
    PersonYear,
    PolicyError,
    evaluate,
    format_hours,
    load_policy,
)


class InputError(ValueError):
    pass


def evaluate_file(policy_name: str, document: dict[str, Any], as_of: datetime) -> Evaluation:
    region, _, year = policy_name.partition("-")
    if not (region.isdigit() and year.isdigit()):
        raise InputError(f"--policy must look like 370400-2024, not {policy_name!r}")
    policy = load_policy(region, int(year))
    study_year = int(document.get("study_year", year))
    try:
        facts = [decode_fact(record) for record in document["facts"]]
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"a fact in the input is malformed: {error!r}") from error
    return evaluate(PersonYear.of(policy.region_code, study_year, facts), policy, as_of=as_of)


def render(evaluation: Evaluation) -> str:
    lines = [
        f"policy {evaluation.policy_version}, year {evaluation.evaluated_year}, "
        f"as of {evaluation.as_of.isoformat()}",
        f"verdict: {'COMPLIANT' if evaluation.compliant else 'NOT COMPLIANT'}",
        *(f"  - {reason}" for reason in evaluation.reasons),
        "hours by subject (raw → credited):",
        *(
            f"  {subject.value:<13} {format_hours(total.raw):>6} → {format_hours(total.credited)}"
            for subject, total in sorted(evaluation.by_subject.items())
        ),
        "entries:",
        *(
            f"  {e.entry_id:<24} {e.subject.value:<13} {format_hours(e.raw_hours):>6} → "
            f"{format_hours(e.credited_hours):<6} {e.status.value:<9} {e.reason}"
            for e in evaluation.entries
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policy", required=True, help="<region>-<year>, e.g. 370400-2024")
    parser.add_argument("--as-of", help="RFC 3339 time; default: now")
    parser.add_argument("file", type=Path, help="JSON person-year (see docs/policies.md)")
    args = parser.parse_args(argv)
    try:
        as_of = datetime.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC)
        if as_of.tzinfo is None:
            raise InputError("--as-of needs a time zone, e.g. 2024-12-31T23:59:59+08:00")
        document = json.loads(args.file.read_text(encoding="utf-8"))
        evaluation = evaluate_file(args.policy, document, as_of)
    except (InputError, PolicyError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(render(evaluation))
    return 0 if evaluation.compliant else 1


if __name__ == "__main__":
    sys.exit(main())
