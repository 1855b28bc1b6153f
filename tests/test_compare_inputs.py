"""`compare` over several inputs: an unreadable one (missing directory, malformed JSON) is an
error entry in the table and the JSON, the others are still compared, and the run exits 3 at the
end, as `validate` does."""

from __future__ import annotations

from pathlib import Path

from conftest import cli

V1 = "nomic-ai/nomic-embed-text-v1"


def _bad_json(tmp_path: Path) -> str:
    model = tmp_path / "broken"
    model.mkdir()
    (model / "config.json").write_text("{not json")
    return str(model)


def test_json_has_an_error_entry_and_the_other_rows(tmp_path: Path) -> None:
    bad, missing = _bad_json(tmp_path), str(tmp_path / "no-such-dir")
    run = cli("compare", bad, V1, missing, "--bundled", "--len", "512,4096", "-f", "json")
    assert run.exit_code == 3
    entries = run.json()
    good = [e for e in entries if e["error"] is None]
    assert [(e["model"], e["len"]) for e in good] == [(V1, 512), (V1, 4096)]
    errors = {e["input"]: e["error"] for e in entries if e["error"] is not None}
    assert set(errors) == {bad, missing}
    assert "is not valid JSON" in errors[bad]["message"]
    assert errors[bad]["hint"]
    assert "does not exist" in errors[missing]["message"]
    # One `Error:` line per unreadable input on stderr, naming it.
    lines = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 2
    assert any(bad in line for line in lines) and any("no-such-dir" in line for line in lines)


def test_table_shows_the_unreadable_input_and_the_others(tmp_path: Path) -> None:
    bad = _bad_json(tmp_path)
    run = cli("compare", bad, V1, "--bundled", "--len", "512")
    assert run.exit_code == 3
    text = " ".join(run.stdout.split())  # a long temporary path wraps the line anywhere
    assert V1 in text and "Nomic's code" in text
    assert "unreadable: " in text and "not valid JSON" in text


def test_all_readable_exits_0() -> None:
    assert cli("compare", V1, "--bundled", "--len", "512").exit_code == 0
