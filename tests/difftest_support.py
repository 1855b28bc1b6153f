"""Shared plumbing of the opt-in differential tests (tests/test_*_difftest.py).

Downloads a package from PyPI with `pip download --no-deps` into the cache (outside the
repository: ~/.cache/ntkcli-difftest or $NTKCLI_DIFFTEST_CACHE; nothing downloaded is ever
committed), extracts only the files a test imports, and imports them with permissive stand-ins
for the engine's infrastructure (platform probes, kernels, logging). Not a test module: the
`difftest` marker and the NTKCLI_DIFFTEST=1 switch live in the test files.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import subprocess
import sys
import tarfile
import types
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

CACHE = Path(os.environ.get("NTKCLI_DIFFTEST_CACHE", "~/.cache/ntkcli-difftest")).expanduser()
ENABLED = os.environ.get("NTKCLI_DIFFTEST") == "1"
OPT_IN = [
    pytest.mark.difftest,
    pytest.mark.skipif(not ENABLED, reason="opt-in: set NTKCLI_DIFFTEST=1"),
]


def download(requirement: str, pattern: str) -> Path:
    """The cached wheel or sdist matching `pattern` (a glob), fetched with pip when absent."""
    CACHE.mkdir(parents=True, exist_ok=True)
    found = sorted(CACHE.glob(pattern))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", requirement, "-d", CACHE],
            check=True,
            capture_output=True,
        )
        found = sorted(CACHE.glob(pattern))
    return found[0]


def extract(
    archive: Path, into: str, wanted: Callable[[str], bool], strip: int = 0, key: str = ""
) -> Path:
    """The members of a wheel (zip) or sdist (tar.gz) for which `wanted(name)` holds, extracted
    once into CACHE/into (the first `strip` path parts removed); returns that directory. `key`
    names the selection: a different one extracts again."""
    root = CACHE / into
    stamp = root / ".extracted"
    if stamp.is_file() and stamp.read_text() == key:
        return root
    root.mkdir(parents=True, exist_ok=True)

    def target(name: str) -> Path | None:
        parts = name.split("/")[strip:]
        return root.joinpath(*parts) if parts and parts[-1] and wanted("/".join(parts)) else None

    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                dest = target(name)
                if dest is not None:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(z.read(name))
    else:
        with tarfile.open(archive) as t:
            for member in t.getmembers():
                dest = target(member.name) if member.isfile() else None
                if dest is not None:
                    data = t.extractfile(member)
                    assert data is not None
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(data.read())
    stamp.write_text(key)
    return root


class Anything:
    """Stands in for any infrastructure object: attributes and calls give more of itself, a
    decorator call returns what it decorates, it is falsy, compares False and iterates empty."""

    def __getattr__(self, name: str) -> Anything:
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and (callable(args[0]) or isinstance(args[0], type)):
            return args[0]
        return Anything()

    def __bool__(self) -> bool:
        return False

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        return (module_base(),)

    def __lt__(self, other: Any) -> bool:
        return False

    __gt__ = __le__ = __ge__ = __lt__

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __getitem__(self, key: Any) -> Anything:
        return Anything()


def module_base() -> type:
    """A stubbed base class (a custom-op or fused-op wrapper) as a plain nn.Module."""
    import torch

    class StubOp(torch.nn.Module):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__()

        @classmethod
        def enabled(cls) -> bool:
            return False

    return StubOp


class StubModule(types.ModuleType):
    """A stubbed module: `values` names the attributes that must be real (platform probes)."""

    values: Mapping[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self.values:
            return self.values[name]
        if name in ("init_logger", "getLogger"):
            return logging.getLogger
        if name == "logger":
            return logging.getLogger("difftest")
        return Anything()


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Every module of `package` not under one of `real` (dotted prefixes, imported from `root`)
    is a StubModule; `values` gives real attributes to stubs (by attribute name)."""

    def __init__(
        self, package: str, root: Path, real: Iterable[str], values: Mapping[str, Any]
    ) -> None:
        self.package, self.root, self.real, self.values = package, root, tuple(real), values

    def is_real(self, name: str) -> bool:
        return any(name == r or name.startswith(r + ".") for r in self.real)

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != self.package and not name.startswith(self.package + "."):
            return None
        if self.is_real(name):
            base = self.root.joinpath(*name.split("."))
            if (base / "__init__.py").is_file():
                return importlib.util.spec_from_file_location(
                    name, base / "__init__.py", submodule_search_locations=[str(base)]
                )
            if base.with_suffix(".py").is_file():
                return importlib.util.spec_from_file_location(name, base.with_suffix(".py"))
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec: Any) -> types.ModuleType:
        module = StubModule(spec.name)
        module.values = self.values
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def import_real(
    package: str, root: Path, real: Iterable[str], modules: Iterable[str], values: Mapping[str, Any]
) -> dict[str, types.ModuleType]:
    """Import `modules` of `package` from `root`, the rest of `package` stubbed."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    finder = StubFinder(package, root, real, values)
    sys.meta_path.insert(0, finder)
    try:
        return {name: importlib.import_module(name) for name in modules}
    finally:
        sys.meta_path.remove(finder)


def function_from_source(path: Path, names: Iterable[str], namespace: dict[str, Any]) -> None:
    """Execute only the top-level definitions `names` (functions, classes, assignments) of a
    module too entangled to import whole, into `namespace`."""
    tree = ast.parse(path.read_text())
    wanted = set(names)

    def defines(node: ast.stmt) -> set[str]:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            return {node.name}
        if isinstance(node, ast.Assign):
            return {t.id for t in node.targets if isinstance(t, ast.Name)}
        return set()

    body = [node for node in tree.body if defines(node) & wanted]
    found = set().union(*(defines(node) for node in body))
    assert wanted <= found, f"{path}: {sorted(wanted - found)} not found"
    exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)


def model_dir(root: Path, config: Mapping[str, Any], st: Mapping[str, Any] | None = None) -> Path:
    """A weightless model directory: config.json, and sentence_bert_config.json when given."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.json").write_text(json.dumps(config))
    if st is not None:
        (root / "sentence_bert_config.json").write_text(json.dumps(st))
    return root


def method_from_source(path: Path, class_name: str, method: str, namespace: dict[str, Any]) -> Any:
    """One method of a class too entangled to import, as a plain function over `namespace`
    (call it with any object standing in for `self`)."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == method:
                    module = ast.Module(body=[item], type_ignores=[])
                    exec(compile(module, str(path), "exec"), namespace)
                    return namespace[method]
    raise AssertionError(f"{path}: {class_name}.{method} not found")
