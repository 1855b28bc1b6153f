"""Spec rules with expected values written out from /work/shared/SPEC.md (section cited per test).

Part 1 kills mutants of the pure core (ntkcli/rope/ntk.py, ntkcli/references/nomic_code.py,
ntkcli/checks/common.py): run `mutmut run` (configured in pyproject.toml). Part 2 drives the CLI
with configs written to tmp_path and kills the hand-found survivors listed in issue 14.
"""

from __future__ import annotations

import math

import pytest

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
        (None, "None"),
        (3108.2236667168813, "3108.2236667168813"),
        (float(2**53), "9007199254740992.0"),
        (float(2**53 - 1), "9007199254740991"),
        (-float(2**53), "-9007199254740992.0"),
        (math.inf, "inf"),
        (complex(-1.5, 2.0), "(-1.5+2j)"),
    ],
)
def test_fmt(value: object, text: str) -> None:
    assert common.fmt(value) == text  # type: ignore[arg-type]


def test_overrides_json() -> None:
    assert (
        common.overrides_json({"rope_theta": 1000, "max_position_embeddings": 4096})
        == """--hf-overrides '{"rope_theta": 1000, "max_position_embeddings": 4096}'"""
    )
