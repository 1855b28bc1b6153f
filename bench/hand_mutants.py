"""Issue 14's hand-made mutants, one at a time: each is applied to a scratch copy of the
repository and the fast test selection must fail. Not a test (slow); run it after touching the
vLLM pipeline or the RoPE formulas:

    .venv/bin/python bench/hand_mutants.py            # every mutant
    ONLY="fallback,su->default" .venv/bin/python bench/hand_mutants.py
"""

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
TESTS = sys.argv[1:] or [
    "tests/test_spec_rules.py",
    "tests/test_properties.py",
    "tests/test_vllm_worked_numbers.py",
    "tests/test_vllm_rules.py",
    "tests/test_configs_tables.py",
    "tests/test_configs_cli.py",
    "tests/test_checks.py",
    "tests/test_rope_cache.py",
    "tests/test_inspect_spec.py",
    *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("tests/test_mutants_*.py")),
]
M = [
    (
        "old rows ceil->floor",
        "ntkcli/vllm/get_rope.py",
        "rows = floats.ceil_rows(L * factor)",
        "rows = math.floor(L * factor)",
    ),
    (
        "ceil_rows floor",
        "ntkcli/rope/floats.py",
        "max(0, math.ceil(value))",
        "max(0, math.floor(value))",
    ),
    ("fallback 4096", "ntkcli/vllm/max_len.py", "FALLBACK_LENGTH = 2048", "FALLBACK_LENGTH = 4096"),
    (
        "llama3 dropped",
        "ntkcli/vllm/max_len.py",
        '{"su", "longrope", "llama3"}',
        '{"su", "longrope"}',
    ),
    (
        "su dropped",
        "ntkcli/vllm/max_len.py",
        '{"su", "longrope", "llama3"}',
        '{"longrope", "llama3"}',
    ),
    (
        "gemma3 exemption",
        "ntkcli/vllm/max_len.py",
        'if rope_parameters and "gemma3" not in cfg.model_type:',
        "if rope_parameters:",
    ),
    (
        "yarn switch inverted",
        "ntkcli/vllm/max_len.py",
        "(version.yarn_skips_factor and",
        "(not version.yarn_skips_factor and",
    ),
    (
        "yarn original ignored",
        "ntkcli/vllm/max_len.py",
        'rope_type == "yarn" and version.yarn_uses_original_length',
        "False",
    ),
    (
        "do_lower_case ignored",
        "ntkcli/vllm/max_len.py",
        'if version.st_needs_do_lower_case and "do_lower_case" not in st_config:',
        "if False:",
    ),
    (
        "st_loaded do_lower_case",
        "ntkcli/vllm/nomic.py",
        'return "max_seq_length" in st_config and "do_lower_case" in st_config',
        'return "max_seq_length" in st_config',
    ),
    (
        "longrope default never",
        "ntkcli/vllm/max_len.py",
        'if any(rp.get("rope_type") == "longrope" for rp in layers):',
        "if False:",
    ),
    (
        "nomic T user not winning",
        "ntkcli/vllm/nomic.py",
        "    if value is not None:\n        source",
        "    if False:\n        source",
    ),
    (
        "get_rope T not winning",
        "ntkcli/vllm/get_rope.py",
        '_length(x.params, "max_trained_positions") or L',
        "L",
    ),
    ("partial 0 accepted", "ntkcli/vllm/get_rope.py", "value <= 0.0 or", "value < 0.0 or"),
    (
        "linear rows L",
        "ntkcli/rope/linear.py",
        "floats.ceil_rows(max_position * s)",
        "floats.ceil_rows(max_position)",
    ),
    ("su->default", "ntkcli/vllm/rope_params.py", '{"su": "longrope",', '{"su": "default",'),
    (
        "rotary_emb_base first",
        "ntkcli/vllm/rope_params.py",
        '("rope_theta", "rotary_emb_base")',
        '("rotary_emb_base", "rope_theta")',
    ),
    (
        "rope_parameters over rope_scaling",
        "ntkcli/configs/config_object.py",
        "return dict(scaling) if scaling else dict(params or {})",
        "return dict(params) if params else dict(scaling or {})",
    ),
    (
        "is_nested any",
        "ntkcli/vllm/rope_params.py",
        "bool(params) and all(",
        "bool(params) and any(",
    ),
]
only = os.environ.get("ONLY")
for name, path, old, new in M:
    if only and not any(o in name for o in only.split(",")):
        continue
    dst = pathlib.Path(tempfile.gettempdir()) / "ntkcli-hand-mutant"
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(
        ROOT,
        dst,
        ignore=shutil.ignore_patterns(
            "mutants", ".git", "__pycache__", ".mypy_cache", ".ruff_cache"
        ),
    )
    f = dst / path
    s = f.read_text()
    assert s.count(old) == 1, (name, s.count(old))
    f.write_text(s.replace(old, new))
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
        cwd=dst,
        env={**os.environ, "PYTHONPATH": str(dst)},
        capture_output=True,
        text=True,
    )
    fails = [line for line in r.stdout.splitlines() if line.startswith("FAILED")]
    print(f"{'KILLED ' if r.returncode else 'SURVIVED'} {name}  {fails[:1]}", flush=True)
