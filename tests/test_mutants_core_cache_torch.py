"""The torch parts of ntkcli/rope/cache.py on tiny caches, for mutation testing (issue 14).

SPEC §4.5: inv_freq_i = 1 / θ'^(2i/d) in float32, the cache is cos|sin of
outer(arange(rows), inv_freq), d columns, stored in the model dtype. Bases are chosen so that
inv_freq is exact (16^(1/2) = 4, 16^(1/4) = 2, 10000^(1/2) = 100); the expected cos/sin are
the textbook values cos 1 = 0.5403023058681398 etc., written out. θ' = 0.0 gives
inv_freq = [1, inf, …] and a NaN cache (SPEC §4.5, §6).
"""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from ntkcli.rope import cache
from ntkcli.rope.cache import CacheSpec, _Accumulator, _DeltaAccumulator, measure

NAN = math.nan
INF = math.inf
COS = {0.0: 1.0, 1.0: 0.5403023058681398, 0.25: 0.9689124217106447, 2.0: -0.4161468365471424}
COS |= {0.5: 0.8775825618903728, 0.01: 0.9999500004166653, 0.02: 0.9998000066665778}
SIN = {0.0: 0.0, 1.0: 0.8414709848078965, 0.25: 0.24740395925452294, 2.0: 0.9092974268256817}
SIN |= {0.5: 0.479425538604203, 0.01: 0.009999833334166664, 0.02: 0.01999866669333308}

A = CacheSpec(16.0, 4, 3)  # inv_freq [1, 1/4]
B = CacheSpec(10000.0, 4, 5)  # inv_freq [1, 1/100]
ZERO = CacheSpec(0.0, 4, 2)  # θ' = 0.0: inv_freq [1, inf]


def rows_of(tensor: torch.Tensor) -> list[list[float]]:
    return [[float(v) for v in row] for row in tensor]


def approx(actual: list[list[float]], expected: list[list[float]], tol: float = 1e-6) -> bool:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            if math.isnan(w):
                assert math.isnan(g)
            else:
                assert g == pytest.approx(w, abs=tol)
    return True


# ---- inv_freq, torch_dtype -------------------------------------------------------------------


def test_inv_freq_values() -> None:
    # SPEC §4.5: 1 / θ^(2i/d), i = 0 … d/2 − 1.
    four = cache.inv_freq(16.0, 4)
    assert four.dtype == torch.float32
    assert four.tolist() == [1.0, 0.25]
    assert cache.inv_freq(16.0, 8).tolist() == [1.0, 0.5, 0.25, 0.125]
    assert cache.inv_freq(10000.0, 4).tolist() == pytest.approx([1.0, 0.01], rel=1e-7)
    # θ' = 0.0: 0.0 ** 0 = 1, 0.0 ** 0.5 = 0, so [1, inf] (SPEC §6, L = 1024).
    assert cache.inv_freq(0.0, 4).tolist() == [1.0, INF]


def test_inv_freq_is_float32_whatever_the_default_dtype() -> None:
    # SPEC §4.5: computed in float32 (vLLM's arange(..., dtype=torch.float)).
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        assert cache.inv_freq(16.0, 4).dtype == torch.float32
    finally:
        torch.set_default_dtype(previous)


def test_inv_freq_complex_base() -> None:
    # A complex θ' keeps the chain complex (SPEC §4.5): (−16)^(1/2) = 4i, 1/(4i) = −i/4.
    inv = cache.inv_freq(complex(-16.0, 0.0), 4)
    assert inv.dtype == torch.complex64
    assert complex(inv[0]) == 1
    assert abs(complex(inv[1]) - complex(0.0, -0.25)) < 1e-6


def test_torch_dtype() -> None:
    assert cache.torch_dtype("float32") is torch.float32
    assert cache.torch_dtype("float16") is torch.float16
    assert cache.torch_dtype("bfloat16") is torch.bfloat16


# ---- cos_sin_cache, cos_sin_halves -----------------------------------------------------------

A_ROWS = [  # t = 0, 1, 2 times inv_freq [1, 1/4]: cos|sin
    [COS[0.0], COS[0.0], SIN[0.0], SIN[0.0]],
    [COS[1.0], COS[0.25], SIN[1.0], SIN[0.25]],
    [COS[2.0], COS[0.5], SIN[2.0], SIN[0.5]],
]


def test_cos_sin_cache_values_and_shape() -> None:
    whole = cache.cos_sin_cache(A)
    assert tuple(whole.shape) == (3, 4)
    assert whole.dtype == torch.float32
    assert approx(rows_of(whole), A_ROWS)


def test_cos_sin_cache_dtypes() -> None:
    half = cache.cos_sin_cache(CacheSpec(16.0, 4, 3, "float16"))
    assert half.dtype == torch.float16
    assert approx(rows_of(half), A_ROWS, tol=1e-3)
    assert cache.cos_sin_cache(CacheSpec(16.0, 4, 3, "bfloat16")).dtype == torch.bfloat16


def test_cos_sin_cache_nan_for_zero_base() -> None:
    # 0·inf = NaN in row 0, cos(inf) = sin(inf) = NaN after it (SPEC §4.5, θ' = 0.0).
    assert approx(
        rows_of(cache.cos_sin_cache(ZERO)), [[1.0, NAN, 0.0, NAN], [COS[1.0], NAN, SIN[1.0], NAN]]
    )


def test_cos_sin_halves_rows_and_clamp() -> None:
    cos, sin = cache.cos_sin_halves(A, 1, 10)  # stop past the end: rows 1 and 2 only
    assert tuple(cos.shape) == (2, 2) and tuple(sin.shape) == (2, 2)
    assert approx(rows_of(cos), [[COS[1.0], COS[0.25]], [COS[2.0], COS[0.5]]])
    assert approx(rows_of(sin), [[SIN[1.0], SIN[0.25]], [SIN[2.0], SIN[0.5]]])
    cos, sin = cache.cos_sin_halves(A, 0, 1)
    assert approx(rows_of(cos), [[1.0, 1.0]]) and approx(rows_of(sin), [[0.0, 0.0]])


def test_cos_sin_halves_given_inv_freq_and_dtype() -> None:
    given = torch.tensor([2.0, 0.5])  # used instead of A's [1, 1/4]
    cos, sin = cache.cos_sin_halves(CacheSpec(16.0, 4, 3, "float16"), 1, 2, given)
    assert cos.dtype == torch.float16 and sin.dtype == torch.float16
    assert approx(rows_of(cos), [[COS[2.0], COS[0.5]]], tol=1e-3)
    assert approx(rows_of(sin), [[SIN[2.0], SIN[0.5]]], tol=1e-3)


# ---- _Accumulator ----------------------------------------------------------------------------


def test_accumulator_finite() -> None:
    acc = _Accumulator(A)
    acc.add(torch.tensor([[-3.0, 1.0]]))
    acc.add(torch.tensor([[2.0, 0.5]]))  # smaller: the maximum stays 3
    stats = acc.stats(["w"])
    assert stats.shape == (3, 4) and stats.dtype == "float32"
    assert stats.all_finite is True
    assert stats.abs_max == 3.0 and stats.finite_abs_max == 3.0
    assert (stats.nan_count, stats.inf_count) == (0, 0)
    assert stats.imaginary_dropped is False
    assert stats.torch_warnings == ("w",)


def test_accumulator_growing_maximum() -> None:
    acc = _Accumulator(A)
    for value in (0.5, 2.0, 1.0):
        acc.add(torch.tensor([[value]]))
    assert acc.stats([]).finite_abs_max == 2.0


def test_accumulator_nan_and_inf() -> None:
    acc = _Accumulator(A)
    acc.add(torch.tensor([[0.5, NAN]]))
    acc.add(torch.tensor([[INF, -0.25], [NAN, 0.0]]))
    stats = acc.stats([])
    assert (stats.nan_count, stats.inf_count) == (2, 1)
    assert stats.finite_abs_max == 0.5  # not 1 (the filler), not NaN
    assert math.isnan(stats.abs_max)
    assert stats.all_finite is False


def test_accumulator_inf_only() -> None:
    acc = _Accumulator(A)
    acc.add(torch.tensor([[1.0, INF]]))  # low finite, high not: the slow path
    acc.add(torch.tensor([[-INF, 0.25]]))
    stats = acc.stats([])
    assert (stats.nan_count, stats.inf_count) == (0, 2)
    assert stats.finite_abs_max == 1.0
    assert stats.abs_max == INF
    assert stats.all_finite is False


def test_accumulator_no_finite_entry() -> None:
    acc = _Accumulator(A)
    acc.add(torch.tensor([[NAN, NAN]]))
    assert acc.stats([]).finite_abs_max is None
    acc.add(torch.tensor([[0.25]]))
    assert acc.stats([]).finite_abs_max == 0.25


def test_accumulator_empty() -> None:
    acc = _Accumulator(CacheSpec(complex(-1.0, 0.0), 0, 3))
    acc.add(torch.empty(3, 0))
    stats = acc.stats([])
    assert stats.abs_max == 0.0 and stats.finite_abs_max is None
    assert stats.all_finite is True and stats.imaginary_dropped is True
    assert stats.torch_warnings == ()


# ---- _DeltaAccumulator -----------------------------------------------------------------------


def t(rows: list[list[float]]) -> torch.Tensor:
    return torch.tensor(rows)


ZEROS3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]


def test_delta_cos_only() -> None:
    acc = _DeltaAccumulator(0.001)
    acc.add(0, (t(ZEROS3), t(ZEROS3)), (t([[0.0, 0.0], [0.0, 0.0], [-0.25, 0.125]]), t(ZEROS3)))
    result = acc.result()
    assert result.rows_compared == 3  # rows, not the half width 2
    assert result.max_abs_dcos == 0.25 and result.max_abs_dsin == 0.0
    assert result.first_position == 2
    assert result.tolerance == 0.001


def test_delta_sin_only_and_max_of_both_signs() -> None:
    acc = _DeltaAccumulator(0.001)
    acc.add(0, (t(ZEROS3), t(ZEROS3)), (t(ZEROS3), t([[3.0, 0.0], [0.0, -1.0], [0.0, 0.0]])))
    result = acc.result()
    assert result.max_abs_dcos == 0.0 and result.max_abs_dsin == 3.0
    assert result.first_position == 0


def test_delta_sin_finds_an_earlier_row_than_cos() -> None:
    acc = _DeltaAccumulator(0.001)
    acc.add(
        4,
        (t(ZEROS3), t(ZEROS3)),
        (t([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]]), t([[0.0, 0.0], [0.5, 0.0], [0.0, 0.0]])),
    )
    assert acc.result().first_position == 5


def test_delta_cos_finds_an_earlier_row_than_sin() -> None:
    acc = _DeltaAccumulator(0.001)
    cos = t([[0.0, 0.0], [0.5, 0.0], [0.0, 0.0]])
    sin = t([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    acc.add(4, (t(ZEROS3), t(ZEROS3)), (cos, sin))
    assert acc.result().first_position == 5


def test_delta_chunks() -> None:
    acc = _DeltaAccumulator(0.001)
    acc.add(0, (t(ZEROS3), t(ZEROS3)), (t(ZEROS3), t(ZEROS3)))
    acc.add(3, (t(ZEROS3), t(ZEROS3)), (t([[0.0, 0.0], [0.5, 0.0], [0.0, 0.0]]), t(ZEROS3)))
    acc.add(6, (t(ZEROS3), t(ZEROS3)), (t([[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]]), t(ZEROS3)))
    acc.add(9, (t([[0.0, 0.0]]), t([[0.0, 0.0]])), (t([[0.25, 0.0]]), t([[0.0, 0.0]])))
    result = acc.result()
    assert result.first_position == 4  # the first chunk over the tolerance, not later ones
    assert result.rows_compared == 10
    assert result.max_abs_dcos == 2.0


def test_delta_nan_and_inf() -> None:
    acc = _DeltaAccumulator(0.001)
    both_nan = t([[NAN, INF], [1.0, 0.0]])
    acc.add(0, (both_nan, both_nan), (t([[NAN, INF], [1.0, 0.0]]), t([[NAN, INF], [1.0, 0.0]])))
    result = acc.result()
    assert (result.max_abs_dcos, result.max_abs_dsin, result.first_position) == (0.0, 0.0, None)
    acc.add(
        2,
        (t([[0.0, 0.0], [0.0, 0.0]]), t([[0.0, 0.0]] * 2)),
        (t([[0.0, 0.0], [0.0, NAN]]), t([[0.0, 0.0]] * 2)),
    )
    result = acc.result()
    assert math.isnan(result.max_abs_dcos) and result.max_abs_dsin == 0.0
    assert result.first_position == 3


def test_delta_tolerance_is_inclusive() -> None:
    acc = _DeltaAccumulator(0.5)
    acc.add(0, (t(ZEROS3), t(ZEROS3)), (t([[0.5, 0.0], [0.0, -0.5], [0.0, 0.0]]), t(ZEROS3)))
    assert acc.result().first_position is None  # |Δ| = tolerance is not over it
    acc = _DeltaAccumulator(0.5)
    acc.add(0, (t(ZEROS3), t(ZEROS3)), (t([[0.5, 0.0], [0.0, 0.0], [1.0, 0.0]]), t(ZEROS3)))
    assert acc.result().first_position == 2


# ---- measure ---------------------------------------------------------------------------------


def test_measure_arguments() -> None:
    with pytest.raises(ValueError, match=r"^compare needs exactly two caches$"):
        measure([A], compare=True)
    with pytest.raises(ValueError, match=r"^compare needs exactly two caches$"):
        measure([A, A, A], compare=True)
    assert measure([]) == ([], None)


def test_measure_one_cache() -> None:
    stats, delta = measure([A])
    assert delta is None
    (only,) = stats
    assert only.shape == (3, 4) and only.dtype == "float32"
    assert only.all_finite is True and only.abs_max == 1.0 and only.finite_abs_max == 1.0
    assert (only.nan_count, only.inf_count) == (0, 0)


def test_measure_zero_base_after_a_shorter_cache() -> None:
    # Rows past the first cache's end are still measured for the second (one row per chunk).
    stats, _ = measure([CacheSpec(16.0, 4, 1), CacheSpec(0.0, 4, 3)], max_bytes=1)
    assert stats[0].shape == (1, 4) and stats[0].nan_count == 0
    zero = stats[1]
    assert zero.shape == (3, 4)
    assert (zero.nan_count, zero.inf_count) == (6, 0)  # column 1 of both halves, every row
    assert math.isnan(zero.abs_max) and zero.finite_abs_max == 1.0 and zero.all_finite is False


def test_measure_compare() -> None:
    # A: inv_freq [1, 1/4], 3 rows; B: [1, 1/100], 5 rows: column 0 agrees, column 1 differs.
    two_rows = 2 * cache.chunk_bytes_per_row([A, B], True)
    for budget in (1, two_rows, 1 << 30):  # one row per chunk, two (A ends mid-chunk), one
        stats, delta = measure([A, B], compare=True, max_bytes=budget)
        assert [s.shape for s in stats] == [(3, 4), (5, 4)]
        assert delta is not None
        assert delta.rows_compared == 3
        assert delta.max_abs_dcos == pytest.approx(COS[0.02] - COS[0.5], abs=1e-6)
        assert delta.max_abs_dsin == pytest.approx(SIN[0.5] - SIN[0.02], abs=1e-6)
        assert delta.first_position == 1
        assert delta.tolerance == 0.001
    # B first: the same differences, over the same 3 rows.
    _, delta = measure([B, A], compare=True, max_bytes=1)
    assert delta is not None and delta.rows_compared == 3 and delta.first_position == 1
    # Tolerance 0.5: |Δcos| ≤ 0.13, |Δsin| ≤ 0.46, nothing over it.
    _, delta = measure([A, B], compare=True, tolerance=0.5)
    assert delta is not None and delta.first_position is None and delta.tolerance == 0.5


def test_measure_compare_identical_and_different_widths() -> None:
    stats, delta = measure([ZERO, ZERO], compare=True)
    assert len(stats) == 2 and stats[0] == stats[1]
    assert delta == cache.CacheDelta(2, 0.0, 0.0, None, 0.001)
    _, delta = measure([ZERO, ZERO], compare=True, tolerance=0.25)
    assert delta is not None and delta.tolerance == 0.25
    stats, delta = measure([A, CacheSpec(16.0, 8, 3)], compare=True)
    assert delta is None and [s.shape for s in stats] == [(3, 4), (3, 8)]


def test_measure_chunks_warnings_and_inv_freq(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks bound the working set (`max_bytes`), inv_freq is computed once per cache and
    passed down, and warnings raised while computing a chunk are recorded once, cleaned."""
    calls: list[tuple[int, int, bool]] = []
    real = cache.cos_sin_halves

    def spy(
        spec: CacheSpec, start: int, stop: int, freqs_inv: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        calls.append((start, stop, freqs_inv is not None))
        warnings.warn("fake (Triggered internally at x.cpp)", UserWarning, stacklevel=1)
        return real(spec, start, stop, freqs_inv)

    monkeypatch.setattr(cache, "cos_sin_halves", spy)
    spec = CacheSpec(16.0, 4, 5)
    stats, _ = measure([spec], max_bytes=2 * cache.chunk_bytes_per_row([spec], False))
    assert calls == [(0, 2, True), (2, 4, True), (4, 5, True)]
    assert stats[0].torch_warnings == ("fake",)
    calls.clear()
    other = CacheSpec(10000.0, 4, 5)
    budget = 2 * cache.chunk_bytes_per_row([spec, other], True)
    measure([spec, other], compare=True, max_bytes=budget)
    assert [c[:2] for c in calls] == [(0, 2), (0, 2), (2, 4), (2, 4), (4, 5), (4, 5)]


def test_measure_complex_base_worked_number() -> None:
    # SPEC §6, new, L = 512: θ' = −486.44 − 49.47i, 512 × 64, finite, |x| up to 1.86e38.
    spec = CacheSpec(complex(-486.4356532483613, -49.46567115590085), 64, 512)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (stats,), _ = measure([spec])
    assert stats.shape == (512, 64)
    assert stats.all_finite is True and stats.imaginary_dropped is True
    assert stats.finite_abs_max == pytest.approx(1.86e38, rel=0.01)
    assert stats.abs_max == stats.finite_abs_max


def test_clean_cuts_at_the_first_marker() -> None:
    text = "a (Triggered internally at x) b (Triggered internally at y)"
    assert cache._clean(text) == "a"
