"""Mutants of the rule registry, the checks entry point, the shared readers and the table
loader (checks/registry.py, checks/__init__.py, checks/common.py, configs/tables.py), issue 14.

The table loader's readers are cached at module level; the tests call the plain builders so
that a cache filled before a mutant is switched on cannot hide it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_checks import DYN, v1

from ntkcli import checks
from ntkcli.checks import common, registry
from ntkcli.checks.registry import RULES, Issue, Rule, register
from ntkcli.configs import tables
from ntkcli.model import Finding, Resolution

# SPEC §7's table (R01–R13) plus the rules ntkcli adds, with their severities.
SEVERITIES = {
    "R01": "error",
    "R02": "warning",
    "R03": "error",
    "R04": "warning",
    "R05": "warning",
    "R06": "error",
    "R07": "warning",
    "R08": "error",
    "R09": "error",
    "R10": "info",
    "R11": "error",
    "R12": "warning",
    "R13": "info",
    "R14": "error",
    "R15": "error",
    "R16": "error",
    "R17": "error",
    "R18": "warning",
    "R19": "error",
    "R20": "info",
    "R21": "warning",
    "R22": "error",
}


def test_every_rule_registered_once_with_its_severity() -> None:
    assert {rule_id: entry.severity for rule_id, entry in RULES.items()} == SEVERITIES
    assert all(entry.id == rule_id for rule_id, entry in RULES.items())
    # registration order: the modules in __init__'s import order, each in its own order
    assert list(RULES)[:5] == ["R13", "R01", "R02", "R05", "R12"]


def _two(r: Resolution) -> Iterator[Issue]:
    yield Issue("first", "hint 1")
    yield Issue("second", "hint 2")


def test_rule_run_makes_findings() -> None:
    entry = Rule("X98", "warning", "two issues", _two)
    assert entry.run(v1()) == [
        Finding("X98", "warning", "first", "hint 1"),
        Finding("X98", "warning", "second", "hint 2"),
    ]


def test_register_several_and_twice() -> None:
    a = Rule("X96", "info", "a", _two)
    b = Rule("X97", "error", "b", _two)
    try:
        register(a, b)
        assert RULES["X96"] is a and RULES["X97"] is b
        with pytest.raises(RuntimeError, match=r"^rule X97 registered twice$"):
            register(b)
        assert RULES["X97"] is b
    finally:
        RULES.pop("X96", None)
        RULES.pop("X97", None)


def test_check_sorts_errors_first_then_by_id() -> None:
    # SPEC §6 "new, L = 512": R01 (error) and R05 (warning); the test rules add an info.
    extra = Rule("A00", "info", "first by id, last by severity", _two)
    try:
        register(extra)
        found = checks.check(v1(max_model_len=512, overrides=DYN))
    finally:
        RULES.pop("A00", None)
    # R10: the ST 8192 replaces the derived 16384 (§6)
    assert [(f.id, f.severity) for f in found] == [
        ("R01", "error"),
        ("R05", "warning"),
        ("A00", "info"),
        ("A00", "info"),
        ("R10", "info"),
    ]
    assert [f.message for f in found if f.id == "A00"] == ["first", "second"]


def test_describe_registered_external_and_unexplained() -> None:
    assert registry.describe("R12") == (
        "warning",
        "dynamic NTK with factor < 1",
        "A dynamic NTK factor below 1 shrinks the base instead of stretching it; it is almost "
        "always a typo in rope_scaling.",
    )
    assert registry.describe("T03")[:2] == (
        "info",
        "the transformers cross-check did not run for this config",
    )
    assert registry.describe("E01") == (
        "error",
        "the engine fails to load or serve this config",
        "",
    )
    with pytest.raises(KeyError):
        registry.describe("X00")


def test_rule_doc() -> None:
    doc = registry.rule_doc("R12")
    assert (doc.id, doc.severity, doc.title) == ("R12", "warning", "dynamic NTK with factor < 1")
    assert doc.explanation.startswith("A dynamic NTK factor below 1 shrinks the base")


def test_all_rule_ids_sorted() -> None:
    ids = checks.all_rule_ids()
    assert ids == sorted(ids) and ids[0] == "E01" and ids[-1] == "T03"
    assert len(ids) == 22 + 3 + 6


# -- common --------------------------------------------------------------------------------------
def test_overrides_json_separators() -> None:
    assert common.overrides_json({"a": [1, 2], "b": {"c": None}}) == (
        """--hf-overrides '{"a": [1, 2], "b": {"c": null}}'"""
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2, 2.0), (0.5, 0.5), (True, None), (None, None), ("2", None), (float("inf"), None)],
)
def test_number(value: Any, expected: float | None) -> None:
    got = common.number(value)
    assert got == expected and (got is None or isinstance(got, float))


# -- tables --------------------------------------------------------------------------------------
SHIPPED = ("4.57.6", "5.19.0", "5.20.2", "5.24.0")


def test_find_data_is_the_package_directory() -> None:
    found = tables._find_data()
    assert isinstance(found, Path)
    assert found == Path(tables.__file__).resolve().parent / "data"
    assert sorted(p.name for p in found.iterdir() if p.suffix == ".json")[0] == (
        "transformers-4.57.6.json"
    )


def test_find_data_falls_back_to_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import resources

    asked: list[str] = []

    class Files:
        def joinpath(self, name: str) -> str:
            asked.append(name)
            return f"resources:{name}"

    def files(package: str) -> Files:
        asked.append(package)
        return Files()

    monkeypatch.setattr(resources, "files", files)
    assert isinstance(tables._find_data(), Path)  # the directory exists: no resources
    assert asked == []
    monkeypatch.setattr(tables, "DATA_DIR", "zipped")
    assert tables._find_data() == "resources:zipped"
    assert asked == ["ntkcli.configs", "zipped"]


def test_scan_versions_shipped() -> None:
    assert tables._scan_versions() == SHIPPED


def test_scan_versions_filters_and_orders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "transformers-5.19.0.json",
        "transformers-5.9.0.json",
        "transformers-10.0.json",
        "transformers-5.1.json.bak",
        "other-5.0.json",
        "notes.txt",
    ):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    (tmp_path / "transformers-9.0.json").mkdir()  # a directory, not a table
    monkeypatch.setattr(tables, "_data", lambda: tmp_path)
    assert tables._scan_versions() == ("5.9.0", "5.19.0", "10.0")


def test_read_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tables._read_table("5.24.0")
    assert shipped["model_types"]["llama"]["native"] is True
    (tmp_path / "transformers-1.0.json").write_bytes(
        json.dumps({"model_types": {}, "note": "θ"}, ensure_ascii=False).encode("utf-8")
    )
    monkeypatch.setattr(tables, "_data", lambda: tmp_path)
    assert tables._read_table("1.0") == {"model_types": {}, "note": "θ"}


def test_cached_readers_wrap_the_builders() -> None:
    assert tables.known_versions.__wrapped__ is tables._scan_versions  # type: ignore[attr-defined]
    assert tables._load.__wrapped__ is tables._read_table  # type: ignore[attr-defined]
    assert tables._data.__wrapped__ is tables._find_data  # type: ignore[attr-defined]
    assert tables.known_versions() == SHIPPED
    assert tables.table("5.24") is tables._load("5.24.0")


def test_class_facts_and_native_types() -> None:
    assert tables.class_facts("5", "no_such_type") is None
    facts = tables.class_facts("5.24.0", "llama")
    assert facts is not None and facts["native"] is True
    native = tables.native_model_types("5")
    assert "llama" in native and "nomic_bert" in native
    assert all(tables.class_facts("5", mt)["native"] for mt in native)  # type: ignore[index]
