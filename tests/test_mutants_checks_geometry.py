"""Mutants of the geometry, override and refusal rules (checks/geometry.py R11,
checks/overrides.py R06, checks/refusals.py R14–R16 R19), issue 14.

Conditions from SPEC §7 (R11: d ≤ 2, odd d, factor ≤ 0, θ ≤ 0, partial factor outside (0, 1]),
§4.4.3–4 (θ falls back to 10000, d = int(head_size · partial_rotary_factor)), §3.1 (dict
overrides are not normalised); Llama-2 numbers (θ 10000, head 128) and Nomic v1's θ 1000.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from conftest import LLAMA2 as LLAMA
from test_checks import found, llama, run, v1

from ntkcli.checks import refusals
from ntkcli.model import Refusal, Resolution

D_HINT = (
    "check head_dim / hidden_size / num_attention_heads and partial_rotary_factor (or rope_dim)"
)
PARTIAL_HINT = "set partial_rotary_factor (rotary_pct / rotary_emb_fraction) to a value in (0, 1]"


def r11(r: Resolution) -> list[tuple[str, str]]:
    return [(f.message, f.hint) for f in found(r, "R11")]


# -- R11 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("partial", "text"), [(0.0, "0"), (1.5, "1.5"), (-0.5, "-0.5")])
def test_r11_partial_factor_outside(partial: float, text: str) -> None:
    assert r11(run(llama(partial_rotary_factor=partial))) == [
        (
            f"partial_rotary_factor = {text} is outside (0, 1]: vLLM's get_rope raises ValueError",
            PARTIAL_HINT,
        )
    ]
    assert found(run(llama(partial_rotary_factor=partial)), "R11")[0].severity == "error"


@pytest.mark.parametrize("partial", [1.0, 0.5, 1e-9 + 0.25])
def test_r11_partial_factor_inside(partial: float) -> None:
    assert r11(run(llama(partial_rotary_factor=partial))) == []


def test_r11_partial_factor_ignored_with_rope_dim() -> None:
    # §4.4.4: d = rope_dim if truthy; the partial factor is then not used.
    override = {
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 10000,
            "rope_dim": 64,
            "partial_rotary_factor": 0.0,
        }
    }
    assert r11(run(llama(), overrides=override)) == []


def test_r11_rotary_dim_two_and_one() -> None:
    # head 4 · 0.5 = 2: d/(d − 2) divides by zero; head 4 · 0.25 = 1.
    assert r11(run(llama(head_dim=4, partial_rotary_factor=0.5))) == [
        (
            "rotary dim d = 2 ≤ 2: no frequencies to rotate, and the NTK exponent d/(d − 2) "
            "divides by zero",
            D_HINT,
        )
    ]
    assert r11(run(llama(head_dim=4, partial_rotary_factor=0.25))) == [
        ("rotary dim d = 1 ≤ 2: no frequencies to rotate", D_HINT)
    ]


def test_r11_odd_and_even_dims() -> None:
    assert r11(run(llama(head_dim=6, partial_rotary_factor=0.5))) == [
        (
            "rotary dim d = 3 is odd: cos/sin halves do not pair up",
            "make head_size · partial_rotary_factor (or rope_dim) even",
        )
    ]
    assert r11(run(llama(head_dim=8, partial_rotary_factor=0.5))) == []  # d = 4


def test_r11_zero_division_without_rotary() -> None:
    # The dynamic class with d = 2: get_rope divides by zero before a rotary exists.
    dynamic = {"rope_type": "dynamic", "factor": 2.0}
    r = run(llama(head_dim=4, partial_rotary_factor=0.5, rope_scaling=dynamic))
    assert r.rotary is None and r.refusal is not None and r.refusal.cause == "zero_division"
    (message, _) = r11(r)[0]
    assert message.startswith("rotary dim d = 2 ≤ 2: no frequencies to rotate, and the NTK")
    other = dataclasses.replace(r, refusal=dataclasses.replace(r.refusal, cause="other"))
    assert r11(other) == []
    assert r11(dataclasses.replace(r, refusal=None)) == []


@pytest.mark.parametrize(("dim", "fires"), [(0, True), (2, True), (3, True), (4, False)])
def test_r11_dim_boundary(dim: int, fires: bool) -> None:
    r = run(llama())
    assert r.rotary is not None
    changed = dataclasses.replace(r, rotary=dataclasses.replace(r.rotary, rotary_dim=dim))
    assert bool(r11(changed)) is fires


def test_r11_factor() -> None:
    assert r11(run(llama(rope_scaling={"rope_type": "linear", "factor": 0.0}))) == [
        (
            "rope factor α = 0 ≤ 0: the derived length becomes 0 and the scaling formulas break",
            "set rope_parameters.factor ≥ 1 (1.0 means no scaling)",
        )
    ]
    # α −2: the derived length −8192 stops the pipeline, no derived length is kept
    negative = run(llama(rope_scaling={"rope_type": "linear", "factor": -2.0}))
    assert r11(negative)[0][0] == (
        "rope factor α = -2 ≤ 0: the derived length becomes ≤ 0 and the scaling formulas break"
    )
    assert r11(run(llama(rope_scaling={"rope_type": "linear", "factor": 1e-9}))) == []


def test_r11_theta() -> None:
    for theta, text in ((0.0, "0"), (-1.0, "-1")):
        assert r11(run(llama(rope_theta=theta))) == [
            (
                f"θ = {text} ≤ 0: inv_freq = 1/θ^(2i/d) is not a real frequency",
                "set rope_theta (rotary_emb_base) to a positive base such as 10000",
            )
        ]
    assert r11(run(llama(rope_theta=1e-9))) == []
    # without a rotary object the rope parameters' θ counts
    r = run(llama(rope_theta=-1.0))
    assert len(r11(dataclasses.replace(r, rotary=None))) == 1
    ok = run(llama())
    assert r11(dataclasses.replace(ok, rotary=None)) == []
    # with one, the θ get_rope sees counts (§4.4.3), not the rope parameters' own
    assert ok.rotary is not None
    seen = dataclasses.replace(ok, rotary=dataclasses.replace(ok.rotary, base=-1.0))
    assert [m for m, _ in r11(seen)] == [
        "θ = -1 ≤ 0: inv_freq = 1/θ^(2i/d) is not a real frequency"
    ]
    assert r11(dataclasses.replace(r, rotary=ok.rotary)) == []


def test_r11_several_at_once_in_order() -> None:
    r = run(llama(rope_theta=-1.0, rope_scaling={"rope_type": "linear", "factor": 0.0}))
    assert [m.split(" ")[0] for m, _ in r11(r)] == ["rope", "θ"]


# -- R06 -----------------------------------------------------------------------------------------
KEY_ERROR = "dict overrides are not normalised, so vLLM crashes with KeyError: 'rope_type'"


def r06(r: Resolution) -> list[tuple[str, str]]:
    return [(f.message, f.hint) for f in found(r, "R06")]


def test_r06_no_rope_type() -> None:
    r = v1(overrides={"rope_parameters": {"factor": 2.0, "rope_theta": 1000}})
    assert r06(r) == [
        (
            f"--hf-overrides rope_parameters has no 'rope_type': {KEY_ERROR}",
            'spell it rope_type: --hf-overrides \'{"rope_parameters": {"factor": 2.0, '
            '"rope_theta": 1000, "rope_type": "default"}}\'',
        )
    ]
    assert found(r, "R06")[0].severity == "error"


def test_r06_legacy_type() -> None:
    r = v1(overrides={"rope_parameters": {"type": "dynamic", "factor": 2.0, "rope_theta": 1000}})
    assert r06(r) == [
        (
            f"--hf-overrides rope_parameters spells the type as 'type' ('dynamic'): {KEY_ERROR}",
            'spell it rope_type: --hf-overrides \'{"rope_parameters": {"factor": 2.0, '
            '"rope_theta": 1000, "rope_type": "dynamic"}}\'',
        )
    ]
    r = v1(overrides={"rope_parameters": {"type": 3, "factor": 2.0, "rope_theta": 1000}})
    ((message, hint),) = r06(r)
    assert message.startswith("--hf-overrides rope_parameters spells the type as 'type' (3): ")
    assert hint.endswith('"rope_theta": 1000, "rope_type": "default"}}\'')


def test_r06_no_theta() -> None:
    # §4.4.3: θ falls back to 10000 while Nomic v1 has θ 1000.
    r = v1(overrides={"rope_parameters": {"rope_type": "dynamic", "factor": 2.0}})
    assert r06(r) == [
        (
            "--hf-overrides rope_parameters has no rope_theta: get_rope falls back to θ = 10000 "
            "while the model has θ = 1000",
            'add rope_theta: --hf-overrides \'{"rope_parameters": {"rope_type": "dynamic", '
            '"factor": 2.0, "rope_theta": 1000.0}}\'',
        )
    ]
    # Llama-2's θ is 10000: the fallback is the same base
    assert r06(run(llama(), overrides={"rope_parameters": {"rope_type": "default"}})) == []


def test_r06_both_in_one_layer() -> None:
    r = v1(overrides={"rope_parameters": {}})
    assert r06(r) == [
        (
            f"--hf-overrides rope_parameters has no 'rope_type': {KEY_ERROR}",
            'spell it rope_type: --hf-overrides \'{"rope_parameters": {"rope_type": "default"}}\'',
        ),
        (
            "--hf-overrides rope_parameters has no rope_theta: get_rope falls back to θ = 10000 "
            "while the model has θ = 1000",
            'add rope_theta: --hf-overrides \'{"rope_parameters": {"rope_type": "default", '
            '"rope_theta": 1000.0}}\'',
        ),
    ]


def test_r06_model_without_theta() -> None:
    r = v1(overrides={"rope_parameters": {"rope_type": "default"}})
    no_theta = dataclasses.replace(r, normalised_rope={"rope_type": "default"})
    ((message, hint),) = r06(no_theta)
    assert message.endswith("falls back to θ = 10000 while the model has no θ")
    assert hint.endswith('"rope_theta": null}}\'')


def test_r06_nested_layers() -> None:
    nested = {
        "full_attention": {"rope_type": "default"},
        "sliding_attention": {"type": "default", "rope_theta": 10000},
    }
    r = run(llama(rope_theta=500000.0), overrides={"rope_parameters": nested})
    assert [m.split(" has ")[0].split(" spells ")[0] for m, _ in r06(r)] == [
        "--hf-overrides rope_parameters.full_attention",
        "--hf-overrides rope_parameters.sliding_attention",
    ]


def test_r06_only_dict_rope_parameters() -> None:
    assert r06(v1(overrides={"rope_scaling": {"type": "dynamic", "factor": 2.0}})) == []
    assert r06(v1()) == []


# -- R14–R16, R19 --------------------------------------------------------------------------------
KNOWN = (
    "deepseek_llama_scaling, deepseek_yarn, default, dynamic, linear, llama3, longrope, ntk, yarn"
)


def one(r: Resolution, rule_id: str) -> tuple[str, str, str]:
    (f,) = found(r, rule_id)
    return (f.severity, f.message, f.hint)


def test_r14_unknown_type() -> None:
    r = run(llama(rope_scaling={"rope_type": "wavy", "factor": 2.0}))
    assert one(r, "R14") == (
        "error",
        "vLLM would refuse: ValueError: Unknown RoPE scaling type wavy",
        f"use a rope_type vLLM knows ({KNOWN}) in config.json or --hf-overrides",
    )
    assert refusals.KNOWN_TYPES == KNOWN
    assert not found(r, "R19")


def test_r15_conflicting_types() -> None:
    r = run(llama(rope_scaling={"type": "linear", "rope_type": "dynamic", "factor": 2}))
    assert one(r, "R15") == (
        "error",
        "vLLM would refuse: ValueError: Found conflicts between 'rope_type=dynamic' (modern "
        "field) and 'type=linear' (legacy field). You should only specify one of them.",
        "remove the legacy 'type' key from rope_scaling / rope_parameters (keep rope_type)",
    )


def test_r16_dynamic_without_factor() -> None:
    r = run(LLAMA, overrides={"rope_parameters": {"rope_type": "dynamic"}})
    assert one(r, "R16") == (
        "error",
        "vLLM would refuse: ValueError: Dynamic rope scaling must contain either 'alpha' or "
        "'factor' field (rope parameters: ['rope_type'])",
        "add rope_parameters.factor (e.g. 2.0), or use rope_type 'default'",
    )


@pytest.mark.parametrize(
    ("rule_id", "cause"),
    [
        ("R14", "unknown_rope_type"),
        ("R15", "conflicting_rope_types"),
        ("R16", "dynamic_without_factor"),
    ],
)
def test_refusal_rules_need_their_cause(rule_id: str, cause: str) -> None:
    r = run(llama())
    refusal = Refusal("ValueError", "m", "get_rope", cause)
    assert found(dataclasses.replace(r, refusal=refusal), rule_id)
    other = dataclasses.replace(refusal, cause="other")
    assert not found(dataclasses.replace(r, refusal=other), rule_id)
    assert not found(r, rule_id)


def test_r19_crash_message() -> None:
    r = run(llama(), overrides={"rope_parameters": {"rope_type": "default", "x": {"a": 1}}})
    assert one(r, "R19") == (
        "error",
        "vLLM would crash (get_rope): TypeError: unhashable type: 'dict'",
        "see `ntkcli inspect` for the whole resolution; fix the config key or override named in "
        "the message",
    )


def test_r19_unusable_length() -> None:
    # §4.1: a derived length ≤ 0 (linear α −2 → −8192.0) is reported by R19, vLLM stops nowhere.
    r = run(llama(rope_scaling={"rope_type": "linear", "factor": -2.0}))
    (_, message, _) = one(r, "R19")
    assert message == (
        "unusable length: the derived max_model_len is -8192.0 (rope factor -2.0): not a usable "
        "length. vLLM does not check it, and nothing it builds from a length ≤ 0 works: ntkcli "
        "stops here"
    )


@pytest.mark.parametrize("cause", sorted(refusals.CLAIMED))
def test_r19_leaves_claimed_refusals(cause: str) -> None:
    r = run(llama())
    refusal = Refusal("ValueError", "m", "get_rope", cause)
    assert refusals.claimed(refusal)
    assert not found(dataclasses.replace(r, refusal=refusal), "R19")


def test_claimed_list() -> None:
    # Who owns what (R06, R08, R09, R11, R14–R17, R22); everything else is R19's.
    assert {
        "nomic_assertion",
        "nomic_missing_st",
        "zero_division",
        "missing_rope_type",
        "negative_arange",
        "max_model_len_too_long",
        "partial_rotary_factor",
        "unknown_rope_type",
        "conflicting_rope_types",
        "dynamic_without_factor",
        "load:no_native_class",
    } == refusals.CLAIMED
    assert not refusals.claimed(Refusal("TypeError", "m", "get_rope", "other"))


def test_rules_read_nothing_without_refusal() -> None:
    r: Any = run(llama())
    for rule_id in ("R14", "R15", "R16", "R19", "R22", "R09", "R17"):
        assert not found(r, rule_id)
