"""Check or write the JSON Schema snapshots of the contract events.

Usage: ``python -m hourbank_contracts.snapshots [--check | --write [--force]] [--dir DIR]``.
``--check`` (the default) exits 1 when a snapshot is missing, drifted, incompatible or
stale; ``--write`` writes them, refusing incompatible changes unless ``--force``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .schemas import SNAPSHOT_DIR, check_snapshots, write_snapshots


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m hourbank_contracts.snapshots",
        description="Check or write the JSON Schema snapshots of the contract events.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail on drift (default)")
    mode.add_argument("--write", action="store_true", help="write the snapshots")
    parser.add_argument(
        "--force", action="store_true", help="with --write: overwrite incompatible snapshots"
    )
    parser.add_argument(
        "--dir", type=Path, default=SNAPSHOT_DIR, help=f"snapshot directory ({SNAPSHOT_DIR})"
    )
    args = parser.parse_args(argv)
    directory: Path = args.dir
    if args.force and not args.write:
        parser.error("--force needs --write")

    if args.write:
        written, refused = write_snapshots(directory, force=args.force)
        for path in written:
            print(f"wrote {path}")
        for item in refused:
            print(item, file=sys.stderr)
        if not written and not refused:
            print(f"snapshots in {directory} are up to date")
        return 1 if refused else 0

    problems = check_snapshots(directory)
    for item in problems:
        print(item, file=sys.stderr)
    if problems:
        print(f"{len(problems)} snapshot problem(s) in {directory}", file=sys.stderr)
        return 1
    print(f"snapshots in {directory} are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
