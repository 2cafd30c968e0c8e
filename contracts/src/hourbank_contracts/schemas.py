"""JSON Schema snapshots of the contract events and a compatibility checker.

One schema per event type, generated in serialization mode (what producers put on
the wire), is checked in under ``contracts/schemas/<event_type>.json``. The checker
enforces the evolution rule *within a major version only add optional fields*: a new
schema must accept every payload the old one described (backward compatibility, which
replaying old events needs). It is conservative: types, formats and patterns must
stay identical; enum values and numeric/length bounds may only widen.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from .events import ContractEvent
from .registry import EVENT_CLASSES

__all__ = [
    "JSON_SCHEMA_DIALECT",
    "SNAPSHOT_DIR",
    "all_schemas",
    "check_compatible",
    "check_snapshots",
    "render_schema",
    "schema_for",
    "snapshot_path",
    "write_snapshots",
]

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"

SNAPSHOT_DIR: Final = Path(__file__).resolve().parents[2] / "schemas"
"""``contracts/schemas`` in a source checkout (the workspace installs this package editable)."""

Schema = dict[str, Any]

_LOWER_BOUNDS: Final = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS: Final = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def schema_for(cls: type[ContractEvent]) -> Schema:
    """The serialization-mode JSON Schema of one event class, with its type and topic."""
    schema = cls.model_json_schema(mode="serialization")
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = f"urn:hourbank:schema:{cls.event_type}"
    schema["x-hourbank-event-type"] = cls.event_type
    schema["x-hourbank-topic"] = cls.topic
    return schema


def all_schemas(classes: Iterable[type[ContractEvent]] = EVENT_CLASSES) -> dict[str, Schema]:
    """Schemas of the given (by default: all registered) classes, keyed by event type."""
    return {cls.event_type: schema_for(cls) for cls in classes}


def render_schema(schema: Mapping[str, Any]) -> str:
    """Stable text form: sorted keys, indent 2, UTF-8 characters kept, trailing newline."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def snapshot_path(directory: Path, event_type: str) -> Path:
    """Where the snapshot of ``event_type`` lives."""
    return directory / f"{event_type}.json"


# --- compatibility -------------------------------------------------------------------


def _resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref``s; keywords next to a ``$ref`` override the target's."""
    current = dict(node)
    for _ in range(64):
        ref = current.get("$ref")
        if ref is None:
            return current
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, got {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        siblings = {k: v for k, v in current.items() if k != "$ref"}
        current = {**target, **siblings}
    raise ValueError("$ref chain too deep")


def _branches(node: Mapping[str, Any], root: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of a node (``anyOf``/``oneOf`` flattened), each resolved."""
    resolved = _resolve(node, root)
    for keyword in ("anyOf", "oneOf"):
        if keyword in resolved:
            out: list[dict[str, Any]] = []
            for branch in resolved[keyword]:
                out.extend(_branches(branch, root))
            return out
    return [resolved]


def _types_of(branch: Mapping[str, Any]) -> set[str]:
    declared = branch.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {str(t) for t in declared}
    values = branch.get("enum", [branch["const"]] if "const" in branch else None)
    if values is not None:
        return {_json_type(v) for v in values}
    return {"any"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _where(path: str) -> str:
    return path or "<root>"


def _compare_bounds(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    for keyword in _LOWER_BOUNDS:
        if keyword in new and (keyword not in old or new[keyword] > old[keyword]):
            problems.append(
                f"{_where(path)}: {keyword} tightened from {old.get(keyword)!r} to {new[keyword]!r}"
            )
    for keyword in _UPPER_BOUNDS:
        if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
            problems.append(
                f"{_where(path)}: {keyword} tightened from {old.get(keyword)!r} to {new[keyword]!r}"
            )
    return problems


def _compare_values(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    for keyword in ("format", "pattern"):
        if old.get(keyword) != new.get(keyword):
            problems.append(
                f"{_where(path)}: {keyword} changed from {old.get(keyword)!r} to "
                f"{new.get(keyword)!r}"
            )
    old_enum = old.get("enum", [old["const"]] if "const" in old else None)
    new_enum = new.get("enum", [new["const"]] if "const" in new else None)
    if new_enum is not None:
        if old_enum is None:
            problems.append(f"{_where(path)}: enum restriction added")
        else:
            removed = [v for v in old_enum if v not in new_enum]
            if removed:
                problems.append(f"{_where(path)}: enum values removed: {removed!r}")
    return problems


def _compare_object(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    path: str,
    roots: tuple[Mapping[str, Any], Mapping[str, Any]],
) -> list[str]:
    problems: list[str] = []
    old_props: Mapping[str, Any] = old.get("properties", {})
    new_props: Mapping[str, Any] = new.get("properties", {})
    added = sorted(set(new_props) - set(old_props))
    prefix = f"{path}." if path else ""
    for name in old_props:
        if name not in new_props:
            hint = f" (renamed? new properties: {', '.join(added)})" if added else ""
            problems.append(f"{prefix}{name}: property removed{hint}")
        else:
            problems.extend(_compare(old_props[name], new_props[name], prefix + name, roots))
    old_required = set(old.get("required", []))
    for name in sorted(set(new.get("required", [])) - old_required):
        if name in old_props:
            problems.append(f"{prefix}{name}: property became required")
        else:
            problems.append(f"{prefix}{name}: new required property")
    if new.get("additionalProperties") is False and old.get("additionalProperties") is not False:
        problems.append(f"{_where(path)}: additionalProperties now false")
    return problems


def _compare(
    old_node: Mapping[str, Any],
    new_node: Mapping[str, Any],
    path: str,
    roots: tuple[Mapping[str, Any], Mapping[str, Any]],
    depth: int = 0,
) -> list[str]:
    if depth > 32:
        raise ValueError(f"{_where(path)}: schema nesting too deep to compare")
    old_branches = _branches(old_node, roots[0])
    new_branches = _branches(new_node, roots[1])
    old_types = set().union(*(_types_of(b) for b in old_branches))
    new_types = set().union(*(_types_of(b) for b in new_branches))
    if old_types != new_types:
        return [f"{_where(path)}: type changed from {sorted(old_types)} to {sorted(new_types)}"]
    old_main = [b for b in old_branches if _types_of(b) != {"null"}]
    new_main = [b for b in new_branches if _types_of(b) != {"null"}]
    if len(old_main) != 1 or len(new_main) != 1:
        if json.dumps(old_main, sort_keys=True) != json.dumps(new_main, sort_keys=True):
            return [f"{_where(path)}: union alternatives changed"]
        return []
    old, new = old_main[0], new_main[0]
    problems = _compare_values(old, new, path) + _compare_bounds(old, new, path)
    if "object" in old_types:
        problems.extend(_compare_object(old, new, path, roots))
    if "array" in old_types and isinstance(old.get("items"), Mapping):
        new_items = new.get("items")
        if isinstance(new_items, Mapping):
            problems.extend(_compare(old["items"], new_items, f"{path}[]", roots, depth + 1))
        else:
            problems.append(f"{_where(path)}: array items changed")
    return problems


def check_compatible(old_schema: Mapping[str, Any], new_schema: Mapping[str, Any]) -> list[str]:
    """Breaking changes from ``old_schema`` to ``new_schema``; empty when compatible.

    Reported: a removed property (a rename shows as removed plus a hint), a changed
    type, format or pattern, removed enum values, a new required property or an
    optional one becoming required, tightened bounds, and newly forbidden extra
    properties. Added optional properties and added enum values are compatible.
    """
    return _compare(old_schema, new_schema, "", (old_schema, new_schema))


# --- snapshots -----------------------------------------------------------------------


def _load(path: Path) -> Schema | None:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def check_snapshots(
    directory: Path = SNAPSHOT_DIR,
    schemas: Mapping[str, Schema] | None = None,
) -> list[str]:
    """Problems with the checked-in snapshots: missing, unreadable, drifted (with a
    unified diff), incompatible (with the breaking changes), or left for an event type
    that is no longer registered. Empty when everything matches."""
    current = all_schemas() if schemas is None else schemas
    problems: list[str] = []
    for event_type, schema in current.items():
        path = snapshot_path(directory, event_type)
        if not path.exists():
            problems.append(f"{event_type}: snapshot missing ({path}); run --write")
            continue
        old_text, new_text = path.read_text(encoding="utf-8"), render_schema(schema)
        if old_text == new_text:
            continue
        old = _load(path)
        if old is None:
            problems.append(f"{event_type}: snapshot {path} is not a JSON object")
            continue
        breaking = check_compatible(old, schema)
        if breaking:
            problems.append(
                f"{event_type}: INCOMPATIBLE with its snapshot; publish a new major "
                "version instead:\n" + "\n".join(f"  - {item}" for item in breaking)
            )
        diff = "".join(
            difflib.unified_diff(
                old_text.splitlines(keepends=True),
                new_text.splitlines(keepends=True),
                fromfile=f"{path.name} (snapshot)",
                tofile=f"{path.name} (generated)",
            )
        )
        problems.append(f"{event_type}: snapshot drifted; run --write if intended\n{diff}")
    if directory.is_dir():
        for path in sorted(directory.glob("*.json")):
            if path.name.removesuffix(".json") not in current:
                problems.append(
                    f"{path.name}: snapshot of an unregistered event type; event types "
                    "are not removed within a major version (delete it deliberately)"
                )
    return problems


def write_snapshots(
    directory: Path = SNAPSHOT_DIR,
    schemas: Mapping[str, Schema] | None = None,
    *,
    force: bool = False,
) -> tuple[list[Path], list[str]]:
    """Write the snapshots; returns the files written and the refusals.

    A snapshot whose new schema is incompatible with the existing one is not
    overwritten unless ``force`` is set (a breaking change needs a new major version).
    """
    current = all_schemas() if schemas is None else schemas
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    refused: list[str] = []
    for event_type, schema in current.items():
        path = snapshot_path(directory, event_type)
        text = render_schema(schema)
        if path.exists():
            if path.read_text(encoding="utf-8") == text:
                continue
            old = _load(path)
            breaking = check_compatible(old, schema) if old is not None else []
            if breaking and not force:
                refused.append(
                    f"{event_type}: not written, incompatible change:\n"
                    + "\n".join(f"  - {item}" for item in breaking)
                )
                continue
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written, refused
