"""Per-project settings for `validate`, found the way ruff finds its own: walking up from the
working directory, the first directory with an `ntkcli.toml` (top-level keys) or a
`pyproject.toml` with a `[tool.ntkcli]` table wins (ntkcli.toml first in the same directory).

    [tool.ntkcli]
    ignore = ["R05", "R10"]   # rule ids never reported
    strict = true             # warnings fail the run too (exit 1)

This module reads files (the sources layer); it never prints.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ntkcli.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is a dependency there)
    import tomli as tomllib

KEYS = frozenset({"ignore", "strict"})


@dataclass(frozen=True)
class Settings:
    ignore: frozenset[str] = field(default_factory=frozenset)
    strict: bool = False
    path: str | None = None  # the file they came from, None for defaults


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}", hint="fix the file's syntax") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _table(path: Path) -> Mapping[str, Any] | None:
    """The ntkcli settings table of one file, or None when the file has none."""
    data = _read(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        table = tool.get("ntkcli") if isinstance(tool, dict) else None
        if table is None:
            return None
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [tool.ntkcli] must be a table")
        return table
    return data


def find_settings_file(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        for name in ("ntkcli.toml", "pyproject.toml"):
            candidate = directory / name
            if candidate.is_file() and _table(candidate) is not None:
                return candidate
    return None


def normalise_ids(ids: Iterable[str], known: Iterable[str], where: str) -> frozenset[str]:
    """Rule ids, upper-cased, comma-separated lists split; an unknown id is a usage error."""
    known_ids = set(known)
    out = set()
    for item in ids:
        for part in item.split(","):
            rule_id = part.strip().upper()
            if not rule_id:
                continue
            if rule_id not in known_ids:
                raise UsageError(
                    f"{where}: unknown rule id {part.strip()!r}",
                    hint="the rule ids are " + ", ".join(sorted(known_ids)),
                )
            out.add(rule_id)
    return frozenset(out)


def load_settings(start: Path, known_ids: Iterable[str]) -> Settings:
    """Settings from the nearest ntkcli.toml / pyproject.toml [tool.ntkcli], else defaults."""
    path = find_settings_file(start.resolve())
    if path is None:
        return Settings()
    table = _table(path) or {}
    where = f"{path} [tool.ntkcli]" if path.name == "pyproject.toml" else str(path)
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise UsageError(
            f"{where}: unknown setting {unknown[0]!r}",
            hint="ntkcli settings are: " + ", ".join(sorted(KEYS)),
        )
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore):
        raise UsageError(f"{where}: 'ignore' must be a list of rule ids", hint='ignore = ["R05"]')
    strict = table.get("strict", False)
    if not isinstance(strict, bool):
        raise UsageError(f"{where}: 'strict' must be true or false")
    return Settings(normalise_ids(ignore, known_ids, where), strict, str(path))
