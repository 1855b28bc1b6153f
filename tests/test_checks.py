"""The rule catalogue (SPEC §7): every rule has a case that triggers it and one that does not.

Pure logic: configs go through the real pipeline (vllm.pipeline.resolve) and ntkcli.checks.check,
no CLI. Expected numbers are written out from SPEC §6 (θ 1000, d 64, α 2, T 2048 for Nomic v1).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from conftest import LLAMA2 as LLAMA
from conftest import cli_json
from hypothesis import given, settings
from hypothesis import strategies as st

from ntkcli import sources
from ntkcli.checks import RULES, all_rule_ids, check
from ntkcli.checks.refusals import claimed
from ntkcli.errors import NtkcliError
from ntkcli.model import Finding, RawConfig, Request, Resolution, Source
from ntkcli.references import transformers_validate
from ntkcli.vllm.pipeline import resolve
from ntkcli.vllm.versions import parse_vllm_version

DYN = {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}


def bundled(model: str) -> RawConfig:
    return sources.load_bundled(model)


def raw(config: Mapping[str, Any], st: Mapping[str, Any] | None = None) -> RawConfig:
    st_file = "sentence_bert_config.json" if st is not None else None
    return RawConfig("test/model", Source("local", "config.json"), dict(config), st, st_file)


def run(
    source: RawConfig | Mapping[str, Any],
    vllm: str = "new",
    max_model_len: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    allow_long: bool = False,
    trust_remote_code: bool = True,
) -> Resolution:
    # trust_remote_code defaults to True here: the SPEC §6/§7 examples of these rules are
    # remote-class results (Nomic's and InternLM2's own config classes; SPEC "What changed").
    config = source if isinstance(source, RawConfig) else raw(source)
    request = Request(
        vllm=parse_vllm_version(vllm),
        max_model_len=max_model_len,
        hf_overrides=dict(overrides or {}),
        allow_long_max_model_len=allow_long,
        trust_remote_code=trust_remote_code,
    )
    return resolve(config, request)


def found(resolution: Resolution, rule_id: str) -> list[Finding]:
    return [f for f in check(resolution) if f.id == rule_id]


def v1(**kw: Any) -> Resolution:
    return run(bundled("nomic-ai/nomic-embed-text-v1"), **kw)


def llama(**changes: Any) -> dict[str, Any]:
    return {**LLAMA, **changes}


# (rule, a resolution that triggers it, text its message must carry, one that does not)
CASES: list[tuple[str, Callable[[], Resolution], str, Callable[[], Resolution]]] = [
    # R01: SPEC §6 "new, L = 512" → complex base; the zero crossing T·(α−1)/α = 1024.
    (
        "R01",
        lambda: v1(max_model_len=512, overrides=DYN),
        "(-486.4356532483613-49.46567115590085j)",
        lambda: v1(max_model_len=2048, overrides=DYN),
    ),
    # R02: SPEC §6 "new, L = 1536" → θ' 488.94426816771636 < θ 1000.
    (
        "R02",
        lambda: v1(max_model_len=1536, overrides=DYN),
        "488.94426816771636",
        lambda: v1(max_model_len=4096, overrides=DYN),
    ),
    # R03: internlm2-chat-7b, factor 2, new vLLM: 32768 rows, max_model_len 65536 (§4.5).
    (
        "R03",
        lambda: run(bundled("internlm/internlm2-chat-7b")),
        "positions 32768…65535",
        lambda: run(bundled("internlm/internlm2-chat-7b"), vllm="old"),
    ),
    # R04: arctic-embed-m-long has rotary_scaling_factor 2 (§6 last bullet).
    (
        "R04",
        lambda: run(bundled("Snowflake/snowflake-arctic-embed-m-long")),
        "rotary_scaling_factor=2",
        lambda: v1(),
    ),
    # R05: new vLLM, Nomic + dynamic: θ' 7453.483031811892 at L = 8192 (§6 first row).
    (
        "R05",
        lambda: v1(overrides=DYN),
        "7453.483031811892",
        lambda: v1(overrides=DYN, vllm="old", max_model_len=4096),
    ),
    # R06: a rope_parameters override without rope_theta falls back to 10000 (§3.1).
    (
        "R06",
        lambda: v1(overrides={"rope_parameters": {"rope_type": "dynamic", "factor": 2.0}}),
        "θ = 10000",
        lambda: v1(overrides=DYN),
    ),
    # R07: flat hf_overrides max_model_len is ignored by new vLLM for Nomic (§4.3).
    (
        "R07",
        lambda: v1(overrides={"max_model_len": 4096}),
        "max_model_len=4096",
        lambda: v1(overrides={"max_model_len": 4096}, vllm="old"),
    ),
    # R08: activation_function must be swiglu or gelu (§4.3).
    (
        "R08",
        lambda: run(
            raw({**bundled("nomic-ai/nomic-embed-text-v1").config, "activation_function": "relu"})
        ),
        "got 'relu'",
        lambda: v1(),
    ),
    # R09: SPEC §6: old vLLM refuses --max-model-len 4096 for v1 (limit 2048).
    (
        "R09",
        lambda: v1(vllm="old", max_model_len=4096),
        "User-specified max_model_len (4096)",
        lambda: v1(vllm="old", max_model_len=2048),
    ),
    # R10: §6: derived 16384 replaced by the ST 8192.
    (
        "R10",
        lambda: v1(overrides=DYN),
        "replaces (and lowers) the derived length 16384",
        lambda: v1(),
    ),
    # R11: odd rotary dim (head 126 × partial 0.5; a fully rotated odd head_dim is refused at load
    # by transformers 5 validate_rope, SPEC-loading E3).
    (
        "R11",
        lambda: run(llama(head_dim=126, partial_rotary_factor=0.5)),
        "d = 63 is odd",
        lambda: run(llama()),
    ),
    # R12: dynamic factor 0.5.
    (
        "R12",
        lambda: run(llama(rope_scaling={"rope_type": "dynamic", "factor": 0.5})),
        "α = 0.5 < 1",
        lambda: run(llama(rope_scaling={"rope_type": "dynamic", "factor": 2.0})),
    ),
    # R13: Qwen-7B's use_dynamic_ntk.
    (
        "R13",
        lambda: run(bundled("Qwen/Qwen-7B")),
        "use_dynamic_ntk=true",
        lambda: run(llama()),
    ),
    # R14: unknown rope type.
    (
        "R14",
        lambda: run(llama(rope_scaling={"rope_type": "wavy", "factor": 2.0})),
        "Unknown RoPE scaling type wavy",
        lambda: run(llama(rope_scaling={"rope_type": "linear", "factor": 2.0})),
    ),
    # R15: conflicting type / rope_type (§3.3).
    (
        "R15",
        lambda: run(llama(rope_scaling={"type": "linear", "rope_type": "dynamic", "factor": 2})),
        "Found conflicts between",
        lambda: run(llama(rope_scaling={"type": "dynamic", "rope_type": "dynamic", "factor": 2})),
    ),
    # R16: dynamic without factor or alpha (§4.4).
    (
        "R16",
        # SPEC §3.5.2 changed this: in config.json, dynamic without factor is a KeyError at load,
        # so get_rope's ValueError is reached only through a dict override (§3.1.3).
        lambda: run(LLAMA, overrides={"rope_parameters": {"rope_type": "dynamic"}}),
        "either 'alpha' or 'factor'",
        lambda: run(LLAMA, overrides={"rope_parameters": {"rope_type": "dynamic", "alpha": 2.0}}),
    ),
    # R17: old vLLM, Nomic, --max-model-len, no sentence-transformers file (§4.3).
    (
        "R17",
        lambda: run(bundled("Snowflake/snowflake-arctic-embed-m-long"), "old", 1024),
        "AttributeError: 'NoneType' object has no attribute 'pop'",
        lambda: run(bundled("Snowflake/snowflake-arctic-embed-m-long"), "old"),
    ),
    # R18: VLLM_ALLOW_LONG_MAX_MODEL_LEN lets 4096 through on old vLLM (limit 2048).
    (
        "R18",
        lambda: v1(vllm="old", max_model_len=4096, allow_long=True),
        "above the derived limit 2048",
        lambda: v1(vllm="old", max_model_len=2048, allow_long=True),
    ),
    # R20: an auto_map class ntkcli holds no data for, with --trust-remote-code (SPEC §2.2).
    (
        "R20",
        lambda: run(bundled("internlm/internlm2-chat-7b")),
        "configuration_internlm2.InternLM2Config",
        lambda: v1(),  # Nomic's remote class is data
    ),
    # R21: the native NomicBertConfig ignores rotary_emb_base (θ 1000, SPEC §2.4.3, measured).
    (
        "R21",
        lambda: run(bundled("nomic-ai/nomic-embed-text-v2-moe"), trust_remote_code=False),
        "rotary_emb_base=10000",
        lambda: run(bundled("nomic-ai/nomic-embed-text-v2-moe")),
    ),
    # R22: no native class and no --trust-remote-code → transformers refuses (C2.4).
    (
        "R22",
        lambda: run(bundled("internlm/internlm2-chat-7b"), trust_remote_code=False),
        "model_type 'internlm2'",
        lambda: run(bundled("internlm/internlm2-chat-7b")),
    ),
    # R19: a refusal no specific rule owns: a null max_position_embeddings fails the strict field
    # check at load (SPEC §3.5.1; a zero derived length is served as is since §4.1.2 changed).
    (
        "R19",
        lambda: run(llama(max_position_embeddings=None, n_positions=0)),
        "StrictDataclassFieldValidationError",
        lambda: v1(vllm="old", max_model_len=4096),  # a refusal R09 owns
    ),
]


def test_every_rule_has_cases() -> None:
    assert sorted(c[0] for c in CASES) == sorted(RULES)
    assert {f"R{i:02d}" for i in range(1, 14)} <= set(RULES)  # SPEC §7's R01–R13


@pytest.mark.parametrize(("rule_id", "hit", "text", "miss"), CASES, ids=[c[0] for c in CASES])
def test_rule_triggers_and_not(
    rule_id: str, hit: Callable[[], Resolution], text: str, miss: Callable[[], Resolution]
) -> None:
    findings = found(hit(), rule_id)
    assert findings, f"{rule_id} did not trigger"
    assert any(text in f.message for f in findings), [f.message for f in findings]
    for f in findings:
        assert f.severity == RULES[rule_id].severity
        assert f.hint.strip() and f.message.strip()
        assert "\n" not in f.message
    assert not found(miss(), rule_id)


def test_r01_zero_base_and_the_fix_names_the_crossing() -> None:
    # SPEC §6 "new, L = 1024": inner 0 → θ' 0.0 → NaN/Inf cache.
    (f,) = found(v1(max_model_len=1024, overrides=DYN), "R01")
    assert "= 0" in f.message and "NaN" in f.message
    assert "T·(α − 1)/α = 1024" in f.hint


def test_r03_names_the_cache_and_the_fix() -> None:
    (f,) = found(run(bundled("internlm/internlm2-chat-7b")), "R03")
    assert f.message.startswith(
        "cache has 32768 rows but max_model_len is 65536: positions 32768…65535 index past the "
        "cache end"
    )
    assert "--max-model-len 32768" in f.hint
    # With the served length capped at the cache, nothing indexes past it.
    assert not found(run(bundled("internlm/internlm2-chat-7b"), max_model_len=32768), "R03")


def test_r03_yarn_on_nomic_v1() -> None:
    # SPEC §4.4: Nomic v1 + yarn factor 2 on new vLLM: 4096 rows against max_model_len 8192.
    yarn = {
        "rope_parameters": {
            "rope_type": "yarn",
            "factor": 2.0,
            "rope_theta": 1000,
            "original_max_position_embeddings": 2048,
        }
    }
    (f,) = found(v1(overrides=yarn), "R03")
    assert "cache has 4096 rows but max_model_len is 8192: positions 4096…8191" in f.message


def test_r06_type_only_is_a_key_error() -> None:
    override = {"rope_parameters": {"type": "dynamic", "factor": 2.0, "rope_theta": 1000}}
    (f,) = found(v1(overrides=override), "R06")
    assert "KeyError: 'rope_type'" in f.message
    assert '"rope_type": "dynamic"' in f.hint
    # A rope_scaling dict override goes through transformers' alias instead (§3.3).
    assert not found(v1(overrides={"rope_scaling": {"type": "dynamic", "factor": 2.0}}), "R06")


def test_r09_hint_carries_the_limit_and_env_var() -> None:
    # §4.3 old: with a dict override the limit is re-derived from T: 2048 × 2 = 4096.
    (f,) = found(v1(vllm="old", overrides=DYN), "R09")
    assert "(8192)" in f.message and "max_position_embeddings=4096.0" in f.message
    assert "--max-model-len 4096" in f.hint and "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1" in f.hint


def test_r11_geometry_cases() -> None:
    assert (
        "partial_rotary_factor = 0"
        in found(run(bundled("nomic-ai/nomic-embed-vision-v1.5")), "R11")[0].message
    )
    assert any("θ = -1" in f.message for f in found(run(llama(rope_theta=-1.0)), "R11"))
    negative = run(llama(rope_scaling={"rope_type": "linear", "factor": -2.0}))
    assert any("α = -2 ≤ 0" in f.message for f in found(negative, "R11"))


def test_r04_fires_for_factor_one_but_not_null() -> None:
    # SPEC §5: 1.0 counts as truthy for Nomic's code; null and 0 do not.
    arctic = bundled("Snowflake/snowflake-arctic-embed-m-long").config
    assert found(run(raw({**arctic, "rotary_scaling_factor": 1.0})), "R04")
    for off in (None, 0):
        assert not found(run(raw({**arctic, "rotary_scaling_factor": off})), "R04")


def test_every_refusal_gives_an_error() -> None:
    cases = [c[1]() for c in CASES] + [c[3]() for c in CASES]
    refused = [r for r in cases if r.refusal is not None]
    assert len(refused) >= 8
    for r in refused:
        assert any(f.severity == "error" for f in check(r)), r.refusal
        # R19 only when no specific rule owns the refusal.
        assert bool(found(r, "R19")) is not claimed(r.refusal)  # type: ignore[arg-type]


def test_findings_are_sorted_errors_first() -> None:
    findings = check(v1(max_model_len=512, overrides=DYN))
    order = {"error": 0, "warning": 1, "info": 2}
    assert [order[f.severity] for f in findings] == sorted(order[f.severity] for f in findings)


def test_rule_ids_are_stable_and_known() -> None:
    engine_rules = [f"E{i:02d}" for i in range(1, 7)]  # validate --engines (checks/engines.py)
    expected = [*(f"R{i:02d}" for i in range(1, 23)), "T01", "T02", "T03", *engine_rules]
    assert all_rule_ids() == sorted(expected)


def test_inspect_lists_findings_in_its_json() -> None:
    # internlm2 has only a remote config class: without --trust-remote-code transformers refuses
    # it (SPEC-loading C2.4), so the flag is needed to reach R03.
    d = cli_json("inspect", "internlm/internlm2-chat-7b", "--bundled", "--trust-remote-code")
    assert [f["id"] for f in d["findings"]] == ["R03", "R20"]  # R20: remote class, no data
    assert set(d["findings"][0]) == {"id", "severity", "message", "hint"}


# -- transformers cross-check (T01–T03) ----------------------------------------------------------
def test_transformers_error_is_t01() -> None:
    # transformers requires 'factor' for dynamic: its validate_rope raises KeyError.
    (f,) = transformers_validate.cross_check(LLAMA, {"rope_parameters": {"rope_type": "dynamic"}})
    assert (f.id, f.severity) == ("T01", "error")
    assert "validate_rope() raises KeyError" in f.message and "'factor'" in f.message


def test_transformers_logged_warning_is_t02() -> None:
    findings = transformers_validate.cross_check(
        {**LLAMA, "rope_scaling": {"rope_type": "dynamic", "factor": 0.5}}, {}
    )
    assert [(f.id, f.severity) for f in findings] == [("T02", "warning")]
    assert "factor field must be a float or int >= 1, got 0.5" in findings[0].message


def test_transformers_warnings_are_reported_per_config() -> None:
    # warning_once is cached by transformers; each config must still get its own finding.
    config = {**LLAMA, "rope_scaling": {"rope_type": "dynamic", "factor": 0.5}}
    first = transformers_validate.cross_check(config, {})
    assert transformers_validate.cross_check(config, {}) == first


def test_transformers_clean_configs_give_nothing() -> None:
    assert transformers_validate.cross_check(LLAMA, {}) == []
    # Qwen3.5's mrope keys are ignored by its own config class: not a false positive.
    qwen35 = bundled("bryce-hoehn/Qwen3.5-18B-REAP-A3B-Coding").config
    assert transformers_validate.cross_check(qwen35, {}) == []
    # Configs transformers cannot standardise (only rotary_emb_base) are not checked.
    qwen = bundled("Qwen/Qwen-7B").config
    assert not transformers_validate.standardisable(qwen, {})
    assert transformers_validate.cross_check(qwen, {}) == []


def test_transformers_missing_class_default_is_t03() -> None:
    # yarn needs max_position_embeddings, which a generic PreTrainedConfig lacks.
    config = {"model_type": "llama", "rope_theta": 10000.0}
    yarn = {"rope_parameters": {"rope_type": "yarn", "factor": 2.0}}
    (f,) = transformers_validate.cross_check(config, yarn)
    assert (f.id, f.severity) == ("T03", "info")


def test_transformers_logger_is_restored() -> None:
    import logging

    logger = logging.getLogger("transformers")
    before = (list(logger.handlers), logger.propagate, logger.level)
    transformers_validate.cross_check(
        {**LLAMA, "rope_scaling": {"rope_type": "dynamic", "factor": 0.5}}, {}
    )
    assert (list(logger.handlers), logger.propagate, logger.level) == before


def test_overrides_json_hint_is_valid_json() -> None:
    (f,) = found(run(bundled("Snowflake/snowflake-arctic-embed-m-long")), "R04")
    text = f.hint.split("--hf-overrides '", 1)[1].split("'", 1)[0]
    assert json.loads(text) == {
        "rope_parameters": {"rope_type": "dynamic", "factor": 2, "rope_theta": 1000}
    }


# -- property: the rules never crash on whatever the pipeline accepts ----------------------------
NUMBERS = st.one_of(
    st.none(),
    st.integers(-4, 70000),
    st.floats(-4.0, 70000.0, allow_nan=False),
)
ROPE = st.fixed_dictionaries(
    {},
    optional={
        "rope_type": st.sampled_from(["default", "dynamic", "linear", "yarn", "llama3", "x"]),
        "type": st.sampled_from(["dynamic", "linear", "su"]),
        "factor": NUMBERS,
        "rope_theta": NUMBERS,
        "partial_rotary_factor": NUMBERS,
        "max_trained_positions": st.integers(1, 9000),
        "original_max_position_embeddings": st.integers(1, 9000),
    },
)


@settings(max_examples=150, deadline=None)
@given(
    rope=ROPE,
    nomic=st.booleans(),
    vllm=st.sampled_from(["new", "old"]),
    length=st.one_of(st.none(), st.integers(1, 70000)),
    allow_long=st.booleans(),
)
def test_rules_never_crash(
    rope: dict[str, Any], nomic: bool, vllm: str, length: int | None, allow_long: bool
) -> None:
    base = bundled("nomic-ai/nomic-embed-text-v1") if nomic else raw(LLAMA)
    try:
        resolution = run(
            base, vllm, length, overrides={"rope_parameters": rope}, allow_long=allow_long
        )
    except NtkcliError:
        return  # a one-line input error, not the rules' business
    findings = check(resolution)
    for f in findings:
        assert f.id in RULES and f.severity == RULES[f.id].severity
        assert f.message and f.hint and "\n" not in f.message
    if resolution.refusal is not None:
        assert any(f.severity == "error" for f in findings)
