"""Mutants of the length rules (checks/lengths.py: R03, R09, R10, R18), issue 14.

Llama-2 (max_position_embeddings 4096) and Nomic v1 (T 2048, n_positions 8192, ST 8192) numbers
from SPEC §4.1, §4.2, §4.3 and §6, written out; each condition at, below and above its boundary.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from test_checks import DYN, bundled, found, llama, raw, run, v1

from ntkcli.checks import lengths
from ntkcli.model import Resolution

ST = {"max_seq_length": 512, "do_lower_case": False}
PAST = "index past the cache end (IndexError on CPU, out-of-bounds reads on GPU)"
REFUSAL = (
    "vLLM would refuse: ValueError: User-specified max_model_len ({x}) is greater than the "
    "derived max_model_len (max_position_embeddings={v} or model_max_length=None in model's "
    "config.json)."
)
ENV_HINT = (
    ", or set VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (--allow-long-max-model-len) only if you accept "
    "positions past the trained range"
)


def dynamic_llama(factor: float) -> dict[str, Any]:
    return llama(rope_scaling={"rope_type": "dynamic", "factor": factor})


# -- R03: cache rows < max_model_len -------------------------------------------------------------
def test_r03_dynamic_t_equals_l() -> None:
    # §4.5 last bullet: Llama-2 + dynamic 2 on new vLLM: 4096 rows, max_model_len 4096·2 = 8192.
    (f,) = found(run(dynamic_llama(2.0)), "R03")
    assert f.severity == "error"
    assert f.message == (
        f"cache has 4096 rows but max_model_len is 8192: positions 4096…8191 {PAST}; vLLM ≥ 0.22 "
        "builds the dynamic class for the config's max_position_embeddings 4096 with T = L, so "
        "θ' = θ (NTK off), while the allowed length is still multiplied by α = 2"
    )
    assert f.hint == (
        "--max-model-len 4096 (the cache length); vLLM ≥ 0.22 does not extend this model's "
        "context with dynamic NTK"
    )


def test_r03_one_position_past() -> None:
    # internlm2-chat-7b (32768 rows, §4.5): max_model_len 32769 → only position 32768 is past.
    (f,) = found(run(bundled("internlm/internlm2-chat-7b"), max_model_len=32769), "R03")
    assert f.message.startswith(
        f"cache has 32768 rows but max_model_len is 32769: position 32768 {PAST}"
    )
    # at the cache length nothing is past it, one below neither
    for length in (32768, 32767):
        assert not found(run(bundled("internlm/internlm2-chat-7b"), max_model_len=length), "R03")


def test_r03_yarn() -> None:
    # §4.4.9: Nomic v1 + yarn factor 2 on new vLLM: 2048·2 = 4096 rows against 8192.
    yarn = {
        "rope_parameters": {
            "rope_type": "yarn",
            "factor": 2.0,
            "rope_theta": 1000,
            "original_max_position_embeddings": 2048,
        }
    }
    (f,) = found(v1(overrides=yarn), "R03")
    assert f.message == (
        f"cache has 4096 rows but max_model_len is 8192: positions 4096…8191 {PAST}; YaRN is "
        "built for original_max_position_embeddings·factor, not for L"
    )
    assert f.hint == (
        "--max-model-len 4096 (the cache length), or raise "
        "rope_parameters.original_max_position_embeddings in --hf-overrides"
    )


def test_r03_alpha_with_factor() -> None:
    # §4.4.6: alpha + factor: rows = L = 4096, the factor still doubles the length to 8192.
    r = run(llama(rope_scaling={"rope_type": "dynamic", "factor": 2.0, "alpha": 2.0}))
    (f,) = found(r, "R03")
    assert f.message == f"cache has 4096 rows but max_model_len is 8192: positions 4096…8191 {PAST}"
    assert f.hint == "--max-model-len 4096 (the cache length)"


def test_r03_allowed_long_plain_rope() -> None:
    # Plain RoPE, rows = L = 4096; VLLM_ALLOW_LONG_MAX_MODEL_LEN lets 4097 through (§4.2.3).
    (f,) = found(run(llama(), max_model_len=4097, allow_long=True), "R03")
    assert f.message == f"cache has 4096 rows but max_model_len is 4097: position 4096 {PAST}"
    assert not found(run(llama(), max_model_len=4096, allow_long=True), "R03")


def test_r03_dynamic_with_t_below_l_has_no_t_equals_l_text() -> None:
    # A dynamic class whose T is not L (a Nomic-style T) with a short cache: neither reason.
    r = run(dynamic_llama(2.0))
    assert r.rotary is not None
    moved = dataclasses.replace(r, rotary=dataclasses.replace(r.rotary, trained_positions=2048))
    (f,) = found(moved, "R03")
    assert f.message == f"cache has 4096 rows but max_model_len is 8192: positions 4096…8191 {PAST}"
    assert f.hint == "--max-model-len 4096 (the cache length)"
    # T = L but the inner term not 1: the hint still says NTK does not extend, the message
    # gives no reason
    odd = dataclasses.replace(r, rotary=dataclasses.replace(r.rotary, inner=0.5))
    (f,) = found(odd, "R03")
    assert f.message.endswith(PAST)
    assert f.hint.endswith("does not extend this model's context with dynamic NTK")


def test_r03_needs_rows_and_length() -> None:
    r = run(dynamic_llama(2.0))
    assert r.rotary is not None
    assert not found(dataclasses.replace(r, max_model_len=None), "R03")
    assert not found(dataclasses.replace(r, rotary=None), "R03")
    no_rows = dataclasses.replace(r, rotary=dataclasses.replace(r.rotary, cache_rows=None))
    assert not found(no_rows, "R03")


# -- R09: the requested length is refused --------------------------------------------------------
def test_r09_message_and_hint() -> None:
    # §4.2.2: Llama-2 --max-model-len 8192 > derived 4096.0 (the factor step ran).
    (f,) = found(run(llama(), max_model_len=8192), "R09")
    assert f.severity == "error"
    assert f.message == REFUSAL.format(x=8192, v="4096.0")
    assert f.hint == "--max-model-len 4096 or less" + ENV_HINT
    # at the derived length, and below, no refusal
    assert not found(run(llama(), max_model_len=4096), "R09")
    assert found(run(llama(), max_model_len=4097), "R09")


def test_r09_old_nomic_recheck() -> None:
    # §4.3.8 and §6: old vLLM re-derives the limit from T = 2048 and refuses 4096.
    (f,) = found(v1(vllm="old", max_model_len=4096), "R09")
    assert f.message == (
        REFUSAL.format(x=4096, v="2048.0")
        + " (old vLLM re-checks Nomic configs against max_trained_positions)"
    )
    assert f.hint == "--max-model-len 2048 or less" + ENV_HINT
    # with the dynamic override the re-derived limit is 2048·2 = 4096 (§6).
    (f,) = found(v1(vllm="old", overrides=DYN), "R09")
    assert f.hint == "--max-model-len 4096 or less" + ENV_HINT


def test_r09_without_a_limit() -> None:
    r = run(llama(), max_model_len=8192)
    (f,) = found(dataclasses.replace(r, derived=None), "R09")
    assert f.hint == "lower it" + ENV_HINT


def test_r09_limit_prefers_the_nomic_recheck() -> None:
    r = v1(vllm="old", max_model_len=4096)
    assert r.nomic is not None and r.nomic.recheck_limit is not None
    assert lengths._limit(r) is r.nomic.recheck_limit
    assert r.derived is not None and r.derived.final == 8192  # ST 8192 (§6)
    no_recheck = dataclasses.replace(r, nomic=dataclasses.replace(r.nomic, recheck_limit=None))
    assert lengths._limit(no_recheck) is r.derived
    assert lengths._limit(dataclasses.replace(r, nomic=None)) is r.derived


def test_r09_only_for_its_cause() -> None:
    r = run(llama(), max_model_len=8192)
    assert r.refusal is not None
    other = dataclasses.replace(r, refusal=dataclasses.replace(r.refusal, cause="other"))
    assert not found(other, "R09")


# -- R10: ST max_seq_length replaces the derived length ------------------------------------------
def st_run(config: dict[str, Any], st: dict[str, Any], **kw: Any) -> Resolution:
    return run(raw(config, st=st), **kw)


def test_r10_lowers() -> None:
    # §4.1.6: Llama-2 4096 replaced by ST 512.
    (f,) = found(st_run(llama(), ST), "R10")
    assert f.severity == "info"
    assert f.message == (
        "sentence_bert_config.json max_seq_length 512 replaces (and lowers) the derived length "
        "4096 (max_position_embeddings 4096): vLLM's limit is 512"
    )
    assert f.hint == (
        "edit max_seq_length in sentence_bert_config.json to change vLLM's limit; "
        "--max-model-len can only lower it"
    )


def test_r10_raises_and_equal() -> None:
    # It can raise as well as lower it (§4.1.6); an equal value changes nothing.
    (f,) = found(st_run(llama(), {"max_seq_length": 8192, "do_lower_case": False}), "R10")
    assert f.message.startswith(
        "sentence_bert_config.json max_seq_length 8192 replaces (and raises) the derived "
        "length 4096"
    )
    (f,) = found(st_run(llama(), {"max_seq_length": 4097, "do_lower_case": False}), "R10")
    assert "(and raises)" in f.message
    (f,) = found(st_run(llama(), {"max_seq_length": 4095, "do_lower_case": False}), "R10")
    assert "(and lowers)" in f.message
    assert not found(st_run(llama(), {"max_seq_length": 4096, "do_lower_case": False}), "R10")


def test_r10_factor_named() -> None:
    # linear 2: derived 4096·2 = 8192; linear 1.0 multiplies by 1, not named.
    linear = llama(rope_scaling={"rope_type": "linear", "factor": 2.0})
    (f,) = found(st_run(linear, ST), "R10")
    assert "the derived length 8192 (max_position_embeddings 4096 × factor 2): " in f.message
    linear1 = llama(rope_scaling={"rope_type": "linear", "factor": 1.0})
    (f,) = found(st_run(linear1, ST), "R10")
    assert "the derived length 4096 (max_position_embeddings 4096): " in f.message


def test_r10_yarn_original_length() -> None:
    # §4.1.5: yarn up to 0.29: L₀ 2048 × 4 = 8192, not max_position_embeddings 4096 × 4.
    yarn = llama(
        rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2048}
    )
    (f,) = found(st_run(yarn, ST, vllm="0.22.0"), "R10")
    assert (
        "the derived length 8192 (rope original_max_position_embeddings × factor 4): vLLM's "
        "limit is 512" in f.message
    )


def test_r10_fallback_and_no_factor() -> None:
    r = st_run(llama(), ST)
    assert r.derived is not None
    fallback = dataclasses.replace(r, derived=dataclasses.replace(r.derived, key=None))
    (f,) = found(fallback, "R10")
    assert "the derived length 4096 (the 2048 fallback): " in f.message
    unscaled = dataclasses.replace(
        r, derived=dataclasses.replace(r.derived, factor=2.0, factor_applied=False)
    )
    (f,) = found(unscaled, "R10")
    # config_value 4096·2 ≠ 4096: the yarn wording; factor not applied: no "× factor"
    assert "(rope original_max_position_embeddings): " in f.message
    no_value = dataclasses.replace(r, derived=dataclasses.replace(r.derived, config_value=None))
    assert "(max_position_embeddings None): " in found(no_value, "R10")[0].message


def test_r10_needs_a_replacement() -> None:
    r = st_run(llama(), ST)
    assert r.derived is not None
    assert not found(dataclasses.replace(r, derived=None), "R10")
    kept = dataclasses.replace(r, derived=dataclasses.replace(r.derived, st_replaced=False))
    assert not found(kept, "R10")
    none = dataclasses.replace(r, derived=dataclasses.replace(r.derived, st_length=None))
    assert not found(none, "R10")
    # an ST file without do_lower_case is ignored up to 0.31 (§4.1.6)
    assert not found(st_run(llama(), {"max_seq_length": 512}, vllm="0.22.0"), "R10")


# -- R18: above the limit, allowed by the env var ------------------------------------------------
def test_r18_message_and_boundary() -> None:
    (f,) = found(run(llama(), max_model_len=8192, allow_long=True), "R18")
    assert f.severity == "warning"
    assert f.message == (
        "max_model_len 8192 is above the derived limit 4096 (max_position_embeddings): vLLM "
        "accepts it only because VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"
    )
    assert f.hint == (
        "--max-model-len 4096 or less, unless you have checked that the model handles 8192 "
        "positions"
    )
    assert found(run(llama(), max_model_len=4097, allow_long=True), "R18")
    assert not found(run(llama(), max_model_len=4096, allow_long=True), "R18")
    assert not found(run(llama(), max_model_len=8192), "R18")  # refused instead (R09)


def test_r18_old_nomic_recheck_limit() -> None:
    # §4.3.8: the re-checked limit is T = 2048.
    (f,) = found(v1(vllm="old", max_model_len=4096, allow_long=True), "R18")
    assert f.message.startswith("max_model_len 4096 is above the derived limit 2048 (")


def test_r18_model_max_length_allows_it() -> None:
    # §4.2.3: no refusal (and so no warning) while the config's model_max_length is ≥ X; the ST
    # 512 replaced the derived model_max_length 8192.
    config = llama(model_max_length=8192)
    assert not found(st_run(config, ST, max_model_len=8192, allow_long=True), "R18")
    (f,) = found(st_run(config, ST, max_model_len=8193, allow_long=True), "R18")
    assert f.message == (
        "max_model_len 8193 is above the derived limit 512 (model_max_length): vLLM accepts it "
        "only because VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"
    )
    assert f.hint.startswith("--max-model-len 512 or less, unless")


def test_r18_fallback_key_and_missing_facts() -> None:
    r = run(llama(), max_model_len=8192, allow_long=True)
    assert r.derived is not None
    fallback = dataclasses.replace(r, derived=dataclasses.replace(r.derived, key=None))
    assert "derived limit 4096 (fallback): " in found(fallback, "R18")[0].message
    assert not found(dataclasses.replace(r, derived=None), "R18")
    assert not found(dataclasses.replace(r, max_model_len=None), "R18")
    text = dataclasses.replace(r, config_values={**r.config_values, "model_max_length": "9000"})
    assert found(text, "R18")  # not a number: not a model_max_length


def test_r09_quotes_up_to_the_first_env_var_sentence() -> None:
    r = run(llama(), max_model_len=8192)
    assert r.refusal is not None
    twice = "A. To allow overriding B. To allow overriding C."
    changed = dataclasses.replace(r, refusal=dataclasses.replace(r.refusal, message=twice))
    assert found(changed, "R09")[0].message == "vLLM would refuse: ValueError: A."
