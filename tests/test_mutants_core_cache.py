"""The pure parts of ntkcli/rope/cache.py (cache shape, byte counts, chunking), without torch,
for mutation testing (issue 14). The shape is vLLM's (SPEC §4.5: `max_position` rows × the
rotary dimension); the byte counts follow the module's stated accounting, written out by hand."""

from __future__ import annotations

import math

from ntkcli.rope import cache
from ntkcli.rope.cache import CacheSpec

REAL = CacheSpec(10000.0, 64, 4096)


def test_shape_is_rows_by_rotary_dim() -> None:
    assert REAL.shape == (4096, 64)
    assert REAL.dtype == "float32"
    assert REAL.is_complex is False
    assert CacheSpec(complex(-1.0, 2.0), 64, 4096).is_complex is True


def test_elem() -> None:
    assert cache._elem(REAL) == 4
    assert cache._elem(CacheSpec(complex(-1.0, 2.0), 64, 4096)) == 8


def test_whole_cache_bytes() -> None:
    # t 4096·4 + freqs/cos/sin 3·4096·32·4 + cat 4096·64·4, + inv_freq 32·4.
    assert cache.whole_cache_bytes(REAL) == 2637952
    # The same at the cat for float16 (the cast copy is smaller).
    assert cache.whole_cache_bytes(CacheSpec(10000.0, 64, 4096, "float16")) == 2637952
    # complex64 until the cast: 4096·4 + 3·4096·32·8 + 4096·64·8 + 32·8.
    assert cache.whole_cache_bytes(CacheSpec(complex(-1.0, 2.0), 64, 4096)) == 5259520
    # A float64 copy makes the cast the peak: 4096·64·4 + 4096·64·8 + 32·4.
    assert cache.whole_cache_bytes(CacheSpec(10000.0, 64, 4096, "float64")) == 3145856
    # Odd d: half = 3; 10·4 + 3·10·3·4 + 10·6·4 + 3·4.
    assert cache.whole_cache_bytes(CacheSpec(10000.0, 5, 10)) == 652


def test_chunk_bytes_per_row() -> None:
    # 4 + 3·32·4 + 2·32·4, + 32·4 + 3·32.
    assert cache.chunk_bytes_per_row([REAL], False) == 868
    # Two sides and the comparison: 2·868 + 3·64·4 + 3·64.
    assert cache.chunk_bytes_per_row([REAL, REAL], True) == 2696
    wide = CacheSpec(10000.0, 128, 4096, "bfloat16")  # 4 + 768 + 256 + 128 + 192
    assert cache.chunk_bytes_per_row([REAL, wide], False) == 2216
    assert cache.chunk_bytes_per_row([REAL, wide], True) == 2216 + 3 * 128 * 4 + 3 * 128
    complex_spec = CacheSpec(complex(-1.0, 2.0), 64, 4096, "float16")  # 4 + 768 + 128 + 64 + 96
    assert cache.chunk_bytes_per_row([complex_spec], False) == 1060
    assert cache.chunk_bytes_per_row([], False) == 1


def test_chunk_rows() -> None:
    # 32 MiB // 868 = 38657 rows, down to a multiple of 256.
    assert cache.chunk_rows([REAL], False, 1 << 30) == 38656
    assert cache.chunk_rows([REAL], False, 868 * 300) == 256
    assert cache.chunk_rows([REAL], False, 868 * 256) == 256
    assert cache.chunk_rows([REAL], False, 868 * 255) == 255
    assert cache.chunk_rows([REAL], False, 100) == 1


def test_chunks() -> None:
    assert list(cache._chunks(10, 4)) == [(0, 4), (4, 8), (8, 10)]
    assert list(cache._chunks(8, 4)) == [(0, 4), (4, 8)]
    assert list(cache._chunks(0, 4)) == []


def test_nanmax() -> None:
    assert cache._nanmax(1.0, 2.0) == 2.0
    assert cache._nanmax(3.0, 2.0) == 3.0
    assert math.isnan(cache._nanmax(math.nan, 1.0))
    assert math.isnan(cache._nanmax(1.0, math.nan))


def test_clean_drops_torch_build_paths() -> None:
    text = "Casting complex values to real discards the imaginary part"
    assert cache._clean(text + " (Triggered internally at /src/Copy.cpp:308.)") == text
    assert cache._clean(UserWarning(text)) == text
    assert cache._clean("(Triggered internally at x)") == "(Triggered internally at x)"
    assert cache._clean(" (Triggered internally at x)") == ""


def test_chunk_sizes_are_ints_and_count_the_comparison() -> None:
    assert type(cache.chunk_rows([REAL], False, 1 << 30)) is int
    # With the comparison a row costs 2696 bytes, not twice 868.
    assert cache.chunk_rows([REAL, REAL], True, 2696 * 255) == 255
    # d = 0: nothing per column, not even for the comparison.
    empty = CacheSpec(10000.0, 0, 10)
    assert cache.chunk_bytes_per_row([empty, empty], True) == 8
