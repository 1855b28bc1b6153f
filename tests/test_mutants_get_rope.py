"""get_rope's builders, field by field (issue 14): the class, rows, base, factor, mscale and first
inverse frequencies vLLM's get_rope builds, and its exceptions, each from SPEC §4.4 and
SPEC-loading "Rotary classes" / §6' (expected values written out, computed by hand from the
formulas there).
"""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.errors import ConfigError
from ntkcli.model import Rotary
from ntkcli.vllm.get_rope import build_rotary, rotary_dim
from ntkcli.vllm.rope_params import VllmRaises
from ntkcli.vllm.versions import parse_vllm_version

V21, V22, V33 = (parse_vllm_version(v) for v in ("0.21.0", "0.22.0", "0.33.0"))
LLAMA_NOTE_TAIL = "the dynamic-NTK formulas do not apply to this class"


def rope(params: dict[str, Any] | None, head: int = 128, L: int = 4096, **kw: Any) -> Rotary:
    version = kw.pop("version", V33)
    return build_rotary(params, head, L, "bfloat16", version, **kw)


def raises(params: dict[str, Any], head: int = 128, L: int = 4096, **kw: Any) -> VllmRaises:
    with pytest.raises(VllmRaises) as caught:
        rope(params, head, L, **kw)
    assert caught.value.step == "get_rope"
    return caught.value


def config_error(params: dict[str, Any], head: int = 128, L: int = 4096, **kw: Any) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        rope(params, head, L, **kw)
    return caught.value


def common(r: Rotary, *, rope_class: str, rope_type: str, rows: int, base: float = 1e4) -> None:
    assert (r.rope_class, r.rope_type, r.cache_rows) == (rope_class, rope_type, rows)
    assert (r.head_size, r.rotary_dim, r.max_position, r.base) == (128, 128, 4096, base)
    assert (r.dtype, r.is_neox_style, r.built) == ("bfloat16", True, True)
    assert (r.trained_positions, r.inner, r.exponent, r.dynamic_formula) == (
        None,
        None,
        None,
        False,
    )


# -- default (SPEC §4.4.3, §4.4.5) --


def test_default_is_the_plain_class_with_theta_and_l_rows() -> None:
    # inv_i = θ^(−2i/d): 1.0 and 1e4^(−2/128) = 0.8659643233600653.
    r = rope({"rope_type": "default", "rope_theta": 10000.0})
    common(r, rope_class="RotaryEmbedding", rope_type="default", rows=4096)
    assert (r.factor, r.scaled_base, r.mscale, r.note, r.rows_detail) == (
        None,
        10000.0,
        None,
        None,
        None,
    )
    assert r.inv_freq_head == pytest.approx((1.0, 0.8659643233600653), rel=1e-12)


def test_missing_theta_falls_back_to_10000_and_type_to_default() -> None:
    # SPEC §4.4.3–4: θ = rope_theta else 10000; rope_type else "default"; no params at all too.
    for params in (None, {}, {"factor": 3.0}):
        r = rope(params)
        assert (r.rope_class, r.rope_type, r.base) == ("RotaryEmbedding", "default", 10000.0)


def test_null_theta_is_a_config_error() -> None:
    err = config_error({"rope_theta": None})
    assert (err.message, err.hint) == (
        "rope_parameters: 'rope_theta' is null",
        "set rope_theta to a base such as 10000",
    )


def test_mrope_section_is_the_multimodal_class() -> None:
    r = rope({"rope_type": "default", "rope_theta": 1e4, "mrope_section": [16, 24, 24]})
    common(r, rope_class="MRotaryEmbedding", rope_type="default", rows=4096)
    assert r.note == "multimodal RoPE (mrope_section): rows = L, base θ"
    assert r.inv_freq_head == pytest.approx((1.0, 0.8659643233600653), rel=1e-12)


def test_unknown_rope_type_is_a_value_error() -> None:
    # SPEC §4.4.9: any other name is ValueError("Unknown RoPE scaling type …").
    err = raises({"rope_type": "weird"})
    assert (err.error, err.message, err.cause) == (
        "ValueError",
        "Unknown RoPE scaling type weird",
        "unknown_rope_type",
    )
    assert raises({"rope_type": 3}).message == "Unknown RoPE scaling type 3"


def test_unhashable_item_is_a_type_error() -> None:
    # SPEC §4.4.2: a dict-valued item makes the cache key unhashable.
    err = raises({"rope_type": "default", "full_attention": {"rope_type": "default"}})
    assert (err.error, err.message, err.cause) == (
        "TypeError",
        "unhashable type: 'dict'",
        "unhashable_rope_parameters",
    )
    # lists become tuples, so a list value is fine
    assert rope({"rope_type": "default", "mrope_section": [1, 2]}).rope_class == "MRotaryEmbedding"


# -- rotary_dim (SPEC §4.4.4) --


@pytest.mark.parametrize(
    ("params", "head", "dim"),
    [
        ({}, 128, 128),
        ({"partial_rotary_factor": 0.5}, 128, 64),
        ({"partial_rotary_factor": 1}, 96, 96),
        ({"partial_rotary_factor": 0.25}, 80, 20),
        ({"rope_dim": 32, "partial_rotary_factor": 0.5}, 128, 32),
        ({"rope_dim": 0, "partial_rotary_factor": 0.5}, 128, 64),
        ({"rope_dim": 32.0}, 128, 32),
    ],
)
def test_rotary_dim(params: dict[str, Any], head: int, dim: int) -> None:
    assert rotary_dim(params, head) == dim


@pytest.mark.parametrize("value", [0.0, -0.5, 1.5, float("nan")])
def test_partial_factor_outside_0_1_is_a_value_error(value: float) -> None:
    err = raises({"partial_rotary_factor": value})
    assert (err.error, err.message, err.cause) == (
        "ValueError",
        f"partial_rotary_factor={value!r} must be between 0.0 and 1.0",
        "partial_rotary_factor",
    )


def test_partial_factor_one_is_accepted_and_a_string_is_a_type_error() -> None:
    assert rope({"partial_rotary_factor": 1.0}).rotary_dim == 128
    err = raises({"partial_rotary_factor": "0.5"})
    assert (err.error, err.message, err.cause) == (
        "TypeError",
        "'<=' not supported between instances of 'str' and 'float'",
        "partial_rotary_factor_type",
    )


def test_bad_rope_dim_is_a_config_error() -> None:
    err = config_error({"rope_dim": 2.5})
    assert (err.message, err.hint) == (
        "rope_parameters: 'rope_dim' must be a positive integer, got 2.5",
        "fix rope_parameters.rope_dim",
    )
    assert "got -4" in config_error({"rope_dim": -4}).message
    err = config_error({"rope_dim": "x"})
    assert (err.message, err.hint) == (
        "rope_parameters: 'rope_dim' must be a finite number, got 'x'",
        "fix rope_parameters.rope_dim or override it with --hf-overrides",
    )
    assert "got True" in config_error({"rope_dim": True}).message
    assert "got inf" in config_error({"rope_dim": float("inf")}).message


# -- ntk (SPEC-loading "Rotary classes", §6' rows 1–2) --


def test_ntk_without_mixed_b() -> None:
    # Llama-2 + ntk α 2: effective base 20000.0, inv₀ 0.98923, inv₁ 0.84741, 4096 rows.
    r = rope({"rope_type": "ntk", "factor": 2.0, "rope_theta": 10000.0})
    common(r, rope_class="NTKScalingRotaryEmbedding", rope_type="ntk", rows=4096)
    assert (r.factor, r.effective_base, r.scaled_base, r.mscale) == (2.0, 20000.0, 10000.0, None)
    assert r.inv_freq_head == pytest.approx((0.9892280131939755, 0.847408493604839), rel=1e-12)
    assert r.note == (
        "inv_i = (θ·α)^(−2i/d) / α^(2/d): effective base θ·α, every frequency also divided by "
        "α^(2/d) (not a pure change of base); rows = L"
    )


def test_ntk_with_mixed_b() -> None:
    # mixed_b 0.5: effective base θ; inv_i = θ^(−2i/d)/exp(a·(i+1)^b), a = ln 2/8.
    r = rope({"rope_type": "ntk", "factor": 2, "mixed_b": 0.5, "rope_theta": 10000.0})
    assert (r.factor, r.effective_base, r.cache_rows) == (2.0, 10000.0, 4096)
    assert r.inv_freq_head == pytest.approx((0.9170040432046712, 0.7660990295156038), rel=1e-12)
    assert r.note == (
        "inv_i = θ^(−2i/d) / exp(a·(i+1)^b), a = ln α/(d/2)^b: effective base θ; rows = L"
    )


def test_ntk_null_or_missing_factor() -> None:
    # SPEC §4.4.7: a null factor is a TypeError (θ·None), or torch's RuntimeError with mixed_b.
    err = raises({"rope_type": "ntk", "factor": None, "rope_theta": 10000.0})
    assert (err.error, err.message, err.cause) == (
        "TypeError",
        "unsupported operand type(s) for *: 'float' and 'NoneType'",
        "null_factor",
    )
    err = raises({"rope_type": "ntk", "factor": None, "mixed_b": 0.5})
    assert (err.error, err.message, err.cause) == (
        "RuntimeError",
        "Could not infer dtype of NoneType",
        "null_factor",
    )
    err = raises({"rope_type": "ntk"})
    assert (err.error, err.message, err.cause) == ("KeyError", "'factor'", "missing_rope_key")


# -- llama3 (SPEC-loading "Rotary classes") --

LLAMA31 = {
    "rope_type": "llama3",
    "factor": 8.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 8192,
    "rope_theta": 500000.0,
}


@pytest.mark.parametrize(
    ("l0", "inv"),
    [
        # w₀ = 2π < L₀/4 kept; w₁ = 2π/5e5^(−2/128) = 7.71 < 2048 kept.
        (8192, (1.0, 0.8146172338565447)),
        # L₀ 2: both wavelengths above L₀/low = 2, so both inv/8.
        (2, (0.125, 0.10182715423206809)),
        # L₀ 30: w₁ 7.71 between 7.5 and 30, so s = (30/7.71 − 1)/3 blends inv/8 and inv.
        (30, (1.0, 0.7883653617096915)),
    ],
)
def test_llama3(l0: int, inv: tuple[float, float]) -> None:
    r = rope({**LLAMA31, "original_max_position_embeddings": l0}, L=131072)
    assert (r.rope_class, r.rope_type, r.cache_rows, r.max_position) == (
        "Llama3RotaryEmbedding",
        "llama3",
        131072,
        131072,
    )
    assert (r.base, r.scaled_base, r.factor, r.mscale) == (500000.0, 500000.0, 8.0, None)
    assert r.inv_freq_head == pytest.approx(inv, rel=1e-12)
    assert r.note == (
        "rows = L, base unchanged; low frequencies divided by α, high kept, smooth between; "
        + LLAMA_NOTE_TAIL
    )


@pytest.mark.parametrize("key", ["low_freq_factor", "high_freq_factor", "factor"])
def test_llama3_missing_key_is_a_key_error(key: str) -> None:
    err = raises({k: v for k, v in LLAMA31.items() if k != key})
    assert (err.error, err.message) == ("KeyError", repr(key))


def test_llama3_missing_l0_and_null_factor() -> None:
    err = raises({k: v for k, v in LLAMA31.items() if k != "original_max_position_embeddings"})
    assert (err.error, err.message) == ("KeyError", "'original_max_position_embeddings'")
    err = raises({**LLAMA31, "factor": None})
    assert (err.error, err.message, err.cause) == (
        "TypeError",
        "unsupported operand type(s) for /: 'Tensor' and 'NoneType'",
        "null_factor",
    )


@pytest.mark.parametrize(
    "change", [{"low_freq_factor": None}, {"high_freq_factor": None}, {"low_freq_factor": 0}]
)
def test_llama3_without_usable_frequency_factors_shows_no_frequencies(
    change: dict[str, Any],
) -> None:
    r = rope({**LLAMA31, **change}, L=131072)
    assert (r.rope_class, r.cache_rows, r.inv_freq_head) == ("Llama3RotaryEmbedding", 131072, ())


def test_llama3_zero_high_factor_and_zero_factor_show_no_frequencies() -> None:
    assert rope({**LLAMA31, "high_freq_factor": 0}).inv_freq_head == ()
    assert rope({**LLAMA31, "factor": 0}).inv_freq_head == ()


def test_null_l0_is_a_config_error() -> None:
    err = config_error({**LLAMA31, "original_max_position_embeddings": None})
    assert (err.message, err.hint) == (
        "rope_parameters: 'original_max_position_embeddings' is null",
        "set rope_parameters.original_max_position_embeddings to the trained length",
    )


# -- yarn / deepseek (SPEC-loading "Rotary classes", §6') --

YARN = {
    "rope_type": "yarn",
    "factor": 4.0,
    "original_max_position_embeddings": 4096,
    "rope_theta": 10000.0,
}


@pytest.mark.parametrize("version", [V21, V22, V33])
def test_yarn_llama2(version: Any) -> None:
    # §6': Llama-2 + yarn 4, L₀ 4096: YaRN 16384×128, mscale 0.1·ln 4 + 1 = 1.138629436111989.
    r = rope(YARN, version=version)
    common(r, rope_class="YaRNScalingRotaryEmbedding", rope_type="yarn", rows=16384)
    assert (r.factor, r.scaled_base) == (4.0, 10000.0)
    assert r.mscale == pytest.approx(1.138629436111989, rel=1e-12)
    assert r.rows_detail == "L₀·α = 4096·4.0"
    # i = 0, 1 are below the correction range (low 20): extrapolated, θ^(−2i/d).
    assert r.inv_freq_head == pytest.approx((1.0, 0.8659643233600653), rel=1e-12)
    how = (
        "mscale (0.33: attention_factor, else get_mscale ratio, else 0.1·ln α + 1)"
        if version is V33
        else "mscale (0.22: (0.1·ln α + 1)·attn_factor)"
    )
    assert r.note == (
        "built for original_max_position_embeddings·factor, not for L; base unchanged, "
        f"frequencies blended over the YaRN correction range; cos/sin × {how}"
    )


# d 8, θ 1e4, L₀ 64, α 4: correction range low = 0 (dim for 32 rotations < 0), high = ceil(1.008)
# = 2, so i = 1 has ramp 0.5: inv₁ = 0.025·0.5 + 0.1·0.5 = 0.0625.
SMALL = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 64}


@pytest.mark.parametrize(
    ("change", "version", "inv"),
    [
        ({}, V33, (1.0, 0.0625)),
        ({}, V22, (1.0, 0.0625)),
        # no truncate: high 1.0080001056257721, ramp₁ ≈ 0.992
        ({"truncate": False}, V33, (1.0, 0.02559524589192421)),
        ({"truncate": False}, V22, (1.0, 0.02559524589192421)),
        # beta_slow 2: high = ceil(0.707) = 1, i = 1 fully interpolated (0.1/4)
        ({"beta_slow": 2}, V33, (1.0, 0.025)),
        # beta_fast 0.5: low = floor(1.309) = 1, i = 1 fully extrapolated
        ({"beta_fast": 0.5}, V33, (1.0, 0.1)),
        # 0.22 multiplies the mask by extrapolation_factor; 0.33 does not pass it
        ({"extrapolation_factor": 0.5}, V22, (0.625, 0.043750000000000004)),
        ({"extrapolation_factor": 0.5}, V33, (1.0, 0.0625)),
    ],
)
def test_yarn_frequencies(change: dict[str, Any], version: Any, inv: tuple[float, float]) -> None:
    r = rope({**SMALL, **change}, head=8, L=256, version=version)
    assert (r.cache_rows, r.rotary_dim) == (256, 8)
    assert r.inv_freq_head == pytest.approx(inv, rel=1e-12)


@pytest.mark.parametrize(
    ("change", "version", "mscale"),
    [
        # 0.33: attention_factor wins; else get_mscale(α, m)/get_mscale(α, m_all) when both are
        # truthy: (0.2·ln 4 + 1)/(0.1·ln 4 + 1) = 1.121751143713058; else 0.1·ln α + 1.
        ({"attention_factor": 0.7}, V33, 0.7),
        ({"mscale": 2, "mscale_all_dim": 1}, V33, 1.121751143713058),
        ({"mscale": 2}, V33, 1.138629436111989),
        ({"attn_factor": 2.0}, V33, 1.138629436111989),
        # 0.21/0.22: (0.1·ln α + 1)·attn_factor, or attn_factor without apply_yarn_scaling.
        ({"attn_factor": 2.0}, V22, 2.277258872223978),
        ({"attn_factor": 2.0, "apply_yarn_scaling": False}, V22, 2.0),
        ({"apply_yarn_scaling": False}, V21, 1.0),
        ({"attention_factor": 0.7, "mscale": 2, "mscale_all_dim": 1}, V22, 1.138629436111989),
    ],
)
def test_yarn_mscale(change: dict[str, Any], version: Any, mscale: float) -> None:
    assert rope({**YARN, **change}, version=version).mscale == pytest.approx(mscale, rel=1e-12)


def test_yarn_null_or_missing_values() -> None:
    err = raises({**YARN, "factor": None})
    assert (err.error, err.message, err.cause) == (
        "TypeError",
        "'<=' not supported between instances of 'NoneType' and 'int'",
        "null_factor",
    )
    err = raises({k: v for k, v in YARN.items() if k != "original_max_position_embeddings"})
    assert (err.error, err.message) == ("KeyError", "'original_max_position_embeddings'")


def test_yarn_infinite_rows_is_a_config_error() -> None:
    err = config_error({**YARN, "factor": 1e308})
    assert err.message == "rope_parameters: 'factor' 1e+308 makes the cache length L₀·α infinite"
    assert err.hint == "set rope_parameters.factor to a realistic scaling factor such as 4.0"


@pytest.mark.parametrize("change", [{"rope_theta": 1.0}, {"factor": 0.0}])
def test_yarn_degenerate_shows_no_frequencies(change: dict[str, Any]) -> None:
    assert rope({**YARN, **change}).inv_freq_head == ()


DEEPSEEK = {
    "rope_type": "deepseek_yarn",
    "factor": 40.0,
    "original_max_position_embeddings": 4096,
    "mscale": 1.0,
    "mscale_all_dim": 1.0,
    "rope_theta": 10000.0,
}


@pytest.mark.parametrize(
    ("change", "version", "mscale"),
    [
        # §6' DeepSeek-V3: mscale = mscale_all_dim = 1 → 1.0; 163840 rows.
        ({}, V33, 1.0),
        # get_mscale(40, 1)/get_mscale(40, 0) = 0.1·ln 40 + 1 = 1.3688879454113936
        ({"mscale_all_dim": 0.0}, V33, 1.3688879454113936),
        ({"mscale_all_dim": None}, V33, 1.3688879454113936),
        # missing mscale is 1, missing mscale_all_dim is 0
        ({"mscale": None, "mscale_all_dim": None}, V33, 1.3688879454113936),
        # 0.21/0.22 also multiply by attn_factor; 0.33 ignores it
        ({"mscale_all_dim": 0.0, "attn_factor": 3.0}, V22, 4.106663836234181),
        ({"attn_factor": 3.0}, V22, 3.0),
        ({"attn_factor": 3.0}, V33, 1.0),
    ],
)
def test_deepseek_mscale(change: dict[str, Any], version: Any, mscale: float) -> None:
    r = rope({**DEEPSEEK, **change}, head=64, L=163840, version=version)
    assert (r.rope_class, r.rope_type, r.cache_rows) == (
        "DeepseekScalingRotaryEmbedding",
        "deepseek_yarn",
        163840,
    )
    assert r.mscale == pytest.approx(mscale, rel=1e-12)
    assert r.note == (
        "built for original_max_position_embeddings·factor, not for L; base unchanged, "
        "frequencies blended over the YaRN correction range; cos/sin × "
        "mscale = get_mscale(α, mscale)/get_mscale(α, mscale_all_dim)"
    )


def test_deepseek_extrapolation_factor_and_llama_scaling_name() -> None:
    small = {**SMALL, "rope_type": "deepseek_llama_scaling", "extrapolation_factor": 0.5}
    r = rope(small, head=8, L=256)
    assert r.rope_class == "DeepseekScalingRotaryEmbedding"
    assert r.inv_freq_head == pytest.approx((0.625, 0.043750000000000004), rel=1e-12)
    assert rope({**small, "extrapolation_factor": None}, head=8).inv_freq_head == pytest.approx(
        (1.0, 0.0625), rel=1e-12
    )


# -- longrope (SPEC-loading "Rotary classes", §6') --

PHI3 = {
    "rope_type": "longrope",
    "short_factor": [1.0] * 48,
    "long_factor": [2.0] * 48,
    "original_max_position_embeddings": 4096,
    "rope_theta": 10000.0,
}


def test_longrope_phi3_128k() -> None:
    # §6' Phi-3-128k: rows L₀ + L = 135168, mscale √(1 + ln 32/ln 4096) = 1.1902380714238083.
    r = rope(PHI3, head=96, L=131072)
    assert (r.rope_class, r.rope_type, r.cache_rows, r.rotary_dim) == (
        "Phi3LongRoPEScaledRotaryEmbedding",
        "longrope",
        135168,
        96,
    )
    assert r.mscale == pytest.approx(1.1902380714238083, rel=1e-12)
    assert r.rows_detail == "L₀ (short) + L (long) = 4096 + 131072"
    assert r.note == (
        "long_short_cos_sin_cache: short_factor rows for L₀, long_factor rows for L; positions "
        "are offset by L₀ when max_model_len > L₀; " + LLAMA_NOTE_TAIL
    )
    assert rope({**PHI3, "long_mscale": 1.5}, head=96, L=131072).mscale == 1.5
    assert rope({**PHI3, "short_factor": [1.0]}, head=96, L=131072).cache_rows == 135168


def test_longrope_refusals() -> None:
    err = raises(PHI3, head=96, is_neox_style=False)
    assert (err.error, err.message, err.cause) == (
        "ValueError",
        "`Phi3LongRoPEScaledRotaryEmbedding` only supports neox_style.",
        "longrope_not_neox",
    )
    err = raises({**PHI3, "long_factor": [2.0] * 47}, head=96)
    assert (err.error, err.cause) == ("RuntimeError", "longrope_factor_length")
    assert err.message == (
        "The size of tensor a (47) must match the size of tensor b (48) at non-singleton "
        "dimension 0"
    )
    err = raises({k: v for k, v in PHI3.items() if k != "short_factor"}, head=96)
    assert (err.error, err.message) == ("KeyError", "'short_factor'")
    err = raises({k: v for k, v in PHI3.items() if k != "long_factor"}, head=96)
    assert (err.error, err.message) == ("KeyError", "'long_factor'")


@pytest.mark.parametrize("name", ["short_factor", "long_factor"])
@pytest.mark.parametrize("bad", [2.0, [1.0, "x"], [True, True]])
def test_longrope_factor_not_numbers_is_a_config_error(name: str, bad: Any) -> None:
    err = config_error({**PHI3, name: bad}, head=96)
    assert err.message == f"rope_parameters: '{name}' must be a list of numbers, got {bad!r}"
    assert err.hint == f"fix rope_parameters.{name}"


def test_long_messages_are_cut_at_200_characters() -> None:
    # ntkcli's own messages quote the value, cut to 200 characters.
    err = config_error({**PHI3, "long_factor": [True] * 48}, head=96)
    assert (
        err.message
        == ("rope_parameters: 'long_factor' must be a list of numbers, got " + repr([True] * 48))[
            :200
        ]
    )
    assert len(err.message) == 200
    err = raises({"rope_type": "x" * 400})
    assert err.message == "Unknown RoPE scaling type " + "x" * 274
    err = config_error({"rope_dim": "y" * 300})
    assert len(err.message) == 200
    err = config_error({"rope_dim": 10.0**12})
    assert (
        err.message == "rope_parameters: 'rope_dim' must be a positive integer, got 1000000000000.0"
    )


# -- dynamic (SPEC §4.4.6–8, §4.5, SPEC-loading "Rotary classes") --

DYN = {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 10000.0}
EXPONENT = 128 / 126  # d/(d−2), d 128


def test_dynamic_old_line() -> None:
    # §4.5 old: inner α² − α + 1 = 3, θ' = 1e4·3^(128/126) = 30527.7367488067, ceil(L·α) rows.
    r = rope(DYN, version=V21)
    assert (r.rope_class, r.cache_rows, r.factor, r.trained_positions) == (
        "DynamicNTKScalingRotaryEmbedding",
        8192,
        2.0,
        None,
    )
    assert (r.inner, r.exponent, r.dynamic_formula, r.base) == (3.0, EXPONENT, True, 10000.0)
    assert r.scaled_base == pytest.approx(30527.7367488067, rel=1e-12)
    assert r.inv_freq_head == pytest.approx((1.0, 0.8509942913412162), rel=1e-12)
    assert (r.note, r.mscale, r.effective_base) == (None, None, None)


def test_dynamic_new_line() -> None:
    # §4.5 new: T = L when max_trained_positions is absent (§4.4.8): inner α·L/T − (α−1) = 1.
    r = rope(DYN, version=V33)
    assert (r.cache_rows, r.trained_positions, r.inner, r.scaled_base) == (4096, 4096, 1.0, 1e4)
    assert (r.exponent, r.dynamic_formula) == (EXPONENT, True)
    assert r.inv_freq_head == pytest.approx((1.0, 0.8659643233600653), rel=1e-12)
    # T 2048 from rope_parameters: inner 2·4096/2048 − 1 = 3.
    r = rope({**DYN, "max_trained_positions": 2048}, version=V22)
    assert (r.cache_rows, r.trained_positions, r.inner) == (4096, 2048, 3.0)
    assert r.scaled_base == pytest.approx(30527.7367488067, rel=1e-12)


def test_dynamic_complex_base_shows_no_frequencies() -> None:
    # α·L/T − (α−1) < 0 (L 1, T 4096): a negative inner to a fractional power is complex.
    r = rope({**DYN, "max_trained_positions": 4096}, L=1, version=V33)
    assert isinstance(r.scaled_base, complex)
    assert (r.inv_freq_head, r.cache_rows) == ((), 1)


def test_dynamic_zero_length_divides_by_zero() -> None:
    # New line with L 0 and no T: T = L = 0, α·L/T divides by zero in vLLM's Python.
    err = raises(DYN, L=0, version=V33)
    assert (err.error, err.message, err.cause) == (
        "ZeroDivisionError",
        "float division by zero",
        "zero_division",
    )


def test_dynamic_old_negative_and_zero_factor() -> None:
    err = raises({**DYN, "factor": -2.0}, version=V21)
    assert (err.error, err.cause) == ("RuntimeError", "negative_arange")
    assert err.message == (
        "upper bound and larger bound inconsistent with step sign (torch.arange of a negative "
        "length)"
    )
    # factor 0: inner 0 − (−1) = 1, ceil(0) = 0 rows, no refusal.
    r = rope({**DYN, "factor": 0.0}, version=V21)
    assert (r.cache_rows, r.inner) == (0, 1.0)


def test_dynamic_infinite_inner_is_a_config_error() -> None:
    err = config_error({**DYN, "factor": 1e200}, version=V21)
    assert err.message == "rope_parameters: 'factor' 1e+200 makes the dynamic-NTK inner term inf"
    assert err.hint == "set rope_parameters.factor to a realistic scaling factor such as 2.0"


def test_dynamic_refusals() -> None:
    # §4.4.6: neither alpha nor factor → ValueError; §4.4.7: null factor operand order.
    err = raises({"rope_type": "dynamic"})
    assert (err.error, err.message, err.cause) == (
        "ValueError",
        "Dynamic rope scaling must contain either 'alpha' or 'factor' field",
        "dynamic_without_factor",
    )
    for version, operands in ((V21, "'int' and 'NoneType'"), (V33, "'NoneType' and 'int'")):
        err = raises({**DYN, "factor": None}, version=version)
        assert (err.error, err.message, err.cause) == (
            "TypeError",
            f"unsupported operand type(s) for *: {operands}",
            "null_factor",
        )
    # d 2: d − 2 = 0 in the exponent
    err = raises(DYN, head=2)
    assert (err.error, err.message, err.cause) == (
        "ZeroDivisionError",
        "division by zero (rotary_dim - 2 == 0)",
        "zero_division",
    )
    assert rope(DYN, head=4).exponent == 2.0


def test_dynamic_alpha() -> None:
    # §4.4.6, §6': alpha 4 → DynamicNTKAlpha θ' = 1e4·4^(128/126) = 40889.94243248622, L rows,
    # chosen even next to a factor (which stays the factor).
    r = rope({"rope_type": "dynamic", "alpha": 4, "factor": 2.0, "rope_theta": 10000.0})
    assert (r.rope_class, r.cache_rows, r.factor, r.exponent) == (
        "DynamicNTKAlphaRotaryEmbedding",
        4096,
        2.0,
        EXPONENT,
    )
    assert r.scaled_base == pytest.approx(40889.94243248622, rel=1e-12)
    assert r.inv_freq_head == pytest.approx((1.0, 0.8471171851512068), rel=1e-12)
    assert (r.dynamic_formula, r.inner, r.trained_positions) == (False, None, None)
    assert r.note == (
        "θ' = θ·alpha^(d/(d−2)) with alpha 4.0; rows = L (the factor of the dynamic-NTK formula "
        "is not used)"
    )
    # Nomic v1 shape: θ 1000, d 64: 1000·4^(64/62) = 4182.936592889949
    nomic = rope({"rope_type": "dynamic", "alpha": 4, "rope_theta": 1000.0}, head=64, L=2048)
    assert nomic.scaled_base == pytest.approx(4182.936592889949, rel=1e-12)
    assert (nomic.factor, nomic.cache_rows) == (None, 2048)


def test_dynamic_alpha_refusals_and_complex() -> None:
    err = raises({"rope_type": "dynamic", "alpha": None, "factor": 2.0})
    assert (err.error, err.message, err.cause) == (
        "TypeError",
        "unsupported operand type(s) for ** or pow(): 'NoneType' and 'float'",
        "null_factor",
    )
    err = raises({"rope_type": "dynamic", "alpha": 4}, head=2)
    assert (err.error, err.message, err.cause) == (
        "ZeroDivisionError",
        "division by zero",
        "zero_division",
    )
    assert rope({"rope_type": "dynamic", "alpha": 4}, head=3).exponent == 3.0
    r = rope({"rope_type": "dynamic", "alpha": -1})
    assert isinstance(r.scaled_base, complex)
    assert r.inv_freq_head == ()


# -- linear (SPEC §4.4.9, SPEC-loading "Rotary classes") --


def test_linear_float_factor() -> None:
    # §6': Llama-2 + linear 4: 16384 rows, base unchanged.
    r = rope({"rope_type": "linear", "factor": 4.0, "rope_theta": 10000.0})
    common(r, rope_class="LinearScalingRotaryEmbedding", rope_type="linear", rows=16384)
    assert (r.factor, r.scaled_base, r.rows_detail) == (4.0, 10000.0, None)
    assert r.inv_freq_head == pytest.approx((1.0, 0.8659643233600653), rel=1e-12)
    assert r.note == (
        "positions are divided by the factor; rows = L·α per factor, base unchanged; "
        + LLAMA_NOTE_TAIL
    )


def test_linear_list_of_factors() -> None:
    # Σ L·s_k rows, one block per factor with its offset.
    r = rope({"rope_type": "linear", "factor": [1.0, 2.0]})
    assert (r.cache_rows, r.factor) == (12288, None)
    assert r.rows_detail == "4096 (×1.0, offset 0) + 8192 (×2.0, offset 4096)"
    one = rope({"rope_type": "linear", "factor": [2.0]})
    assert (one.cache_rows, one.factor, one.rows_detail) == (8192, 2.0, None)


def test_linear_refusals() -> None:
    # An int factor is not iterable; a null factor neither (§4.4.7).
    err = raises({"rope_type": "linear", "factor": 4})
    assert (err.error, err.message, err.cause) == (
        "TypeError",
        "'int' object is not iterable",
        "int_linear_factor",
    )
    err = raises({"rope_type": "linear", "factor": None})
    assert (err.error, err.message, err.cause) == (
        "TypeError",
        "'NoneType' object is not iterable",
        "null_factor",
    )
    err = config_error({"rope_type": "linear", "factor": [2.0, None]})
    assert (err.message, err.hint) == ("rope_parameters: 'factor' list holds a null", "use numbers")
    err = config_error({"rope_type": "linear", "factor": 1e308})
    assert err.message == "rope_parameters: 'factor' 1e+308 makes the cache length infinite"
    assert err.hint == "set rope_parameters.factor to a realistic scaling factor such as 4.0"


# -- lengths read from rope_parameters --


def test_length_bounds() -> None:
    # a length is an integer from 1 to 2**31 − 1 (vLLM keeps positions in int32)
    assert rotary_dim({"rope_dim": 1}, 128) == 1
    assert rotary_dim({"rope_dim": 2**31 - 1}, 128) == 2**31 - 1
    err = config_error({"rope_dim": 2**31})
    assert err.message == "rope_parameters: 'rope_dim' must be a positive integer, got 2147483648"
    err = config_error({**YARN, "original_max_position_embeddings": 0})
    assert err.message == (
        "rope_parameters: 'original_max_position_embeddings' must be a positive integer, got 0"
    )
    assert rope({**YARN, "original_max_position_embeddings": 1}).cache_rows == 4


def test_yarn_default_beta_fast_is_32() -> None:
    # d 8, θ 1e4, L₀ 2048: the correction dim for 32 rotations is 1.008 (floor 1), for 33 it
    # would be 0.995 (floor 0); with low 1, i = 1 is still extrapolated: θ^(−2/8) = 0.1.
    r = rope({**SMALL, "original_max_position_embeddings": 2048}, head=8, L=256)
    assert r.inv_freq_head == pytest.approx((1.0, 0.1), rel=1e-12)


def test_deepseek_mscale_other_than_one() -> None:
    # get_mscale(40, 2)/get_mscale(40, 1) = (0.2·ln 40 + 1)/(0.1·ln 40 + 1)
    r = rope({**DEEPSEEK, "mscale": 2.0}, head=64, L=163840)
    assert r.mscale == pytest.approx(1.269480015985188, rel=1e-12)


@pytest.mark.parametrize(
    ("change", "head", "shown"),
    [
        ({"rope_theta": 2.0}, 128, 2),
        ({"factor": 1.0}, 128, 2),
        ({"rope_dim": 1}, 128, 1),
        ({"partial_rotary_factor": 0.5}, 1, 0),
    ],
)
def test_yarn_frequency_guards(change: dict[str, Any], head: int, shown: int) -> None:
    # frequencies are shown for θ > 1, α > 0 and d > 0 (d 1 has one frequency, d 0 none)
    assert len(rope({**YARN, **change}, head=head).inv_freq_head) == shown


def test_linear_infinite_message_is_cut_at_200() -> None:
    err = config_error({"rope_type": "linear", "factor": [1e308] * 30})
    assert (
        err.message
        == ("rope_parameters: 'factor' " + repr([1e308] * 30) + " makes the cache length infinite")[
            :200
        ]
    )
    assert len(err.message) == 200
