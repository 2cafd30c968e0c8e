"""Domain and application code stay free of the web, the broker and the database driver.

Architecture notes, "Layers inside a service": ``domain/`` and ``application/`` are tested
on in-memory persistence and used by every process of a service (API, relay, consumer,
projector), so they import none of what only one kind of process needs. Access rules come
from ``hourbank_common.access``, errors from ``hourbank_common.errors``; tokens, FastAPI
dependencies and problem documents (``hourbank_common.auth`` / ``.http``) are the
entrypoints' business.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "application")
FORBIDDEN = (
    "fastapi",
    "starlette",
    "jwt",
    "uvicorn",
    "psycopg",
    "psycopg_pool",
    "aiokafka",
    "faststream",
    "hourbank_common.auth",
    "hourbank_common.http",
)


def _layer_modules() -> list[Path]:
    return sorted(
        path
        for layer in LAYERS
        for path in ROOT.glob(f"services/*/src/*/{layer}/**/*.py")
        if "__pycache__" not in path.parts
    )


def _imported(tree: ast.AST) -> set[str]:
    """Every absolute module an import statement names, anywhere in the file (inside
    functions and ``if TYPE_CHECKING:`` blocks too); ``from a import b`` names ``a`` and
    ``a.b``, since ``b`` may be a module. Relative imports stay inside the service's own
    package, where none of the forbidden modules live."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _forbidden(imported: set[str]) -> list[str]:
    return sorted(
        name
        for name in imported
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN)
    )


def _forbidden_in(path: Path) -> list[str]:
    return _forbidden(_imported(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))


def test_the_scan_finds_the_layers_of_every_built_service() -> None:
    services = {path.relative_to(ROOT).parts[1] for path in _layer_modules()}
    assert {"identity", "learning", "ledger"} <= services


def test_the_scan_sees_what_it_must_refuse() -> None:
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import jwt.algorithms\n"
        "from hourbank_common import auth\n"
        "if TYPE_CHECKING:\n"
        "    from fastapi import Request\n"
        "def later():\n"
        "    import psycopg\n"
        "from hourbank_common.access import Principal\n"
        "from . import http\n"
    )
    assert _forbidden(_imported(ast.parse(source))) == [
        "fastapi",
        "fastapi.Request",
        "hourbank_common.auth",
        "jwt.algorithms",
        "psycopg",
    ]


@pytest.mark.parametrize(
    "path", _layer_modules(), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_domain_and_application_modules_import_no_web_broker_or_driver(path: Path) -> None:
    assert _forbidden_in(path) == [], (
        f"{path.relative_to(ROOT)} imports what belongs in adapters/ or entrypoints/"
    )
