"""The RoPE formulas of ntkcli/rope/, value by value (issue 14: mutants that survived because the
other tests check only the first frequencies).

Expected values were worked out by hand from the formulas of SPEC-loading §4.4' "Rotary classes:
exact base and cache formulas" (small d so that every branch is reached) and are written out as
literals. Float64 throughout, so rel=1e-12.
"""

from __future__ import annotations

import math

import pytest

from ntkcli.rope import linear, llama3, longrope, ntk_scaling, yarn


def approx(values: list[float]) -> object:
    return pytest.approx(values, rel=1e-12)


# -- Llama3RotaryEmbedding ------------------------------------------------------------------------


def test_llama3_keeps_blends_and_divides() -> None:
    # SPEC-loading §4.4' Llama3: θ 1e4, d 16, α 8, low 1, high 4, L₀ 64 → L₀/high 16, L₀/low 64.
    # w_0 = 2π (kept), w_1 ≈ 19.9 and w_2 ≈ 62.8 (blended, s = (L₀/w − 1)/3), w_3… > 64 (÷ α).
    assert llama3.inv_freq(10000.0, 16, 8.0, 1.0, 4.0, 64) == approx(
        [
            1.0,
            0.24438459943539834,
            0.013042256043820465,
            0.003952847075210474,
            0.00125,
            0.0003952847075210474,
            0.000125,
            3.952847075210474e-05,
        ]
    )


def test_llama3_equal_factors_blend_with_s_zero() -> None:
    # SPEC-loading §4.4' Llama3: "s = 0 when the two factors are equal". L₀ = 2π, factors 1 → the
    # band is the single wavelength 2π, which is exactly w_0: (1 − 0)·1/8 + 0·1 = 0.125.
    assert llama3.inv_freq(10000.0, 4, 8.0, 1.0, 1.0, 2 * math.pi) == approx([0.125, 0.00125])  # type: ignore[arg-type]


def test_llama3_count_limits_the_frequencies() -> None:
    # Same as the first case, only the first two frequencies.
    assert llama3.inv_freq(10000.0, 16, 8.0, 1.0, 4.0, 64, 2) == approx([1.0, 0.24438459943539834])


# -- YaRN / DeepSeek ------------------------------------------------------------------------------


def test_yarn_correction_dim() -> None:
    # SPEC-loading §4.4' YaRN: d·ln(L₀/(2π·r)) / (2·ln θ), d 16, θ 1e4, L₀ 64, r 32 and 1.
    assert yarn.correction_dim(32, 16, 10000.0, 64) == pytest.approx(-0.9942997453882676, rel=1e-12)
    assert yarn.correction_dim(1, 16, 10000.0, 64) == pytest.approx(2.0160002112515443, rel=1e-12)


def test_yarn_correction_range_truncates_and_clamps() -> None:
    # SPEC-loading §4.4' YaRN: low floored, high ceiled, clamped to [0, d − 1].
    assert yarn.correction_range(32, 1, 16, 10000.0, 64, True) == (0, 3)
    low, high = yarn.correction_range(32, 1, 16, 10000.0, 64, False)
    assert (low, high) == (0, pytest.approx(2.0160002112515443, rel=1e-12))
    assert yarn.correction_range(32, 1, 16, 10000.0, 10**9, True) == (13, 15)
    assert yarn.correction_range(4, 2, 16, 10000.0, 64, True) == (0, 2)


def test_yarn_inv_freq_ramps_from_extrapolation_to_interpolation() -> None:
    # SPEC-loading §4.4' YaRN: θ 1e4, α 4, d 16, L₀ 64 → range (0, 3): ramp 0, 1/3, 2/3, 1, 1 …
    assert yarn.inv_freq(10000.0, 4.0, 16, 64) == approx(
        [
            1.0,
            0.23717082451262847,
            0.05,
            0.007905694150420948,
            0.0025,
            0.0007905694150420948,
            0.00025,
            7.905694150420948e-05,
        ]
    )


def test_yarn_inv_freq_extrapolation_factor_and_no_truncation() -> None:
    # SPEC-loading §4.4' YaRN (0.21/0.22): mask × extrapolation_factor 0.5; range (0, 2.016).
    got = yarn.inv_freq(10000.0, 4.0, 16, 64, extrapolation_factor=0.5, truncate=False)
    assert got == approx(
        [
            0.625,
            0.13882023082895134,
            0.025297622945962106,
            0.007905694150420948,
            0.0025,
            0.0007905694150420948,
            0.00025,
            7.905694150420948e-05,
        ]
    )


def test_yarn_inv_freq_equal_bounds_get_the_small_offset() -> None:
    # SPEC-loading §4.4' YaRN: L₀ 4 → range (0, 0), high += 0.001: ramp 0 for i = 0, 1 after.
    assert yarn.inv_freq(10000.0, 4.0, 16, 4) == approx(
        [
            1.0,
            0.07905694150420949,
            0.025,
            0.007905694150420948,
            0.0025,
            0.0007905694150420948,
            0.00025,
            7.905694150420948e-05,
        ]
    )
    # The betas are passed on: beta_fast 4, beta_slow 2 → range (0, 2) at L₀ 64, ramp 0, 1/2, 1.
    assert yarn.inv_freq(10000.0, 4.0, 16, 64, beta_fast=4, beta_slow=2, count=3) == approx(
        [1.0, 0.19764235376052372, 0.025]
    )


def test_yarn_rows_are_l0_alpha() -> None:
    # SPEC §4.4.9 / SPEC-loading §4.4' YaRN: rows = L₀·α (ceil of an arange of a float).
    assert yarn.rows(64, 4.0) == 256
    assert yarn.rows(3, 1.5) == 5
    assert yarn.rows(4096, math.inf) is None


def test_yarn_get_mscale() -> None:
    # SPEC-loading §4.4' DeepSeek: get_mscale(s, m) = 0.1·m·ln s + 1, or 1 when s ≤ 1.
    assert yarn.get_mscale(4.0) == pytest.approx(1.138629436111989, rel=1e-12)
    assert yarn.get_mscale(4.0, 2.0) == pytest.approx(1.2772588722239782, rel=1e-12)
    assert yarn.get_mscale(1.0, 2.0) == 1.0
    assert yarn.get_mscale(0.5) == 1.0


def test_yarn_mscale_033() -> None:
    # SPEC-loading §4.4' YaRN, 0.33: attention_factor if given; else get_mscale(α, m) /
    # get_mscale(α, m_all) if both truthy; else 0.1·ln α + 1.
    assert yarn.yarn_mscale_033(4.0, 2.0, 1.0, 0.7) == 0.7
    assert yarn.yarn_mscale_033(4.0, 2.0, 1.0, None) == pytest.approx(1.121751143713058, rel=1e-12)
    assert yarn.yarn_mscale_033(4.0, 2.0, None, None) == pytest.approx(1.138629436111989)
    assert yarn.yarn_mscale_033(4.0, None, 2.0, None) == pytest.approx(1.138629436111989)
    assert yarn.yarn_mscale_033(4.0, None, None, None) == pytest.approx(1.138629436111989)


def test_yarn_mscale_022() -> None:
    # SPEC-loading §4.4' YaRN, 0.21/0.22: (0.1·ln α + 1)·attn_factor, else attn_factor.
    assert yarn.yarn_mscale_022(4.0, 0.5, True) == pytest.approx(0.5693147180559945, rel=1e-12)
    assert yarn.yarn_mscale_022(4.0, 0.5, False) == 0.5


def test_deepseek_mscale() -> None:
    # SPEC-loading §6' DeepSeek-V3 (α 40, mscale = mscale_all_dim = 1): 1.0; and
    # get_mscale(4, 2)/get_mscale(4, 1)·attn_factor 0.5.
    assert yarn.deepseek_mscale(40.0, 1.0, 1.0) == 1.0
    assert yarn.deepseek_mscale(4.0, 2.0, 1.0, 0.5) == pytest.approx(0.560875571856529, rel=1e-12)


# -- NTKScalingRotaryEmbedding --------------------------------------------------------------------


def test_ntk_without_mixed_b() -> None:
    # SPEC-loading §4.4' NTK: inv_i = (θ·α)^(−2i/d) / α^(2/d); θ 1e4, α 2, d 8.
    assert ntk_scaling.effective_base(10000.0, 2.0, None) == 20000.0
    assert ntk_scaling.inv_freq(10000.0, 2.0, 8, None) == approx(
        [0.8408964152537146, 0.07071067811865475, 0.005946035575013606, 0.0005]
    )


def test_ntk_with_mixed_b() -> None:
    # SPEC-loading §4.4' NTK: inv_i = θ^(−2i/d) / exp(a·(i+1)^b), a = ln α / (d/2)^b; b 0.5.
    assert ntk_scaling.effective_base(10000.0, 2.0, 0.5) == 10000.0
    assert ntk_scaling.inv_freq(10000.0, 2.0, 8, 0.5) == approx(
        [0.7071067811865476, 0.06125473265360659, 0.005486563076561942, 0.0005]
    )


def test_ntk_non_positive_factor_gives_nan() -> None:
    # α ≤ 0 has no real α^(2/d) nor ln α: NaN frequencies (ntkcli's convention, never a raise).
    assert all(math.isnan(v) for v in ntk_scaling.inv_freq(10000.0, 0.0, 8, None))
    assert all(math.isnan(v) for v in ntk_scaling.inv_freq(10000.0, -1.0, 8, 0.5))


# -- Phi3LongRoPE, linear -------------------------------------------------------------------------


def test_longrope_rows_and_mscale() -> None:
    # SPEC-loading §4.4' Phi3LongRoPE: rows = L₀ + L (Phi-3-128k 4096 + 131072 = 135168);
    # mscale √(1 + ln(L/L₀)/ln L₀) when L > L₀ (§6': 1.1902380714238083), else 1; given wins.
    assert longrope.rows(4096, 131072) == 135168
    assert longrope.mscale(4096, 131072) == pytest.approx(1.1902380714238083, rel=1e-12)
    assert longrope.mscale(4096, 8192) == pytest.approx(1.0408329997330663, rel=1e-12)
    assert longrope.mscale(4096, 4096) == 1.0
    assert longrope.mscale(4096, 2048) == 1.0
    assert longrope.mscale(4096, 131072, 1.5) == 1.5


def test_linear_rows_and_offsets() -> None:
    # SPEC-loading §4.4' Linear: rows = L·s per factor, concatenated with an offset per factor.
    assert linear.rows_per_factor(4096, [2.0, 1.5]) == (8192, 6144)
    assert linear.rows_per_factor(3, [1.5]) == (5,)
    assert linear.offsets([8192, 6144, 4096]) == (0, 8192, 14336)


def test_ntk_zero_rotary_dim_has_no_frequencies() -> None:
    # d = 0 (hidden 1 / 2 heads, found by test_pipeline_never_crashes): no frequency to compute,
    # where α^(2/d) used to raise ZeroDivisionError inside ntkcli.
    assert ntk_scaling.inv_freq(10000.0, 1.0, 0, None) == ()
    assert ntk_scaling.inv_freq(10000.0, 2.0, 0, 0.5) == ()


def test_yarn_get_mscale_between_1_and_2() -> None:
    # get_mscale(1.5) = 0.1·ln 1.5 + 1 (the "s ≤ 1" cut is at 1, not above).
    assert yarn.get_mscale(1.5) == pytest.approx(1.0405465108108165, rel=1e-12)


def test_yarn_mscale_all_dim_is_passed_on() -> None:
    # get_mscale(4, 2) / get_mscale(4, 0.5), and × attn_factor 0.5 for DeepSeek.
    assert yarn.yarn_mscale_033(4.0, 2.0, 0.5, None) == pytest.approx(1.1944648761087142, rel=1e-12)
    assert yarn.deepseek_mscale(4.0, 2.0, 0.5, 0.5) == pytest.approx(0.5972324380543571, rel=1e-12)


def test_yarn_default_beta_fast_is_32() -> None:
    # L₀ 646: low = floor(correction_dim(32)) = 1 (beta_fast 33 would give 0), high 5.
    assert yarn.correction_range(32, 1, 16, 10000.0, 646, True) == (1, 5)
    assert yarn.inv_freq(10000.0, 4.0, 16, 646) == approx(
        [
            1.0,
            0.31622776601683794,
            0.08125000000000002,
            0.019764235376052368,
            0.004375,
            0.0007905694150420948,
            0.00025,
            7.905694150420948e-05,
        ]
    )


def test_yarn_ramp_with_a_positive_low() -> None:
    # L₀ 1e9 → range (13, 15): every i < 13, ramp 0, mask 1: pure extrapolation θ^(−2i/d).
    plain = [1.0, 0.31622776601683794, 0.1, 0.03162277660168379, 0.01]
    assert yarn.inv_freq(10000.0, 4.0, 16, 10**9, count=5) == approx(plain)
    # low == high == 15 (L₀ = 2π·32·θ^(31/16)): high + 0.001, every i below: extrapolation.
    l0 = 11306543206.578876
    assert yarn.correction_range(32, 1, 16, 10000.0, l0, True) == (15, 15)  # type: ignore[arg-type]
    assert yarn.inv_freq(10000.0, 4.0, 16, l0, count=5) == approx(plain)  # type: ignore[arg-type]


def test_llama3_low_freq_factor_divides_l0() -> None:
    # SPEC-loading §4.4' Llama3 with low_freq_factor 2: band L₀/4 = 16 … L₀/2 = 32.
    assert llama3.inv_freq(10000.0, 16, 8.0, 2.0, 4.0, 64) == approx(
        [
            1.0,
            0.2084630161446785,
            0.0125,
            0.003952847075210474,
            0.00125,
            0.0003952847075210474,
            0.000125,
            3.952847075210474e-05,
        ]
    )


def test_llama3_infinite_base_has_zero_frequencies() -> None:
    # θ = inf: inv_0 = 1 (kept), inv_1 = 1/inf = 0 → infinite wavelength → divided: 0.
    assert llama3.inv_freq(math.inf, 4, 8.0, 1.0, 4.0, 64) == (1.0, 0.0)


def test_ntk_factor_one_and_below() -> None:
    # α = 1: θ^(−2i/d) unchanged; α 0.5 with mixed_b 0.5: a = ln 0.5 / 2 (frequencies grow).
    assert ntk_scaling.inv_freq(10000.0, 1.0, 8, None) == approx([1.0, 0.1, 0.01, 0.001])
    assert ntk_scaling.inv_freq(10000.0, 0.5, 8, 0.5) == approx(
        [1.414213562373095, 0.1632526919438153, 0.018226346549662424, 0.002]
    )
    assert all(math.isnan(v) for v in ntk_scaling.inv_freq(10000.0, 0.0, 8, 0.5))
    assert ntk_scaling.inv_freq(10000.0, 2.0, 8, None, 2) == approx(
        [0.8408964152537146, 0.07071067811865475]
    )


def test_ntk_mixed_b_overflowing_exponent() -> None:
    # α 1e308, b 1, d 8: exponent_3 = ln(1e308) = 709.196… > 709 → exp overflows → 0.
    got = ntk_scaling.inv_freq(10000.0, 1e308, 8, 1.0)
    assert got == approx(
        [9.999999999999965e-78, 9.999999999999934e-156, 1.0000000000000467e-233, 0.0]
    )
    assert got[3] == 0.0


def test_zero_rows() -> None:
    # SPEC §4.1.2: max_model_len 0 is served; arange(0) has 0 rows.
    from ntkcli.rope import floats

    assert floats.ceil_rows(0.0) == 0
    assert floats.ceil_rows(-3.5) == 0


def test_real_power_drops_the_imaginary_part() -> None:
    # (−8)^(1/3) in Python is complex 1 + 1.732j; the real part is 1 (up to rounding).
    from ntkcli.rope import floats

    value = floats.real_power(-8.0, 1 / 3)
    assert isinstance(value, float)
    assert value == pytest.approx(1.0, rel=1e-12)
