"""Mutants of the Nomic, config-class and custom-key rules (checks/nomic.py R04 R07 R08 R17,
checks/loading.py R20–R22, checks/custom_keys.py R13), issue 14.

Numbers: arctic-embed-m-long's rotary_scaling_factor 2, θ 1000, T 2048 (SPEC §6 last bullet);
Nomic v1 (n_positions 8192, T 2048); the native NomicBertConfig's defaults (SPEC §2.4: θ 1000,
max_position_embeddings 2048, num_attention_heads 12).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from conftest import NOMIC_NATIVE
from test_checks import bundled, found, llama, raw, run, v1

from ntkcli.model import Resolution

ARCTIC = "Snowflake/snowflake-arctic-embed-m-long"
OPT_IN = (
    '--hf-overrides \'{"rope_parameters": {"rope_type": "dynamic", "factor": 2, '
    '"rope_theta": 1000}}\''
)


def arctic(**changes: Any) -> dict[str, Any]:
    config = {**bundled(ARCTIC).config, **changes}
    return {k: v for k, v in config.items() if v is not DROP}


DROP = object()


# -- R04: rotary_scaling_factor ignored ----------------------------------------------------------
def test_r04_message_and_hint() -> None:
    (f,) = found(run(bundled(ARCTIC)), "R04")
    assert f.severity == "warning"
    assert f.message == (
        "rotary_scaling_factor=2 is ignored by vLLM (every version): vLLM builds RotaryEmbedding "
        "with θ 1000; Nomic's own code applies dynamic NTK (α 2) to inputs longer than T = 2048 "
        "tokens, so embeddings of long inputs differ"
    )
    assert f.hint == (
        "keep inputs ≤ 2048 tokens (--max-model-len 2048) to match the model's code, or opt in "
        f"with {OPT_IN} (then see R05)"
    )


def test_r04_t_is_nomic_codes() -> None:
    # max_trained_positions 4096 → T 4096 for both vLLM and Nomic's code.
    (f,) = found(run(raw(arctic(max_trained_positions=4096))), "R04")
    assert "inputs longer than T = 4096 tokens" in f.message
    assert f.hint.startswith("keep inputs ≤ 4096 tokens (--max-model-len 4096)")
    # Nomic's code (max_trained_positions 2048) decides T, whatever T vLLM's update found.
    r = run(bundled(ARCTIC))
    assert r.nomic is not None
    moved = dataclasses.replace(r, nomic=dataclasses.replace(r.nomic, trained_positions=3000))
    (f,) = found(moved, "R04")
    assert "inputs longer than T = 2048 tokens" in f.message


def test_r04_t_falls_back_without_a_reference() -> None:
    r = run(bundled(ARCTIC), vllm="old")
    assert r.nomic is not None
    # a value Nomic's class cannot hold (not a number): vLLM's T, 2048 here
    broken = dataclasses.replace(
        r,
        config_values={**r.config_values, "rotary_emb_base": "x"},
        nomic=dataclasses.replace(r.nomic, trained_positions=3000),
    )
    (f,) = found(broken, "R04")
    assert "inputs longer than T = 3000 tokens" in f.message
    # no rotary embedding in Nomic's code (fraction 0): reason set, vLLM's T; no Nomic update: 2048
    no_rotary = dataclasses.replace(
        r, config_values={**r.config_values, "rotary_emb_fraction": 0.0}, nomic=None
    )
    (f,) = found(no_rotary, "R04")
    assert "inputs longer than T = 2048 tokens" in f.message
    assert found(dataclasses.replace(no_rotary, nomic=r.nomic), "R04")[0].message.count("2048")


def test_r04_dynamic_class_and_non_integer_factor() -> None:
    dyn = {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}
    (f,) = found(run(bundled(ARCTIC), overrides=dyn), "R04")
    assert "vLLM builds DynamicNTKScalingRotaryEmbedding with θ 1000; " in f.message
    (f,) = found(run(raw(arctic(rotary_scaling_factor=1.5))), "R04")
    assert "rotary_scaling_factor=1.5 is ignored" in f.message and "(α 1.5)" in f.message
    assert '"factor": 1.5, "rope_theta": 1000}' in f.hint


def test_r04_without_rotary() -> None:
    r = run(bundled(ARCTIC))
    (f,) = found(dataclasses.replace(r, rotary=None), "R04")
    assert "(every version): vLLM does not read it; Nomic's own code" in f.message
    assert '"factor": 2, "rope_theta": null}' in f.hint


def test_r04_theta_kept_when_not_integer() -> None:
    r = run(bundled(ARCTIC))
    assert r.rotary is not None
    half = dataclasses.replace(r, rotary=dataclasses.replace(r.rotary, base=1000.5))
    (f,) = found(half, "R04")
    assert "with θ 1000.5; " in f.message and '"rope_theta": 1000.5}' in f.hint


def test_r04_needs_nomic_and_a_truthy_factor() -> None:
    # SPEC §5: 1.0 counts, null/0/absent do not.
    assert found(run(raw(arctic(rotary_scaling_factor=1))), "R04")
    for off in (None, 0, 0.0, False, DROP):
        assert not found(run(raw(arctic(rotary_scaling_factor=off))), "R04")
    # a non-Nomic config with the key: R13's case
    assert not found(run(llama(rotary_scaling_factor=2.0)), "R04")
    r = run(bundled(ARCTIC))
    assert found(dataclasses.replace(r, nomic=None), "R04")  # model_type nomic_bert suffices
    other = dataclasses.replace(r, model_type="bert")
    assert found(other, "R04")  # the Nomic update ran
    assert not found(dataclasses.replace(other, nomic=None), "R04")


# -- R07, R08, R17 -------------------------------------------------------------------------------
def test_r07_message() -> None:
    # §4.3.5: a flat max_model_len override has no effect in new vLLM.
    (f,) = found(v1(overrides={"max_model_len": 4096}), "R07")
    assert f.severity == "warning"
    assert f.message == (
        "hf_overrides max_model_len=4096 has no effect in vLLM ≥ 0.22: max_model_len stays 8192"
    )
    assert f.hint == "use --max-model-len 4096 instead of the hf_overrides key"
    assert not found(v1(), "R07")
    r = v1(overrides={"max_model_len": 4096})
    assert not found(dataclasses.replace(r, nomic=None), "R07")


def test_r08_one_finding_per_assertion() -> None:
    config = {
        **bundled("nomic-ai/nomic-embed-text-v1").config,
        "activation_function": "relu",
        "rotary_emb_interleaved": True,
    }
    findings = found(run(raw(config)), "R08")
    assert [f.message for f in findings] == [
        "vLLM would not load the model: AssertionError: assert config.activation_function in "
        "['swiglu', 'gelu'] (got 'relu')",
        "vLLM would not load the model: AssertionError: assert not config.rotary_emb_interleaved "
        "(got true)",
    ]
    assert {f.hint for f in findings} == {
        "fix that key in config.json (or --hf-overrides with the value vLLM accepts)"
    }
    assert {f.severity for f in findings} == {"error"}
    assert not found(v1(), "R08")
    assert not found(dataclasses.replace(run(raw(config)), nomic=None), "R08")


def test_r17_message() -> None:
    # §4.3.8: old vLLM, --max-model-len, no ST file → AttributeError.
    r = run(bundled(ARCTIC), "old", 1024)
    (f,) = found(r, "R17")
    assert f.severity == "error"
    assert f.message == (
        "vLLM ≤ 0.21 would crash: AttributeError: 'NoneType' object has no attribute 'pop' (with "
        "--max-model-len or --hf-overrides the NomicBert update drops the sentence-transformers "
        "max_seq_length, and this model has none)"
    )
    assert f.hint == (
        "add a sentence_bert_config.json with max_seq_length, drop --max-model-len and "
        "--hf-overrides, or use vLLM ≥ 0.22 (--vllm new)"
    )
    assert not found(dataclasses.replace(r, nomic=None), "R17")
    assert r.refusal is not None
    other = dataclasses.replace(r, refusal=dataclasses.replace(r.refusal, cause="other"))
    assert not found(other, "R17")


# -- R20–R22: the config class -------------------------------------------------------------------
def test_r20_message() -> None:
    (f,) = found(run(bundled("internlm/internlm2-chat-7b")), "R20")
    assert f.severity == "info"
    assert f.message == (
        "config class configuration_internlm2.InternLM2Config (auto_map.AutoConfig, "
        "--trust-remote-code) is not known to ntkcli: config.json is read as is, without that "
        "class's own defaults or attribute aliases, so lengths and RoPE may differ from what "
        "vLLM sees"
    )
    assert f.hint == (
        "check the repository's configuration_*.py for defaults of max_position_embeddings, "
        "rope_theta and rope_scaling, and pass them explicitly with --hf-overrides"
    )


def test_r20_conditions() -> None:
    r = run(bundled("internlm/internlm2-chat-7b"))
    assert not found(dataclasses.replace(r, config_class_known=True), "R20")
    assert not found(dataclasses.replace(r, config_origin="native"), "R20")
    no_map = {k: v for k, v in r.raw.config.items() if k != "auto_map"}
    plain = dataclasses.replace(
        r, raw=dataclasses.replace(r.raw, config=no_map), config_class="SomeConfig"
    )
    assert found(plain, "R20")[0].message.startswith("config class SomeConfig (auto_map.")


def native(**changes: Any) -> Resolution:
    config = {**NOMIC_NATIVE, "max_trained_positions": 2048, **changes}
    return run(raw({k: v for k, v in config.items() if v is not DROP}), trust_remote_code=False)


R21_HINT = (
    "pass --trust-remote-code to use the repository's own config class (as sentence-transformers "
    "does), or set the transformers name of the key (max_position_embeddings, "
    "rope_parameters.rope_theta, num_attention_heads) in --hf-overrides"
)


def test_r21_rotary_emb_base() -> None:
    # SPEC §2.4.3: θ is the class default 1000.0; 10000 is ignored, 1000 changes nothing.
    (f,) = found(native(rotary_emb_base=10000), "R21")
    assert f.severity == "warning"
    assert f.message == (
        "rotary_emb_base=10000 is ignored by the native NomicBertConfig that vLLM builds without "
        "--trust-remote-code: θ is the class default_theta 1000.0"
    )
    assert f.hint == R21_HINT
    assert not found(native(rotary_emb_base=1000), "R21")
    r = native(rotary_emb_base=1000)
    assert found(dataclasses.replace(r, rotary=None), "R21")


def test_r21_n_positions() -> None:
    # §2.4.2: the length is max_position_embeddings (class default 2048); n_positions 8192 is
    # ignored, a smaller n_positions is used (the key vLLM reads) and an equal one is no news.
    (f,) = found(native(n_positions=8192), "R21")
    assert f.message == (
        "n_positions=8192 is ignored by the native NomicBertConfig that vLLM builds without "
        "--trust-remote-code: the length comes from max_position_embeddings (class default 2048)"
    )
    assert not found(native(n_positions=1024), "R21")
    assert not found(native(n_positions=2048), "R21")
    r = native(n_positions=8192)
    assert found(dataclasses.replace(r, derived=None), "R21")


def test_r21_n_head() -> None:
    # §4.3.2: the class field num_attention_heads (default 12), not n_head.
    (f,) = found(native(n_head=16), "R21")
    assert f.message == (
        "n_head=16 is ignored by the native NomicBertConfig that vLLM builds without "
        "--trust-remote-code: num_attention_heads is the class field (default 12)"
    )
    assert not found(native(n_head=12), "R21")
    assert not found(native(n_head=16, num_attention_heads=16), "R21")
    (f,) = found(native(n_head=12, num_attention_heads=16), "R21")
    assert f.message.startswith("n_head=12 is ignored")


def test_r21_only_native_nomic() -> None:
    r = native(rotary_emb_base=10000, n_positions=8192, n_head=16)
    assert [f.message.split("=")[0] for f in found(r, "R21")] == [
        "rotary_emb_base",
        "n_positions",
        "n_head",
    ]
    assert not found(dataclasses.replace(r, config_origin="remote"), "R21")
    assert not found(dataclasses.replace(r, model_type="bert"), "R21")
    assert not found(native(), "R21")


def test_r22_message() -> None:
    r = run(bundled("internlm/internlm2-chat-7b"), trust_remote_code=False)
    (f,) = found(r, "R22")
    assert f.severity == "error"
    assert f.message == (
        "vLLM would refuse: ValueError: transformers has no native config class for model_type "
        "'internlm2', and without --trust-remote-code it does not load the repository's own "
        "class"
    )
    assert f.hint == (
        "pass --trust-remote-code (vLLM's flag of the same name) if you trust the repository's "
        "code; ntkcli itself never runs it"
    )
    assert r.refusal is not None
    other = dataclasses.replace(r, refusal=dataclasses.replace(r.refusal, cause="other"))
    assert not found(other, "R22")


# -- R13: custom scaling keys --------------------------------------------------------------------
def test_r13_without_rotary() -> None:
    findings = found(run(bundled("Qwen/Qwen-7B")), "R13")
    assert [(f.severity, f.message, f.hint) for f in findings] == [
        (
            "info",
            "use_dynamic_ntk=true (Qwen(1) remote code: dynamic NTK per sequence beyond "
            "seq_length) is not read by vLLM: vLLM ignores it",
            "nothing to change if the trained length is enough",
        ),
        (
            "info",
            "use_logn_attn=true (Qwen(1) remote code: log-n attention scaling beyond seq_length) "
            "is not read by vLLM: vLLM ignores it",
            "nothing to change if the trained length is enough",
        ),
    ]


def test_r13_with_rotary_names_the_opt_in() -> None:
    # Llama-2 shape: RotaryEmbedding θ 10000, max_model_len 4096.
    (f,) = found(run(llama(use_dynamic_ntk=True)), "R13")
    assert f.message == (
        "use_dynamic_ntk=true (Qwen(1) remote code: dynamic NTK per sequence beyond seq_length) "
        "is not read by vLLM: vLLM builds RotaryEmbedding with θ 10000 and max_model_len 4096"
    )
    assert f.hint == (
        "serve ≤ 4096 tokens as trained, or opt in to vLLM's own scaling with --hf-overrides "
        '\'{"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": '
        "10000}}' (then check R03/R05)"
    )
    (f,) = found(run(llama(use_logn_attn=True)), "R13")
    assert f.hint == "nothing to change if the trained length is enough"
    (f,) = found(run(llama(rotary_scaling_factor=2)), "R13")
    assert f.message.startswith(
        "rotary_scaling_factor=2 (dynamic NTK factor of Nomic-style remote code) is not read"
    )


def test_r13_theta_kept_when_not_integer() -> None:
    r = run(llama(use_dynamic_ntk=True, rope_theta=10000.5))
    (f,) = found(r, "R13")
    assert "with θ 10000.5 and" in f.message and '"rope_theta": 10000.5}' in f.hint


def test_r13_falsy_and_nomic() -> None:
    for off in (False, 0, None):
        assert not found(run(llama(use_dynamic_ntk=off)), "R13")
    # rotary_scaling_factor on Nomic configs is R04's
    assert not found(run(bundled(ARCTIC)), "R13")
    r = run(llama(rotary_scaling_factor=2))
    assert not found(dataclasses.replace(r, model_type="nomic_bert"), "R13")
    nomic = v1()
    assert nomic.nomic is not None
    assert not found(dataclasses.replace(r, nomic=nomic.nomic), "R13")


def test_r21_a_skipped_key_does_not_stop_the_others() -> None:
    # rotary_emb_base equal to the class θ 1000 (no difference), then n_positions 8192 ignored;
    # n_positions smaller than 2048 (vLLM reads it), then n_head 16 ignored.
    assert [
        f.message.split("=")[0]
        for f in found(native(rotary_emb_base=1000, n_positions=8192), "R21")
    ] == ["n_positions"]
    assert [f.message.split("=")[0] for f in found(native(n_positions=1024, n_head=16), "R21")] == [
        "n_head"
    ]


def test_r21_n_positions_read_by_vllm() -> None:
    # The derived length's key is n_positions (its value overridden): vLLM reads the key.
    r = native(n_positions=8192)
    assert r.derived is not None
    read = dataclasses.replace(
        r, derived=dataclasses.replace(r.derived, key="n_positions", config_value=1234)
    )
    assert not found(read, "R21")
    other = dataclasses.replace(r.derived, key="max_position_embeddings", config_value=1234)
    assert found(dataclasses.replace(r, derived=other), "R21")
