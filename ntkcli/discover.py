"""Find model configs under a directory (`validate DIR`): every config.json, recursively.

Bounded and predictable:
- symlinked directories are not followed unless asked (then each real directory is visited
  once, so a symlink loop cannot recurse); symlinked files are read (the HF cache's snapshots
  are symlinks into blobs/);
- a directory that holds a config.json is one model: its subdirectories are not searched
  (sentence-transformers repositories keep module configs such as 1_Pooling/config.json there);
- version-control and tool directories (.git, node_modules, …) are skipped;
- results are sorted by path, so output is the same on every machine;
- at most MAX_WALK_DIRS directories are read (then the search stops and says so).

HF cache layout (models--org--name/snapshots/<sha>/config.json) gets a readable name: org/name,
with @sha (12 characters) when several snapshots of one repository are found.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ntkcli.model import CONFIG_FILE

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        ".tox",
        ".venv",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".no_exist",
        "blobs",
    }
)
_SHA = re.compile(r"^[0-9a-f]{40}$")
# Budget of one search: directories read. An HF cache or a model zoo is a few thousand; a tree
# holding a link to / under --follow-symlinks would otherwise walk the whole machine (/proc too).
MAX_WALK_DIRS = 20_000


@dataclass(frozen=True)
class FoundConfig:
    path: Path  # the model directory (holds config.json)
    label: str  # what to call it in output
    revision: str | None = None  # HF cache snapshot sha
    cache: bool = False  # found in HF cache layout


@dataclass(frozen=True)
class WalkProblem:
    path: Path
    message: str


def _hf_cache_repo(path: Path) -> tuple[str, str] | None:
    """(org/name, sha) for .../models--org--name/snapshots/<sha>."""
    parts = path.parts
    if len(parts) >= 3 and parts[-2] == "snapshots" and parts[-3].startswith("models--"):
        repo = parts[-3][len("models--") :].replace("--", "/", 1)
        if repo and _SHA.match(parts[-1]):
            return repo, parts[-1]
    return None


def _is_file(entry: os.DirEntry[str]) -> bool:
    """A config.json entry that is a file, or a link the OS refuses to follow (a loop: it is
    read, and reported, as that model's input); False for a directory named config.json."""
    try:
        return entry.is_file() or (entry.is_symlink() and not entry.is_dir())
    except OSError:
        return True


def find_configs(
    root: Path, follow_symlinks: bool = False
) -> tuple[list[FoundConfig], list[WalkProblem]]:
    """Model directories under root (root included), and directories that could not be read."""
    dirs: list[Path] = []
    problems: list[WalkProblem] = []
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        directory = stack.pop()
        if visited >= MAX_WALK_DIRS:
            problems.append(
                WalkProblem(
                    root,
                    f"{root}: search stopped after {MAX_WALK_DIRS} directories; "
                    "point validate at a narrower directory",
                )
            )
            break
        visited += 1
        try:
            info = directory.stat()
            key = (info.st_dev, info.st_ino)
            if key in seen:
                continue
            seen.add(key)
            with os.scandir(directory) as entries:
                items = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            problems.append(
                WalkProblem(directory, f"cannot read {directory}: {exc.strerror or exc}")
            )
            continue
        if any(e.name == CONFIG_FILE and _is_file(e) for e in items):
            dirs.append(directory)
            continue
        for entry in reversed(items):
            if entry.name in SKIP_DIRS:
                continue
            try:
                if entry.is_dir(follow_symlinks=follow_symlinks):
                    stack.append(Path(entry.path))
            except OSError:
                continue
    dirs.sort()
    repos = [_hf_cache_repo(d) for d in dirs]
    count = Counter(r[0] for r in repos if r)
    found = []
    for directory, repo in zip(dirs, repos, strict=True):
        if repo is None:
            found.append(FoundConfig(directory, str(directory)))
        else:
            name, sha = repo
            label = f"{name}@{sha[:12]}" if count[name] > 1 else name
            found.append(FoundConfig(directory, label, sha, cache=True))
    return found, problems
