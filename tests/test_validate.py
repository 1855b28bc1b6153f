"""`ntkcli validate` through the CLI: exit codes 0/1/3, --strict, --ignore, project settings,
directory search (an HF-cache-like tree), the JSON shape and the real configs of shared/configs."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SHARED, cli, cli_subprocess

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "ntkcli" / "snapshots"
SHA = "a" * 40
SHA2 = "b" * 40


@pytest.fixture(autouse=True)
def no_project_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty directory so the repository's own pyproject.toml plays no part."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def validate(*args: str) -> Any:
    # SPEC "What changed" (§2.2): these expectations are remote-class results (Nomic, InternLM2,
    # QWen configs with auto_map), so --trust-remote-code; without it the native class applies.
    return cli("validate", *args, "--no-transformers", "--trust-remote-code")


def ids(entry: dict[str, Any]) -> list[str]:
    return [f["id"] for f in entry["findings"]]


def copy_model(name: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    src = SNAPSHOTS / name
    for file in src.iterdir():
        if file.is_file() and file.name != "snapshot.json":
            shutil.copy(file, dest / file.name)
    return dest


# -- the real configs (SPEC §6/§7) ---------------------------------------------------------------
def test_real_configs_give_the_expected_findings() -> None:
    run = validate(
        str(SHARED / "Snowflake__snowflake-arctic-embed-m-long"),
        str(SHARED / "internlm__internlm2-chat-7b"),
        str(SHARED / "Qwen__Qwen-7B"),
        "--format",
        "json",
    )
    assert run.exit_code == 1  # R03 is an error
    arctic, internlm, qwen = run.json()
    assert ids(arctic) == ["R04"]
    # R20 (info): InternLM2's remote config class is not data ntkcli holds (best effort).
    assert ids(internlm) == ["R03", "R20"]
    assert "positions 32768…65535" in internlm["findings"][0]["message"]
    assert internlm["max_model_len"] == 65536
    # 0.33 no longer serves QWenLMHeadModel (SPEC-loading §4.4'): R19 for the refusal first.
    assert ids(qwen) == ["R19", "R13", "R13", "R20"]
    assert "use_dynamic_ntk" in qwen["findings"][1]["message"]


def test_bundled_internlm2_on_new_names_the_positions() -> None:
    run = validate("internlm/internlm2-chat-7b", "--bundled", "--vllm", "new")
    assert run.exit_code == 1
    assert "R03" in run.stdout and "positions 32768…65535" in run.stdout
    assert "1 input: 1 error, 0 warnings, 1 info" in run.stderr  # R20: remote class, no data


def test_clean_config_exits_zero() -> None:
    # A native-class config (internlm-20b now has R20 for its remote class, an info finding).
    run = validate("deepcogito/cogito-v1-preview-qwen-14B", "--bundled")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "no findings" in run.stdout
    assert "1 input: 0 errors, 0 warnings, 0 info" in run.stderr


# -- exit codes, --strict, --ignore --------------------------------------------------------------
def test_warnings_fail_only_with_strict() -> None:
    arctic = "Snowflake/snowflake-arctic-embed-m-long"
    assert validate(arctic, "--bundled").exit_code == 0
    strict = validate(arctic, "--bundled", "--strict")
    assert strict.exit_code == 1
    assert "strict" in strict.stderr


def test_ignore_drops_a_rule_and_counts_it() -> None:
    run = validate("internlm/internlm2-chat-7b", "--bundled", "--ignore", "r03", "--format", "json")
    assert run.exit_code == 0
    (entry,) = run.json()
    assert ids(entry) == ["R20"] and entry["ignored_findings"] == 1
    assert "1 ignored" in run.stderr


def test_ignore_takes_comma_lists_and_rejects_unknown_ids() -> None:
    ok = validate(
        "Snowflake/snowflake-arctic-embed-m-long", "--bundled", "--strict", "--ignore", "R04,R13"
    )
    assert ok.exit_code == 0
    bad = validate("internlm/internlm-20b", "--bundled", "--ignore", "R99")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("Error: --ignore: unknown rule id 'R99'")


def test_unreadable_input_exits_3_and_the_others_are_still_checked(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    run = validate(
        str(SHARED / "internlm__internlm2-chat-7b"),
        str(broken),
        str(tmp_path / "missing" / "config.json"),
        "--format",
        "json",
    )
    assert run.exit_code == 3
    good, bad, missing = run.json()
    assert ids(good) == ["R03", "R20"]
    assert bad["error"]["message"].endswith("(line 1 column 2)") and bad["findings"] == []
    assert "does not exist" in missing["error"]["message"]
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("Error: ")]
    assert len(errors) == 2
    assert "3 inputs: 1 error, 0 warnings, 1 info; 2 unreadable" in run.stderr
    assert "Traceback" not in run.stderr


def test_bad_usage_is_exit_2() -> None:
    assert validate("internlm/internlm-20b", "--bundled", "--hf-overrides", "[1]").exit_code == 2
    assert cli("validate").exit_code == 2  # no input


# -- project settings ----------------------------------------------------------------------------
def test_pyproject_settings_from_a_parent_directory(no_project_settings: Path) -> None:
    (no_project_settings / "pyproject.toml").write_text(
        '[project]\nname = "zoo"\n\n[tool.ntkcli]\nignore = ["R03"]\n', encoding="utf-8"
    )
    nested = no_project_settings / "a" / "b"
    nested.mkdir(parents=True)
    os.chdir(nested)
    assert validate("internlm/internlm2-chat-7b", "--bundled").exit_code == 0
    # --isolated ignores the file.
    assert validate("internlm/internlm2-chat-7b", "--bundled", "--isolated").exit_code == 1


def test_pyproject_without_a_tool_table_is_skipped(no_project_settings: Path) -> None:
    (no_project_settings / "pyproject.toml").write_text('[project]\nname = "x"\n', "utf-8")
    assert validate("internlm/internlm2-chat-7b", "--bundled").exit_code == 1


def test_ntkcli_toml_strict(no_project_settings: Path) -> None:
    (no_project_settings / "ntkcli.toml").write_text("strict = true\n", encoding="utf-8")
    assert validate("Snowflake/snowflake-arctic-embed-m-long", "--bundled").exit_code == 1


def test_bad_settings_are_usage_errors(no_project_settings: Path) -> None:
    settings = no_project_settings / "ntkcli.toml"
    settings.write_text('ignore = ["R3"]\n', encoding="utf-8")
    run = validate("internlm/internlm-20b", "--bundled")
    assert run.exit_code == 2 and "unknown rule id 'R3'" in run.stderr
    settings.write_text("colour = true\n", encoding="utf-8")
    assert "unknown setting 'colour'" in validate("internlm/internlm-20b", "--bundled").stderr
    settings.write_text("strict = [\n", encoding="utf-8")
    run = validate("internlm/internlm-20b", "--bundled")
    assert run.exit_code == 2 and "not valid TOML" in run.stderr


# -- directory search ----------------------------------------------------------------------------
def make_tree(root: Path) -> None:
    """An HF cache (two snapshots of one repo, one of another) and a small model zoo."""
    hub = root / "hub"
    arctic = hub / "models--Snowflake--snowflake-arctic-embed-m-long"
    copy_model("Snowflake__snowflake-arctic-embed-m-long", arctic / "snapshots" / SHA)
    (arctic / "blobs").mkdir()
    (arctic / "refs").mkdir()
    (arctic / "refs" / "main").write_text(SHA, encoding="utf-8")
    internlm = hub / "models--internlm--internlm2-chat-7b" / "snapshots"
    copy_model("internlm__internlm2-chat-7b", internlm / SHA)
    copy_model("internlm__internlm-20b", internlm / SHA2)
    zoo = root / "zoo"
    copy_model("Qwen__Qwen-7B", zoo / "qwen")
    # A sentence-transformers module config below a model is not a model of its own.
    pooling = copy_model("nomic-ai__nomic-embed-text-v1", zoo / "nomic") / "1_Pooling"
    pooling.mkdir()
    (pooling / "config.json").write_text('{"pooling_mode_mean_tokens": true}', "utf-8")
    (zoo / ".git").mkdir()
    copy_model("Qwen__Qwen-7B", zoo / ".git" / "hidden")
    # A symlink loop must not be followed.
    (zoo / "loop").symlink_to(zoo, target_is_directory=True)


def test_directory_search_names_hf_cache_models(tmp_path: Path) -> None:
    make_tree(tmp_path)
    run = validate(str(tmp_path), "--format", "json")
    assert run.exit_code == 1
    entries = run.json()
    names = [e["model"] for e in entries]
    assert names == [
        "Snowflake/snowflake-arctic-embed-m-long",
        f"internlm/internlm2-chat-7b@{SHA[:12]}",
        f"internlm/internlm2-chat-7b@{SHA2[:12]}",
        str(tmp_path / "zoo" / "nomic"),
        str(tmp_path / "zoo" / "qwen"),
    ]
    # The QWen config: 0.33 no longer serves QWenLMHeadModel (SPEC-loading §4.4') → R19 first.
    # R20 (info) for the remote classes ntkcli holds no data for (InternLM2, QWen).
    assert [ids(e) for e in entries] == [
        ["R04"],
        ["R03", "R20"],
        ["R20"],
        [],
        ["R19", "R13", "R13", "R20"],
    ]
    assert entries[0]["source"]["kind"] == "cache" and entries[0]["source"]["revision"] == SHA
    assert entries[3]["sentence_transformers"]["max_seq_length"] == 8192
    assert "5 inputs: 2 errors, 1 warning, 5 info" in run.stderr


def test_follow_symlinks_visits_each_directory_once(tmp_path: Path) -> None:
    make_tree(tmp_path)
    (tmp_path / "link").symlink_to(tmp_path / "zoo", target_is_directory=True)
    plain = validate(str(tmp_path), "--format", "json").json()
    followed = validate(str(tmp_path), "--follow-symlinks", "--format", "json").json()
    assert len(plain) == 5
    assert len(followed) == 5  # zoo/ reached through link/ or directly, but once


def test_empty_directory_is_unreadable(tmp_path: Path) -> None:
    run = validate(str(tmp_path))
    assert run.exit_code == 3
    assert "no config.json found" in run.stderr


# -- JSON contract -------------------------------------------------------------------------------
def test_json_lists_one_entry_per_input() -> None:
    run = validate(
        "internlm/internlm2-chat-7b", "nomic-ai/nomic-embed-text-v1", "--bundled", "-f", "json"
    )
    entries = run.json()
    assert isinstance(entries, list) and len(entries) == 2
    for entry in entries:
        assert {"model", "findings", "max_model_len", "error", "ignored_findings"} <= set(entry)
        for f in entry["findings"]:
            assert set(f) == {"id", "severity", "message", "hint"}
            assert f["severity"] in ("error", "warning", "info")
    assert entries[1]["max_model_len"] == 8192 and entries[1]["findings"] == []


def test_request_options_apply_to_every_input() -> None:
    dyn = '{"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}'
    run = validate(
        "nomic-ai/nomic-embed-text-v1",
        "--bundled",
        "--max-model-len",
        "512",
        "--hf-overrides",
        dyn,
        "-f",
        "json",
    )
    (entry,) = run.json()
    assert ids(entry) == ["R01", "R05", "R10"]  # errors, then warnings, then info
    assert entry["scaled_base"] == "(-486.4356532483613-49.46567115590085j)"


# -- transformers cross-check --------------------------------------------------------------------
def test_transformers_cross_check_runs_on_validate(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    config = {
        "model_type": "llama",
        "hidden_size": 4096,
        "num_attention_heads": 32,
        "max_position_embeddings": 4096,
        "rope_theta": 10000.0,
        "rope_scaling": {"rope_type": "dynamic", "factor": 0.5},
    }
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    run = cli("validate", str(model), "--transformers-check", "-f", "json")
    (entry,) = run.json()
    assert ids(entry) == ["R12", "T02"]
    assert "got 0.5" in entry["findings"][1]["message"]
    skipped = validate(str(model), "-f", "json").json()[0]
    assert ids(skipped) == ["R12"]


def test_transformers_not_installed_is_an_info_finding(tmp_path: Path) -> None:
    # sys.modules[name] = None is how Python marks a module unimportable.
    code = (
        "import sys; sys.modules['transformers'] = None; "
        "sys.argv = ['ntkcli', 'validate', 'internlm/internlm2-chat-7b', '--bundled', "
        "'--transformers-check', '-f', 'json', '--trust-remote-code']; "
        "from ntkcli.cli import main; main()"
    )
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 1, proc.stderr
    (entry,) = json.loads(proc.stdout)
    assert ids(entry) == ["R03", "R20", "T03"]  # R20: InternLM2's remote class is not data
    assert "transformers is not installed" in entry["findings"][2]["message"]


def test_inspect_does_not_import_transformers(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom ntkcli.cli import main\n"
        "sys.argv = ['ntkcli', 'inspect', 'internlm/internlm2-chat-7b', '--bundled']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED' if 'transformers' in sys.modules or 'torch' in sys.modules else 'CLEAN')"
    )
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.stdout.strip().endswith("CLEAN"), proc.stdout[-300:]


def test_real_process_exit_code(tmp_path: Path) -> None:
    run = cli_subprocess(
        "validate", "internlm/internlm2-chat-7b", "--bundled", "--no-transformers", cwd=tmp_path
    )
    assert run.exit_code == 1
    assert run.stderr.strip().endswith("1 input: 1 error, 0 warnings, 0 info")


# -- pre-commit hook -----------------------------------------------------------------------------
def test_pre_commit_hook_definition() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "ntkcli-validate"
    assert hook["entry"] == "ntkcli validate"
    assert hook["language"] == "python"
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for path in ("config.json", "models/m/config.json"):
        assert files.search(path) and not exclude.search(path)
    assert not files.search("generation_config.json")
    assert exclude.search("1_Pooling/config.json")


def test_pre_commit_style_file_arguments(tmp_path: Path) -> None:
    # pre-commit passes file names: config.json paths relative to the repository root.
    copy_model("internlm__internlm-20b", tmp_path)
    os.chdir(tmp_path)
    assert validate("config.json").exit_code == 0


def test_offline_fallback_to_a_bundled_snapshot_is_noted() -> None:
    # HF_HUB_OFFLINE=1 and an empty HF cache (conftest): the Hub id falls back to the snapshot.
    run = validate("internlm/internlm-20b")
    assert run.exit_code == 0
    assert "Note: offline" in run.stderr and "bundled snapshot" in run.stderr
    assert "Note:" not in validate("internlm/internlm-20b", "--bundled").stderr
