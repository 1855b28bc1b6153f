"""ntkcli.rope.cache against the closed form (SPEC §4.5) and against vLLM's cache code.

The grid (issue #3): θ ∈ {1000, 10000, 500000}; (d, head) ∈ {(64, 64), (80, 80), (128, 128),
(64, 128)}; α ∈ {0.5, 1, 2, 4}; L ∈ {512 … 32768}; T ∈ {512, 2048, 4096}; old and new vLLM.
inv_freq does not depend on the row count, so the grid checks inv_freq and a few leading rows;
whole caches are compared on small shapes only.
"""

from __future__ import annotations

import cmath
import math
from fractions import Fraction

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ntkcli.model import Base
from ntkcli.rope import ntk
from ntkcli.rope.cache import (
    CHUNK_TARGET_BYTES,
    CacheSpec,
    chunk_bytes_per_row,
    chunk_rows,
    cos_sin_cache,
    cos_sin_halves,
    inv_freq,
    measure,
    whole_cache_bytes,
)

THETAS = [1000.0, 10000.0, 500000.0]
DIMS = [(64, 64), (80, 80), (128, 128), (64, 128)]  # (rotary dim d, head size)
FACTORS = [0.5, 1.0, 2.0, 4.0]
LENGTHS = [512, 1024, 2048, 4096, 8192, 16384, 32768]
TRAINED = [512, 2048, 4096]
FLOAT32_TINY = 1.1754943508222875e-38
FLOAT32_MAX = 3.4028234663852886e38


def closed_form(line: str, theta: float, d: int, factor: float, length: int, trained: int) -> Base:
    inner = (
        ntk.inner_old(factor, length) if line == "old" else ntk.inner_new(factor, length, trained)
    )
    return ntk.scaled_base(theta, inner, d)


def expected_inv_freq(base: Base, d: int) -> list[complex]:
    """1 / θ'^(2i/d) in double precision (complex when θ' is); 0.0 ** x → inv = inf."""
    out: list[complex] = []
    for i in range(d // 2):
        exponent = 2 * i / d
        power = complex(base) ** exponent if isinstance(base, complex) else base**exponent
        out.append(complex(math.inf) if power == 0 else 1 / complex(power))
    return out


def close(actual: complex, expected: complex, rtol: float) -> bool:
    if cmath.isinf(expected):
        return cmath.isinf(actual)
    return abs(actual - expected) <= rtol * abs(expected) + 1e-30


def _distinct_grid() -> list[tuple[str, float, int, int, float, int, int]]:
    """The grid with repeated computations dropped, keeping one case per distinct (θ', d).

    inv_freq and the leading rows depend only on θ' and d: the head size never enters the cache,
    old vLLM's inner term α² − α + 1 ignores L and T, and new vLLM's depends on L/T only.
    The shape of every grid point is still checked, in test_grid_cache_shape.
    """
    seen: set[tuple[object, ...]] = set()
    cases = []
    for line in ("old", "new"):
        for theta in THETAS:
            for d, head in DIMS:
                for factor in FACTORS:
                    for length in LENGTHS:
                        for trained in TRAINED:
                            ratio = None if line == "old" else Fraction(length, trained)
                            key = (line, theta, d, factor, ratio)
                            if key not in seen:
                                seen.add(key)
                                cases.append((line, theta, d, head, factor, length, trained))
    return cases


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize(("d", "head"), DIMS)
@pytest.mark.parametrize("line", ["old", "new"])
def test_grid_cache_shape(line: str, d: int, head: int, factor: float, length: int) -> None:
    # SPEC §4.5 / §6: old ceil(L·α) × d rows, new L × d, whatever θ and T are (T is not an input).
    rows = ntk.rows_old(length, factor) if line == "old" else length
    spec = CacheSpec(1000.0, d, rows)
    assert spec.shape == ((math.ceil(length * factor) if line == "old" else length), d)
    assert d <= head  # the head size never enters the cache: d columns whatever the head is


@pytest.mark.filterwarnings("ignore:Casting complex values to real")  # complex θ' (SPEC §4.5)
@pytest.mark.parametrize(
    ("line", "theta", "d", "head", "factor", "length", "trained"), _distinct_grid()
)
def test_grid_closed_form_matches_torch_inv_freq(
    line: str, theta: float, d: int, head: int, factor: float, length: int, trained: int
) -> None:
    base = closed_form(line, theta, d, factor, length, trained)
    rows = ntk.rows_old(length, factor) if line == "old" else length
    spec = CacheSpec(base, d, rows)

    inv = inv_freq(base, d)
    assert inv.shape == (d // 2,)
    assert inv.dtype == (torch.complex64 if isinstance(base, complex) else torch.float32)
    expected = expected_inv_freq(base, d)
    # float32: θ' is rounded to float32, then raised to float32 exponents.
    rtol = 2e-6 * max(1.0, abs(cmath.log(base)) if base != 0 else 1.0)
    for actual, want in zip(inv.tolist(), expected, strict=True):
        assert close(complex(actual), want, rtol), (actual, want)

    # The first rows of the real cache: cos|sin of p·inv_freq, real part kept by the cast.
    cos, sin = cos_sin_halves(spec, 0, 3, inv)
    assert cos.dtype == sin.dtype == torch.float32
    for p in range(3):
        for i in range(d // 2):
            angle = p * complex(inv[i].item())
            if cmath.isinf(angle) or cmath.isnan(angle):
                continue  # 0·inf (θ' = 0): NaN, checked in test_zero_base_cache
            want_cos, want_sin = cmath.cos(angle).real, cmath.sin(angle).real
            assert math.isclose(cos[p, i].item(), want_cos, rel_tol=1e-5, abs_tol=1e-6)
            assert math.isclose(sin[p, i].item(), want_sin, rel_tol=1e-5, abs_tol=1e-6)


def test_zero_base_cache() -> None:
    # SPEC §6 "new, L = 1024": θ' = 0.0 → inv_freq [1, inf, …]; row 0 is 0·inf = NaN.
    base = closed_form("new", 1000.0, 64, 2.0, 1024, 2048)
    assert base == 0.0
    inv = inv_freq(base, 64)
    assert inv[0].item() == 1.0 and all(math.isinf(v) for v in inv[1:].tolist())
    [stats], _ = measure([CacheSpec(base, 64, 1024)])
    assert not stats.all_finite
    assert math.isnan(stats.abs_max)
    assert stats.nan_count == 1024 * 62  # columns 1…31 of both halves, every row
    assert stats.finite_abs_max == 1.0


def vllm_cache(spec: CacheSpec) -> torch.Tensor:
    """vLLM's _compute_inv_freq / _compute_cos_sin_cache + cast, verbatim."""
    d = spec.rotary_dim
    inv = 1.0 / (spec.base ** (torch.arange(0, d, 2, dtype=torch.float) / d))
    t = torch.arange(spec.rows, dtype=torch.float)
    freqs = torch.einsum("i,j -> ij", t, inv)
    dtype = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
    return torch.cat((freqs.cos(), freqs.sin()), dim=-1).to(dtype[spec.dtype])


CASES = [
    CacheSpec(7453.483031811892, 64, 3000),
    CacheSpec(0.0, 64, 700),
    CacheSpec(complex(-486.4356532483613, -49.46567115590085), 64, 700),
    CacheSpec(30527.7367488067, 128, 1500, "float16"),
    CacheSpec(complex(-486.4356532483613, -49.46567115590085), 64, 600, "bfloat16"),
]


@pytest.mark.parametrize("spec", CASES, ids=lambda s: f"{s.base!r}-{s.rows}-{s.dtype}")
def test_streamed_stats_equal_whole_cache(spec: CacheSpec) -> None:
    """Chunks of 256 rows (a tiny budget) give the properties of the whole vLLM tensor."""
    whole = vllm_cache(spec)
    assert torch.equal(torch.nan_to_num(cos_sin_cache(spec)), torch.nan_to_num(whole))
    [stats], _ = measure([spec], max_bytes=chunk_bytes_per_row([spec], False) * 256)
    assert stats.shape == tuple(whole.shape)
    assert stats.all_finite is bool(torch.isfinite(whole).all())
    amax = float(whole.float().abs().amax())
    assert stats.abs_max == amax or (math.isnan(stats.abs_max) and math.isnan(amax))
    assert stats.nan_count == int(torch.isnan(whole).sum())
    assert stats.inf_count == int(torch.isinf(whole).sum())
    assert stats.imaginary_dropped is isinstance(spec.base, complex)


def test_streamed_delta_equals_whole_delta() -> None:
    old = CacheSpec(3108.2236667168813, 64, 2000)
    new = CacheSpec(1971.0436456319733, 64, 1000)
    _, delta = measure([old, new], compare=True, max_bytes=chunk_bytes_per_row([old, new], True))
    assert delta is not None
    a, b = vllm_cache(old)[:1000], vllm_cache(new)
    diff = (a - b).abs()
    assert delta.rows_compared == 1000
    assert delta.max_abs_dcos == float(diff[:, :32].amax())
    assert delta.max_abs_dsin == float(diff[:, 32:].amax())
    over = (diff > 1e-3).any(dim=1).nonzero()
    assert delta.first_position == int(over[0, 0])


def test_identical_caches_compare_as_zero_even_with_nan() -> None:
    spec = CacheSpec(0.0, 64, 300)
    stats, delta = measure([spec, spec], compare=True)
    assert delta is not None
    assert delta.max_abs_dcos == 0.0 and delta.first_position is None
    assert stats[0] == stats[1]


def test_nan_against_number_is_a_difference() -> None:
    _, delta = measure([CacheSpec(1000.0, 64, 10), CacheSpec(0.0, 64, 10)], compare=True)
    assert delta is not None
    assert math.isnan(delta.max_abs_dcos)
    assert delta.first_position == 0


def test_budget_arithmetic_counts_intermediates() -> None:
    # 131072 × 128 float32: t (0.5 MiB) + freqs, cos, sin (3 × 32 MiB) + cat (64 MiB).
    spec = CacheSpec(10000.0, 128, 131072)
    assert whole_cache_bytes(spec) == 131072 * 4 + 3 * 131072 * 64 * 4 + 131072 * 128 * 4 + 64 * 4
    # Complex: complex64 all the way to the cast, then the float32 copy.
    cspec = CacheSpec(complex(-1.0, -1.0), 128, 1024)
    assert whole_cache_bytes(cspec) == 1024 * 4 + 3 * 1024 * 64 * 8 + 1024 * 128 * 8 + 64 * 8
    # ntkcli's own chunks stay within the chunk target and the budget.
    for budget in (10**4, 10**6, 1 << 30):
        rows = chunk_rows([spec, spec], True, budget)
        assert rows >= 1
        assert rows * chunk_bytes_per_row([spec, spec], True) <= max(
            min(budget, CHUNK_TARGET_BYTES), chunk_bytes_per_row([spec, spec], True)
        )


@settings(max_examples=300, deadline=None)
@given(
    theta=st.floats(1.0, 1e7),
    factor=st.floats(0.1, 16.0),
    half=st.integers(2, 128),
    length=st.integers(1, 1 << 20),
    trained=st.integers(1, 1 << 20),
    line=st.sampled_from(["old", "new"]),
)
def test_property_finite_base_matches_torch(
    theta: float, factor: float, half: int, length: int, trained: int, line: str
) -> None:
    """Wherever θ' is a finite positive real (and float32 can hold the inv_freq values), the
    closed form and the torch-derived values agree: every inv_freq, and θ' recovered from the
    last inv_freq entry, 1/θ'^((d−2)/d)."""
    d = 2 * half
    base = closed_form(line, theta, d, factor, length, trained)
    assume(isinstance(base, float) and math.isfinite(base) and base > 0)
    assert isinstance(base, float)
    assume(FLOAT32_TINY * 1e3 < base < FLOAT32_MAX / 1e3)
    expected = expected_inv_freq(base, d)
    assume(all(FLOAT32_TINY * 1e3 < abs(v) < FLOAT32_MAX / 1e3 for v in expected))
    inv = inv_freq(base, d).tolist()
    rtol = 2e-6 * max(1.0, abs(math.log(base)))
    for actual, want in zip(inv, expected, strict=True):
        assert close(complex(actual), want, rtol)
    k = d // 2 - 1
    derived = math.exp(-math.log(inv[k]) * d / (2 * k))
    assert math.isclose(derived, base, rel_tol=2 * rtol * d / (2 * k))
