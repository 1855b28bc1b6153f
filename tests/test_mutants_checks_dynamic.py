"""Mutants of the dynamic-NTK rules (checks/dynamic.py: R01, R02, R05, R12), issue 14.

Each condition is tested just below, at and just above its boundary, with the numbers the
message states written out. Nomic v1 numbers are SPEC §6's (θ 1000, d 64, α 2, T 2048): the new
inner term α·L/T − (α − 1) is 0 at L = T·(α − 1)/α = 1024 and 1 at L = T = 2048 (§4.5).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from test_checks import DYN, found, llama, run, v1

from ntkcli.checks import dynamic
from ntkcli.model import Resolution


def dyn(factor: float) -> dict[str, Any]:
    return {"rope_parameters": {"rope_type": "dynamic", "factor": factor, "rope_theta": 1000}}


def ids(r: Resolution, *rule_ids: str) -> list[str]:
    return [f.id for rule_id in rule_ids for f in found(r, rule_id)]


# -- R01: inner ≤ 0 ------------------------------------------------------------------------------
def test_r01_zero_inner_at_the_crossing() -> None:
    # SPEC §6 "new, L = 1024": inner 0, θ' 0.0 → NaN/Inf cache; crossing T·(α−1)/α = 1024.
    r = v1(max_model_len=1024, overrides=DYN)
    assert ids(r, "R01", "R02") == ["R01"]  # inner 0 is not 0 < inner < 1
    (f,) = found(r, "R01")
    assert f.severity == "error"
    assert f.message == (
        "inner term α·L/T − (α − 1) = 2·1024/2048 − 1 = 0 ≤ 0: θ' = 0: inv_freq is [1, inf, …] "
        "and the cos/sin cache is NaN/Inf"
    )
    assert f.hint == (
        "raise --max-model-len above T·(α − 1)/α = 1024 (at L = T = 2048, θ' = θ), or drop the "
        "dynamic rope_type from --hf-overrides"
    )


def test_r01_complex_base_below_the_crossing() -> None:
    # SPEC §6 "new, L = 512": θ' (-486.4356532483613-49.46567115590085j), garbage up to ~1e38.
    (f,) = found(v1(max_model_len=512, overrides=DYN), "R01")
    assert f.message == (
        "inner term α·L/T − (α − 1) = 2·512/2048 − 1 = -0.5 ≤ 0: θ' = "
        "(-486.4356532483613-49.46567115590085j) is complex: its imaginary part is dropped and "
        "the cache holds garbage up to ~1e38"
    )
    # One below the crossing: 2·1023/2048 − 1 = −2/2048 = −0.0009765625.
    (f,) = found(v1(max_model_len=1023, overrides=DYN), "R01")
    assert f.message.startswith("inner term α·L/T − (α − 1) = 2·1023/2048 − 1 = -0.0009765625 ≤ 0")
    assert "is complex" in f.message


def test_r01_not_just_above_the_crossing() -> None:
    # 2·1025/2048 − 1 = 2/2048 = 0.0009765625 > 0: R02's case, not R01's.
    r = v1(max_model_len=1025, overrides=DYN)
    assert ids(r, "R01", "R02") == ["R02"]
    (f,) = found(r, "R02")
    assert f.message.startswith("inner term α·L/T − (α − 1) = 2·1025/2048 − 1 = 0.0009765625 < 1")


def test_r01_with_factor_one_names_t() -> None:
    # α = 1: inner = L/T, 0 only at L = 0 (a served length 0 is served, §4.1.2); no crossing
    # T·(α−1)/α to name (it is 0), so the hint names T itself.
    (f,) = found(v1(max_model_len=0, overrides=dyn(1.0)), "R01")
    assert f.message == (
        "inner term α·L/T − (α − 1) = 1·0/2048 − 0 = 0 ≤ 0: θ' = 0: inv_freq is [1, inf, …] and "
        "the cos/sin cache is NaN/Inf"
    )
    assert f.hint == (
        "raise --max-model-len to T = 2048, or drop the dynamic rope_type from --hf-overrides"
    )


def test_r01_r02_only_on_new_vllm() -> None:
    # Old vLLM: inner α² − α + 1 = 3 whatever L (§4.5), never ≤ 0 nor < 1.
    assert ids(v1(vllm="old", max_model_len=1024, overrides=DYN), "R01", "R02", "R05") == []
    assert ids(v1(vllm="old", max_model_len=1536, overrides=DYN), "R01", "R02", "R05") == []


# -- R02: 0 < inner < 1 --------------------------------------------------------------------------
def test_r02_message_and_hint() -> None:
    # SPEC §6 "new, L = 1536": inner 0.5, θ' 488.94426816771636 < θ 1000.
    (f,) = found(v1(max_model_len=1536, overrides=DYN), "R02")
    assert f.severity == "warning"
    assert f.message == (
        "inner term α·L/T − (α − 1) = 2·1536/2048 − 1 = 0.5 < 1: θ' = 488.94426816771636 is below "
        "θ = 1000 because the served length L = 1536 is below the trained length T = 2048"
    )
    assert f.hint == (
        "serve at least T: --max-model-len 2048 (θ' = θ there), or drop the dynamic rope_type"
    )


def test_r02_boundary_at_t() -> None:
    # L = T − 1: 2·2047/2048 − 1 = 0.9990234375 < 1; L = T: inner 1, θ' = θ (§6 "new, L = 2048").
    (f,) = found(v1(max_model_len=2047, overrides=DYN), "R02")
    assert f.message.startswith("inner term α·L/T − (α − 1) = 2·2047/2048 − 1 = 0.9990234375 < 1")
    assert ids(v1(max_model_len=2048, overrides=DYN), "R01", "R02") == []
    assert ids(v1(max_model_len=2049, overrides=DYN), "R01", "R02") == []


def test_r02_factor_below_one_spells_the_negative_shift() -> None:
    # α 0.5, L 1024: 0.5·1024/2048 + 0.5 = 0.75, θ' = 1000·0.75^(64/62) = 743.0721450571741
    # (the SPEC §6 "old, α = 0.5" number: the same inner term 0.75).
    (f,) = found(v1(max_model_len=1024, overrides=dyn(0.5)), "R02")
    assert f.message.startswith(
        "inner term α·L/T − (α − 1) = 0.5·1024/2048 − -0.5 = 0.75 < 1: θ' = 743.0721450571741 "
        "is below θ = 1000"
    )


# -- R05: θ' depends on --max-model-len (Nomic, new) ---------------------------------------------
def test_r05_message_and_pin_hint() -> None:
    # SPEC §6 "new, L = 8192": θ' 7453.483031811892.
    (f,) = found(v1(overrides=DYN), "R05")
    assert f.severity == "warning"
    assert f.message == (
        "θ' = 7453.483031811892 is computed once from max_model_len L = 8192 (θ 1000, α 2, "
        "T 2048): the same short input embeds differently at another --max-model-len, while the "
        "model's own code scales per sequence, and only sequences longer than T"
    )
    assert f.hint == (
        "pin --max-model-len 8192 wherever embeddings are compared, or serve --max-model-len "
        "2048 (= T, θ' = θ) to match the reference for inputs up to T"
    )


@pytest.mark.parametrize("length", [512, 1024])
def test_r05_never_pins_a_broken_base(length: int) -> None:
    # θ' complex (L 512) or 0 (L 1024, §6): R01's lengths are not recommended.
    (f,) = found(v1(max_model_len=length, overrides=DYN), "R05")
    assert f.hint == (
        "serve --max-model-len 2048 (= T, θ' = θ) to match the reference for inputs up to T"
    )


def test_r05_pins_just_above_the_crossing() -> None:
    (f,) = found(v1(max_model_len=1025, overrides=DYN), "R05")
    assert f.hint.startswith("pin --max-model-len 1025 wherever embeddings are compared")


def test_r05_not_for_non_nomic_or_old() -> None:
    # Non-Nomic dynamic models get T = L (§4.4.8): θ' = θ, the base does not move with L.
    dynamic_llama = llama(rope_scaling={"rope_type": "dynamic", "factor": 2.0})
    assert ids(run(dynamic_llama), "R01", "R02", "R05") == []
    assert ids(v1(vllm="old", max_model_len=2048, overrides=DYN), "R05") == []
    assert ids(v1(), "R05") == []  # plain RoPE


@pytest.mark.parametrize(
    ("base", "usable"),
    [(1000.0, True), (1e-300, True), (1, True), (0.0, False), (-1.0, False), (True, False)],
)
def test_usable_base(base: object, usable: bool) -> None:
    assert dynamic._usable(base) is usable
    assert dynamic._usable(complex(-486.4356532483613, -49.46567115590085)) is False


def test_new_dynamic_needs_every_field() -> None:
    r = v1(overrides=DYN)
    rot = r.rotary
    assert rot is not None
    # SPEC §6 "new, L = 8192": α 2, T 2048, inner 2·8192/2048 − 1 = 7.
    assert dynamic._new_dynamic(r) == (rot, 2.0, 2048, 7.0)
    for name in ("trained_positions", "factor", "inner"):
        changed = dataclasses.replace(r, rotary=dataclasses.replace(rot, **{name: None}))
        assert dynamic._new_dynamic(changed) is None, name
    plain = dataclasses.replace(r, rotary=dataclasses.replace(rot, dynamic_formula=False))
    assert dynamic._new_dynamic(plain) is None
    assert dynamic._new_dynamic(dataclasses.replace(r, rotary=None)) is None
    assert dynamic._new_dynamic(v1(vllm="old", max_model_len=2048, overrides=DYN)) is None


def test_rules_skip_a_resolution_without_inner() -> None:
    r = v1(max_model_len=1024, overrides=DYN)
    assert r.rotary is not None
    no_inner = dataclasses.replace(r, rotary=dataclasses.replace(r.rotary, inner=None))
    assert ids(no_inner, "R01", "R02", "R05") == []


# -- R12: dynamic factor < 1 ---------------------------------------------------------------------
def test_r12_new_message() -> None:
    # Llama-2 (max_position_embeddings 4096, θ 10000) + dynamic 0.5: derived 4096·0.5 = 2048;
    # new vLLM: T = L, θ' = θ (§4.4.8).
    (f,) = found(run(llama(rope_scaling={"rope_type": "dynamic", "factor": 0.5})), "R12")
    assert f.severity == "warning"
    assert f.message == (
        "dynamic factor α = 0.5 < 1 shrinks what it should stretch; the derived length becomes "
        "4096·0.5 = 2048; θ' = 10000 (θ = 10000)"
    )
    assert f.hint == (
        "set rope_parameters.factor ≥ 1 (1.0 means no scaling) in config.json or --hf-overrides"
    )


def test_r12_old_names_the_short_cache() -> None:
    # Old vLLM: cache ceil(L·α) = 2048 rows for L = 4096 (§4.5); θ' = θ·(α²−α+1)^(d/(d−2)).
    r = run(llama(rope_scaling={"rope_type": "dynamic", "factor": 0.5}), vllm="old")
    (f,) = found(r, "R12")
    assert f.message == (
        "dynamic factor α = 0.5 < 1 shrinks what it should stretch; the derived length becomes "
        "4096·0.5 = 2048; θ' = 7465.830209766458 (θ = 10000); cache 2048 rows for L = 4096"
    )


def test_r12_cache_as_long_as_l_is_not_mentioned() -> None:
    r = run(llama(rope_scaling={"rope_type": "dynamic", "factor": 0.5}), vllm="old")
    assert r.rotary is not None
    full = dataclasses.replace(r, rotary=dataclasses.replace(r.rotary, cache_rows=4096))
    (f,) = found(full, "R12")
    assert f.message.endswith("; θ' = 7465.830209766458 (θ = 10000)")
    longer = dataclasses.replace(r, rotary=dataclasses.replace(r.rotary, cache_rows=4095))
    (f,) = found(longer, "R12")
    assert f.message.endswith("; cache 4095 rows for L = 4096")
    unknown = dataclasses.replace(r, rotary=dataclasses.replace(r.rotary, cache_rows=None))
    (f,) = found(unknown, "R12")
    assert f.message.endswith("(θ = 10000)")


def test_r12_parts_need_their_facts() -> None:
    r = run(llama(rope_scaling={"rope_type": "dynamic", "factor": 0.5}))
    assert r.derived is not None and r.rotary is not None
    only = "dynamic factor α = 0.5 < 1 shrinks what it should stretch"
    skipped = dataclasses.replace(r, derived=dataclasses.replace(r.derived, factor_applied=False))
    assert found(skipped, "R12")[0].message == only + "; θ' = 10000 (θ = 10000)"
    no_value = dataclasses.replace(r, derived=dataclasses.replace(r.derived, config_value=None))
    assert found(no_value, "R12")[0].message == only + "; θ' = 10000 (θ = 10000)"
    no_formula = dataclasses.replace(
        r, derived=None, rotary=dataclasses.replace(r.rotary, dynamic_formula=False)
    )
    assert found(no_formula, "R12")[0].message == only
    assert found(dataclasses.replace(r, derived=None, rotary=None), "R12")[0].message == only


@pytest.mark.parametrize(
    ("factor", "fires"),
    [(0.99, True), (0.5, True), (1.0, False), (1.01, False), (2.0, False)],
)
def test_r12_boundary_at_one(factor: float, fires: bool) -> None:
    r = run(llama(rope_scaling={"rope_type": "dynamic", "factor": factor}))
    assert bool(found(r, "R12")) is fires


def test_r12_not_for_zero_or_other_types() -> None:
    # α = 0 is R11's (factor ≤ 0); linear 0.5 is not dynamic.
    zero = run(llama(rope_scaling={"rope_type": "dynamic", "factor": 0}))
    assert ids(zero, "R11", "R12") == ["R11"]
    assert not found(run(llama(rope_scaling={"rope_type": "linear", "factor": 0.5})), "R12")


def test_r12_reads_the_described_layer_numbers_only() -> None:
    r = run(llama(rope_scaling={"rope_type": "dynamic", "factor": 0.5}))
    p = {"rope_type": "dynamic", "factor": "0.5"}
    as_text = dataclasses.replace(r, rope_parameters=p)
    assert not found(as_text, "R12")
