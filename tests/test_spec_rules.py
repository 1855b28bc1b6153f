"""Spec rules with expected values written out from /work/shared/SPEC.md (section cited per test).

Part 1 kills mutants of the pure core (ntkcli/rope/ntk.py, ntkcli/references/nomic_code.py,
ntkcli/checks/common.py): run `mutmut run` (configured in pyproject.toml). Part 2 drives the CLI
with configs written to tmp_path and kills the hand-found survivors listed in issue 14.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import cli_json

from ntkcli import numbers
from ntkcli.checks import common
from ntkcli.references.nomic_code import nomic_rope
from ntkcli.rope import ntk

# ---------------------------------------------------------------- Part 1: the pure core


def test_ntk_exponent_is_d_over_d_minus_2() -> None:
    # SPEC §1 / §4.5: e = d / (d − 2); d = 64 → 64/62.
    assert ntk.ntk_exponent(64) == 1.032258064516129
    assert ntk.ntk_exponent(4) == 2.0
    with pytest.raises(ZeroDivisionError):
        ntk.ntk_exponent(2)


def test_inner_terms() -> None:
    # SPEC §4.5 / §6: old X = L·α, Y = L → α² − α + 1 (3 for α = 2, 0.75 for α = 0.5).
    assert ntk.inner_old(2.0, 2048) == 3.0
    assert ntk.inner_old(2.0, 777) == 3.0
    assert ntk.inner_old(0.5, 2048) == 0.75
    # New: α·L/T − (α − 1).
    assert ntk.inner_new(2.0, 8192, 2048) == 7.0
    assert ntk.inner_new(2.0, 4096, 2048) == 3.0
    assert ntk.inner_new(2.0, 1024, 2048) == 0.0
    assert ntk.inner_new(2.0, 512, 2048) == -0.5
    assert ntk.inner_new(4.0, 8192, 2048) == 13.0
    # Reference runtimes (§5): α·N/T − (α − 1).
    assert ntk.inner_reference(2.0, 4096, 2048) == 3.0
    assert ntk.inner_reference(3.0, 4096, 1024) == 10.0


def test_scaled_base_worked_numbers() -> None:
    # SPEC §6 (θ = 1000, d = 64).
    assert ntk.scaled_base(1000.0, 7.0, 64) == 7453.483031811892
    assert ntk.scaled_base(1000.0, 3.0, 64) == 3108.2236667168813
    assert ntk.scaled_base(1000.0, 1.0, 64) == 1000.0
    assert ntk.scaled_base(1000.0, 0.0, 64) == 0.0
    assert ntk.scaled_base(1000.0, 13.0, 64) == 14121.375739786728
    assert ntk.scaled_base(1000.0, -0.5, 64) == complex(-486.4356532483613, -49.46567115590085)
    # Llama-style old (θ 10000, head 128, α 2): inner 3 → 30527.7367488067.
    assert ntk.scaled_base(10000.0, 3.0, 128) == 30527.7367488067
    # Overflow: inf rather than an exception.
    assert ntk.scaled_base(1e308, 1e308, 64) == math.inf


def test_rows_old_is_ceil_of_l_times_alpha() -> None:
    # SPEC §6: "old, any L, α = 2 → ceil(2L) × 64"; α = 0.5, L = 2048 → 1024.
    assert ntk.rows_old(2048, 2.0) == 4096
    assert ntk.rows_old(2048, 0.5) == 1024
    assert ntk.rows_old(1001, 1.5) == 1502  # 1501.5 rounds up
    assert ntk.rows_old(3, 1.1) == 4  # 3.3000000000000003 rounds up


def test_inv_freq64() -> None:
    # inv_freq_i = 1 / θ^(2i/d), i = 0 … d/2 − 1.
    assert ntk.inv_freq64(10000.0, 4) == (1.0, 0.01)
    assert ntk.inv_freq64(16.0, 8) == (1.0, 0.5, 0.25, 0.125)


def test_zero_crossing() -> None:
    # SPEC §4.5: T·(α − 1)/α; §6: L = 1024 gives θ' = 0 for α = 2, T = 2048.
    assert ntk.zero_crossing(2.0, 2048) == 1024.0
    assert ntk.zero_crossing(4.0, 2048) == 1536.0


@pytest.mark.parametrize(
    ("base", "status"),
    [
        (None, "unavailable"),
        (1j, "complex"),
        (complex(-486.4, -49.4), "complex"),
        (math.nan, "nan"),
        (math.inf, "inf"),
        (-math.inf, "inf"),
        (0.0, "zero"),
        (-0.0, "zero"),
        (-1.0, "negative"),
        (-1e-300, "negative"),
        (1e-300, "ok"),
        (1000.0, "ok"),
    ],
)
def test_base_status(base: object, status: str) -> None:
    assert ntk.base_status(base) == status  # type: ignore[arg-type]


def test_nomic_rope_applied_over_t() -> None:
    # SPEC §5 / §6: Nomic's code, α = 2, T = 2048, N = 4096 → θ' 3108.2236667168813, N rows.
    r = nomic_rope(1000.0, 64, 2048, 2.0, 4096)
    assert (r.seq_len, r.base, r.rotary_dim, r.trained_positions) == (4096, 1000.0, 64, 2048)
    assert r.scaling_factor == 2.0
    assert r.dynamic is True
    assert r.applied is True
    assert r.inner == 3.0
    assert r.scaled_base == 3108.2236667168813
    assert r.cache_rows == 4096


def test_nomic_rope_not_applied_at_or_below_t() -> None:
    # SPEC §5: applied only when N is strictly longer than T.
    for n in (2048, 100):
        r = nomic_rope(1000.0, 64, 2048, 2.0, n)
        assert r.dynamic is True
        assert r.applied is False
        assert r.inner is None
        assert r.scaled_base == 1000.0
        assert r.cache_rows == n
    assert nomic_rope(1000.0, 64, 2048, 2.0, 2049).applied is True


def test_nomic_rope_truthiness_of_factor() -> None:
    # SPEC §5: dynamic iff rotary_scaling_factor is truthy (1.0 counts; null, 0 do not).
    for factor in (None, 0.0):
        r = nomic_rope(1000.0, 64, 2048, factor, 8192)
        assert r.dynamic is False
        assert r.applied is False
        assert r.scaled_base == 1000.0
    # §6: α = 1, L = 8192 → 4182.936592889949 (inner 4).
    r = nomic_rope(1000.0, 64, 2048, 1.0, 8192)
    assert r.dynamic is True
    assert r.applied is True
    assert r.inner == 4.0
    assert r.scaled_base == 4182.936592889949


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, None),
        (False, None),
        ("1", None),
        (None, None),
        ([1], None),
        (math.inf, None),
        (-math.inf, None),
        (math.nan, None),
        (3, 3.0),
        (2.5, 2.5),
        (-7, -7.0),
    ],
)
def test_number(value: object, expected: float | None) -> None:
    got = common.number(value)
    assert got == expected
    if expected is not None:
        assert type(got) is float


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2"),
        (-2.0, "-2"),
        (2.5, "2.5"),
        (3, "3"),
        (None, "—"),
        (3108.2236667168813, "3108.2236667168813"),
        (float(2**53), "9007199254740992.0"),
        (float(2**53 - 1), "9007199254740991"),
        (-float(2**53), "-9007199254740992.0"),
        (math.inf, "inf"),
        (complex(-1.5, 2.0), "(-1.5+2j)"),
    ],
)
def test_compact(value: object, text: str) -> None:
    assert numbers.compact(value) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (10000.0, "10000.0"),
        (1e-05, "1e-05"),
        (131072, "131072"),
        (complex(-1.5, 2.0), "(-1.5+2j) (complex)"),
        (math.nan, "nan"),
        ("per input", "per input"),
    ],
)
def test_exact(value: object, text: str) -> None:
    assert numbers.exact(value) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (0, "0"),
        (131072, "131,072"),
        (-1024, "-1,024"),
    ],
)
def test_grouped(value: int | None, text: str) -> None:
    assert numbers.grouped(value) == text


@pytest.mark.parametrize(
    ("value", "exact_count", "text"),
    [
        (None, True, "—"),
        (0, True, "0 B"),
        (1023, True, "1,023 B"),
        (1024, True, "1.0 KiB (1,024 B)"),
        (1536, True, "1.5 KiB (1,536 B)"),
        (1536, False, "1.5 KiB"),
        (1024**2 - 1, True, "1024.0 KiB (1,048,575 B)"),
        (1024**2, False, "1.0 MiB"),
        (3 * 1024**3, False, "3.0 GiB"),
        (1024**4, False, "1.0 TiB"),
        (1024**5, True, "1024.0 TiB (1,125,899,906,842,624 B)"),
    ],
)
def test_byte_size(value: int | None, exact_count: bool, text: str) -> None:
    assert numbers.byte_size(value, exact_count) == text


def test_byte_size_shows_the_exact_count_by_default() -> None:
    assert numbers.byte_size(1536) == "1.5 KiB (1,536 B)"


def test_overrides_json() -> None:
    assert (
        common.overrides_json({"rope_theta": 1000, "max_position_embeddings": 4096})
        == """--hf-overrides '{"rope_theta": 1000, "max_position_embeddings": 4096}'"""
    )


def _resolution(**fields: object) -> Any:
    # The readers touch only these attributes; a stand-in keeps the test independent of how a
    # Resolution is built (the vLLM pipeline is being rewritten).
    return SimpleNamespace(**fields)


def test_params_reads_the_described_layer() -> None:
    # SPEC §3.3: a nested dict is described by its full_attention layer.
    flat = {"rope_type": "dynamic", "factor": 2.0}
    assert common.params(_resolution(rope_parameters=flat)) == flat
    nested = {
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
        "full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1e6},
    }
    assert common.params(_resolution(rope_parameters=nested)) == nested["full_attention"]


def test_theta_reads_normalised_rope_theta() -> None:
    # SPEC §3.2: θ is rope_theta after normalisation; non-numbers are not a θ.
    assert common.theta(_resolution(normalised_rope={"rope_theta": 1000})) == 1000.0
    assert common.theta(_resolution(normalised_rope={"rope_theta": "1000"})) is None
    assert common.theta(_resolution(normalised_rope={})) is None
    nested = {"full_attention": {"rope_theta": 1e6}, "sliding_attention": {"rope_theta": 1e4}}
    assert common.theta(_resolution(normalised_rope=nested)) == 1e6


def test_is_new() -> None:
    def req(line: str) -> Any:
        return _resolution(request=_resolution(vllm=_resolution(line=line)))

    assert common.is_new(req("new")) is True
    assert common.is_new(req("old")) is False


def test_params_mixed_dict_is_flat() -> None:
    # SPEC §3.3.6: a dict is nested only if its entries are per-layer dicts; a flat dict with one
    # dict-valued item stays flat (get_rope then fails on it, §4.4.2).
    mixed = {"rope_type": "linear", "factor": 2.0, "full_attention": {"rope_type": "default"}}
    assert common.params(_resolution(rope_parameters=mixed)) == mixed


# ---------------------------------------------------------------- Part 2: through the CLI


# A Llama-shaped config: head_size 4096 / 32 = 128.
LLAMA = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
}


def _model(tmp_path: Path, config: dict[str, Any], st: dict[str, Any] | None = None) -> str:
    (tmp_path / "config.json").write_text(json.dumps(config))
    if st is not None:
        (tmp_path / "sentence_bert_config.json").write_text(json.dumps(st))
    return str(tmp_path)


def _inspect(path: str, *args: str) -> Any:
    return cli_json("inspect", path, *args)


def test_old_cache_rows_are_ceil_of_l_alpha(tmp_path: Path) -> None:
    # SPEC §4.5 / §6 "old: ceil(L·α) rows": L = 1001, α = 1.5 → ceil(1501.5) = 1502.
    cfg = LLAMA | {
        "max_position_embeddings": 1001,
        "rope_scaling": {"rope_type": "dynamic", "factor": 1.5},
    }
    data = _inspect(_model(tmp_path, cfg), "--vllm", "old", "--max-model-len", "1000")
    assert data["cache_shape"] == [1502, 128]


def test_llama_class_default_length_is_2048(tmp_path: Path) -> None:
    # SPEC §4.1.1: a Llama JSON without max_position_embeddings derives 2048 (class default);
    # §4.1.4: a dynamic factor 2 multiplies it → 4096.
    cfg = {k: v for k, v in LLAMA.items() if k != "max_position_embeddings"}
    assert _inspect(_model(tmp_path, cfg), "--vllm", "new")["max_model_len"] == 2048
    cfg["rope_scaling"] = {"rope_type": "dynamic", "factor": 2.0}
    assert _inspect(_model(tmp_path, cfg), "--vllm", "new")["max_model_len"] == 4096


@pytest.mark.parametrize("vllm", ["old", "new"])
def test_llama3_factor_does_not_multiply_the_length(tmp_path: Path, vllm: str) -> None:
    # SPEC §4.1.4: llama3 is excluded from the factor in every version → 8192 stays 8192.
    cfg = LLAMA | {
        "max_position_embeddings": 8192,
        "rope_scaling": {
            "rope_type": "llama3",
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192,
        },
    }
    data = _inspect(_model(tmp_path, cfg), "--vllm", vllm)
    assert data["max_model_len"] == 8192
    assert data["rope_class"] == "Llama3RotaryEmbedding"


@pytest.mark.parametrize(
    ("vllm", "length"),
    [
        ("0.21.0", 16384),
        ("0.29.0", 16384),
        ("0.30.0", 4096),
        ("0.33.0", 4096),
        ("new", 4096),
    ],
)
def test_yarn_length_switch_at_0_30(tmp_path: Path, vllm: str, length: int) -> None:
    # SPEC §4.1.5: Llama-2 (4096) + yarn 4 without L₀ derives 16384 up to 0.29.x, 4096 from 0.30.0.
    cfg = LLAMA | {"rope_scaling": {"rope_type": "yarn", "factor": 4.0}}
    assert _inspect(_model(tmp_path, cfg), "--vllm", vllm)["max_model_len"] == length


@pytest.mark.parametrize(
    ("vllm", "st", "length"),
    [
        ("old", {"max_seq_length": 1024}, 4096),
        ("old", {"max_seq_length": 1024, "do_lower_case": False}, 1024),
        ("0.31.0", {"max_seq_length": 1024}, 4096),
        ("0.32.0", {"max_seq_length": 1024}, 1024),
        ("new", {"max_seq_length": 1024}, 1024),
    ],
)
def test_sentence_transformers_do_lower_case_switch(
    tmp_path: Path, vllm: str, st: dict[str, Any], length: int
) -> None:
    # SPEC §4.1.6: up to 0.31.x the ST file needs both max_seq_length and do_lower_case;
    # from 0.32.0 max_seq_length alone replaces the derived length.
    data = _inspect(_model(tmp_path, LLAMA, st), "--vllm", vllm)
    assert data["max_model_len"] == length


def test_linear_cache_rows_are_l_alpha(tmp_path: Path) -> None:
    # SPEC §4.4.9: linear → LinearScalingRotaryEmbedding with L·α rows; §4.1.4: length × α.
    cfg = LLAMA | {"rope_scaling": {"rope_type": "linear", "factor": 2.0}}
    data = _inspect(_model(tmp_path, cfg), "--vllm", "new")
    assert data["rope_class"] == "LinearScalingRotaryEmbedding"
    assert data["max_model_len"] == 8192
    assert data["cache_shape"] == [8192, 128]


def test_legacy_su_is_longrope(tmp_path: Path) -> None:
    # SPEC §3.3.4: su → longrope; §4.4.9: Phi3LongRoPEScaledRotaryEmbedding.
    cfg = LLAMA | {
        "rope_scaling": {
            "type": "su",
            "short_factor": [1.0] * 64,
            "long_factor": [2.0] * 64,
            "original_max_position_embeddings": 4096,
        }
    }
    data = _inspect(_model(tmp_path, cfg), "--vllm", "new")
    assert data["rope_type"] == "longrope"
    assert data["rope_class"] == "Phi3LongRoPEScaledRotaryEmbedding"


def test_rope_theta_beats_rotary_emb_base(tmp_path: Path) -> None:
    # SPEC §3.2.1: θ from rope_theta, else rotary_emb_base.
    cfg = LLAMA | {"rope_theta": 10000.0, "rotary_emb_base": 500.0}
    assert _inspect(_model(tmp_path, cfg), "--vllm", "new")["base"] == 10000.0


def test_rope_scaling_beats_rope_parameters(tmp_path: Path) -> None:
    # SPEC §3.3.1: a non-empty JSON rope_scaling is taken over any rope_parameters.
    cfg = LLAMA | {
        "rope_scaling": {"rope_type": "linear", "factor": 2.0},
        "rope_parameters": {"rope_type": "default"},
    }
    data = _inspect(_model(tmp_path, cfg), "--vllm", "new")
    assert data["rope_type"] == "linear"
    assert data["max_model_len"] == 8192


def test_partial_factor_zero_is_refused(tmp_path: Path) -> None:
    # SPEC §4.4.4: a partial factor outside (0, 1] raises ValueError at model build.
    cfg = LLAMA | {"partial_rotary_factor": 0.0}
    data = _inspect(_model(tmp_path, cfg), "--vllm", "new")
    assert data["refusal"] is not None
    assert data["cache_built"] is False


def test_gemma3_skips_the_factor(tmp_path: Path) -> None:
    # SPEC §4.1.4: no factor step when model_type contains "gemma3" → 131072 stays 131072.
    cfg = {
        "model_type": "gemma3_text",
        "architectures": ["Gemma3ForCausalLM"],
        "hidden_size": 2560,
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "head_dim": 256,
        "max_position_embeddings": 131072,
        "rope_theta": 1000000.0,
        "rope_scaling": {"rope_type": "linear", "factor": 8.0},
    }
    assert _inspect(_model(tmp_path, cfg), "--vllm", "new")["max_model_len"] == 131072


def test_longrope_default_length_is_original_max_position_embeddings(tmp_path: Path) -> None:
    # SPEC §4.2.1: with a longrope layer the default max_model_len is the config attribute
    # original_max_position_embeddings (4096), not the derived 131072.
    cfg = {
        "model_type": "phi3",
        "architectures": ["Phi3ForCausalLM"],
        "hidden_size": 3072,
        "num_attention_heads": 32,
        "num_key_value_heads": 32,
        "max_position_embeddings": 131072,
        "original_max_position_embeddings": 4096,
        "rope_theta": 10000.0,
        "rope_scaling": {
            "type": "longrope",
            "short_factor": [1.0] * 48,
            "long_factor": [2.0] * 48,
        },
    }
    data = _inspect(_model(tmp_path, cfg), "--vllm", "new")
    assert data["max_model_len"] == 4096
    assert data["rope_class"] == "Phi3LongRoPEScaledRotaryEmbedding"


def test_rope_parameters_max_trained_positions_is_t(tmp_path: Path) -> None:
    # SPEC §4.4.8 (new only): T = the rope parameters' max_trained_positions, else L.
    # L = 4096 (unscaled max_position_embeddings), T = 2048, α = 2: inner 2·4096/2048 − 1 = 3,
    # θ' = 10000 · 3^(128/126).
    cfg = LLAMA | {
        "rope_scaling": {"rope_type": "dynamic", "factor": 2.0, "max_trained_positions": 2048}
    }
    data = _inspect(_model(tmp_path, cfg), "--vllm", "0.22.0")
    assert data["inner_term"] == 3.0
    assert data["scaled_base"] == 30527.7367488067
    # Without it T = L: inner 1, θ' = θ (§4.4.8).
    cfg["rope_scaling"] = {"rope_type": "dynamic", "factor": 2.0}
    data = _inspect(_model(tmp_path, cfg), "--vllm", "0.22.0")
    assert data["inner_term"] == 1.0
    assert data["scaled_base"] == 10000.0


@pytest.mark.parametrize(
    ("user_t", "t", "inner", "scaled"),
    [(1024, 1024, 3.0, 3108.2236667168813), (None, 2048, 1.0, 1000.0)],
)
def test_nomic_users_max_trained_positions_wins(
    user_t: int | None, t: int, inner: float, scaled: float
) -> None:
    # SPEC §4.3.4 (new vLLM): {"max_trained_positions": T} updated with the user's rope
    # parameters, so a max_trained_positions key there wins over the config's T (2048).
    # L = 2048, α = 2: T = 1024 → inner 2·2048/1024 − 1 = 3, θ' = 3108.2236667168813 (§6);
    # T = 2048 → inner 1, θ' = θ = 1000.
    rope: dict[str, Any] = {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}
    if user_t is not None:
        rope["max_trained_positions"] = user_t
    data = _inspect(
        "nomic-ai/nomic-embed-text-v1",
        "--bundled",
        "--vllm",
        "0.22.0",
        "--max-model-len",
        "2048",
        "--hf-overrides",
        json.dumps({"rope_parameters": rope}),
    )
    assert data["max_trained_positions"] == t
    assert data["inner_term"] == inner
    assert data["scaled_base"] == scaled
