"""The shipped class-facts tables, one per transformers version (SPEC-loading §2'.7, D1).

Each `data/transformers-<version>.json` is written by `python -m ntkcli.configs.generate`, which
instantiates the native config classes of that transformers with no arguments; a test regenerates
the table of the installed transformers and compares it with the shipped copy. Reading a table
needs neither transformers nor any remote code. The readers are plain functions cached at module
level (`cache(...)`, not `@cache`: mutmut 3 does not mutate decorated functions).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ntkcli.errors import ConfigError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

PACKAGE = "ntkcli.configs"
DATA_DIR = "data"
PREFIX = "transformers-"
SUFFIX = ".json"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def _find_data() -> Traversable:
    """The tables' directory: the package's own when it is one (no importlib.resources, whose
    zipfile readers cost start-up), else through importlib.resources (a zipped install)."""
    here = Path(__file__).resolve().parent / DATA_DIR
    if here.is_dir():
        return here
    from importlib import resources

    return resources.files(PACKAGE).joinpath(DATA_DIR)


_data = cache(_find_data)


def _scan_versions() -> tuple[str, ...]:
    """The transformers versions with a shipped table, oldest first."""
    root = _data()
    names = [entry.name for entry in root.iterdir() if entry.is_file()]
    versions = [
        name[len(PREFIX) : -len(SUFFIX)]
        for name in names
        if name.startswith(PREFIX) and name.endswith(SUFFIX)
    ]
    return tuple(sorted(versions, key=_version_key))


known_versions = cache(_scan_versions)


def resolve(version_label: str) -> str:
    """A shipped version from a label: an exact version, a major ("5", "4"), or a minor ("5.20").

    A major or minor label means the newest shipped version in it.
    """
    versions = known_versions()
    if version_label in versions:
        return version_label
    matches = [v for v in versions if v.startswith(version_label + ".")]
    if not matches:
        raise ConfigError(
            f"no config-class table for transformers {version_label!r}",
            hint="known transformers versions: " + ", ".join(versions),
        )
    return matches[-1]


def _read_table(version: str) -> Mapping[str, Any]:
    # bytes: json.loads reads UTF-8 itself (no encoding argument to get wrong)
    data: Mapping[str, Any] = json.loads(_data().joinpath(PREFIX + version + SUFFIX).read_bytes())
    return data


_load = cache(_read_table)


def table(version_label: str) -> Mapping[str, Any]:
    """The whole table of one transformers version (see `resolve` for the label)."""
    return _load(resolve(version_label))


def class_facts(version_label: str, model_type: str) -> Mapping[str, Any] | None:
    """The facts of `model_type` under that transformers version; None if the table lacks it.

    A model type the table has but transformers has no native class for is `{"native": false}`.
    """
    facts: Mapping[str, Any] | None = table(version_label)["model_types"].get(model_type)
    return facts


def native_model_types(version_label: str) -> frozenset[str]:
    """The model types of the table that have a native class in that transformers version."""
    types = table(version_label)["model_types"]
    return frozenset(mt for mt, facts in types.items() if facts.get("native"))
