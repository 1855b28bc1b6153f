"""Real cos/sin caches, computed with torch exactly as vLLM computes them (SPEC §4.5).

vLLM's `RotaryEmbedding` (and `DynamicNTKScalingRotaryEmbedding`, which only changes the base and
the row count) does, in `_compute_inv_freq` / `_compute_cos_sin_cache` and `__init__`:

    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float) / d))
    t = torch.arange(rows, dtype=torch.float)
    freqs = torch.einsum("i,j -> ij", t, inv_freq)
    cache = torch.cat((freqs.cos(), freqs.sin()), dim=-1)
    cache = cache.to(dtype)

With a complex base (a negative inner term, SPEC §4.5) `complex ** tensor` gives complex64, the
whole chain stays complex, and the final `.to(dtype)` silently drops the imaginary part (torch
emits one UserWarning per process: "Casting complex values to real discards the imaginary part").
We reproduce that chain, not its intent.

This is the only torch user outside ntkcli.references: torch is imported inside functions, so
importing this module costs nothing.

Memory: whole caches are never held. Rows are streamed in chunks (a few MiB each), and the
statistics and the old/new comparison are accumulated chunk by chunk. The budget (`max_bytes`) is
checked arithmetically, before any tensor exists, against what vLLM itself allocates to build the
cache whole (`whole_cache_bytes`); ntkcli's own peak is far lower (`chunk_bytes_per_row`).
Chunking does not change a value: each entry is one product t·inv_freq and one cos or sin of it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ntkcli.fields import INTERNAL, json_field
from ntkcli.model import DEFAULT_MAX_BYTES, DTYPE_BYTES, DTYPES, Base

if TYPE_CHECKING:
    import torch


DIFF_TOLERANCE = 1e-3  # "first position where they differ by more than 1e-3" (issue #3)
CHUNK_TARGET_BYTES = 32 << 20  # ntkcli's own working set per chunk
ROW_ALIGN = 256  # chunk boundaries on whole SIMD vectors (values are elementwise either way)
FLOAT32 = 4
COMPLEX64 = 8
SUPPORTED_DTYPES = DTYPES


@dataclass(frozen=True)
class CacheSpec:
    """One cos/sin cache as vLLM builds it: base (θ', possibly complex), d, rows, model dtype."""

    base: Base
    rotary_dim: int
    rows: int
    dtype: str = "float32"

    @property
    def is_complex(self) -> bool:
        return isinstance(self.base, complex)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.rotary_dim)


@dataclass(frozen=True)
class CacheStats:
    """Properties of the real torch cache (after the cast to the model dtype)."""

    shape: tuple[int, int] = field(metadata=INTERNAL)
    dtype: str = field(metadata=INTERNAL)
    all_finite: bool
    abs_max: float  # torch semantics of |x|.amax(): nan if any entry is nan, inf if any is ±inf
    finite_abs_max: float | None  # max |x| over finite entries (None: no finite entry)
    nan_count: int
    inf_count: int
    imaginary_dropped: bool = field(  # complex base: the cast dropped the imaginary part
        metadata=json_field("imaginary_part_dropped")
    )
    # as torch emitted them (torch warns once per process)
    torch_warnings: tuple[str, ...] = field(default=(), metadata=json_field(empty=()))


@dataclass(frozen=True)
class CacheDelta:
    """old vs new over the rows both caches have; cos half and sin half separately."""

    rows_compared: int
    max_abs_dcos: float = field(  # nan when one side is nan where the other is not
        metadata=json_field("max_abs_delta_cos")
    )
    max_abs_dsin: float = field(metadata=json_field("max_abs_delta_sin"))
    first_position: int | None = field(  # first row (token position) differing by > tol
        metadata=json_field("first_position_over_tolerance", unit="tokens")
    )
    tolerance: float = DIFF_TOLERANCE


def _elem(spec: CacheSpec) -> int:
    """Bytes per element until the cast: float32, or complex64 for a complex base."""
    return COMPLEX64 if spec.is_complex else FLOAT32


def whole_cache_bytes(spec: CacheSpec) -> int:
    """Peak bytes vLLM holds to build this cache whole, counted before allocating anything.

    Inside `_compute_cos_sin_cache`, at the `torch.cat`: t (rows·4) + freqs, cos and sin
    (rows·d/2 elements each) + the concatenation (rows·d). Back in `__init__`, at the cast: the
    concatenation + the cast copy (rows·d in the model dtype) when the cast copies. inv_freq is
    d/2 elements; counted too. A float32 cache of a real base is not copied by the cast, but
    counting the copy anyway changes nothing: with h = d/2, at_cast = 16·rows·h bytes then stays
    below at_cat = 4·rows + 20·rows·h.
    """
    rows, d, e = spec.rows, spec.rotary_dim, _elem(spec)
    half = (d + 1) // 2
    at_cat = rows * FLOAT32 + 3 * rows * half * e + rows * 2 * half * e
    at_cast = rows * 2 * half * e + rows * 2 * half * DTYPE_BYTES[spec.dtype]
    return max(at_cat, at_cast) + half * e


def chunk_bytes_per_row(specs: Sequence[CacheSpec], compare: bool) -> int:
    """ntkcli's own working set per streamed row, all sides together: t, freqs, cos and sin
    (d/2 elements each, complex64 or float32), the two cast halves, the statistics' temporaries
    (|x| and three masks, on the slow path) and, to compare, two float32 copies per half, Δ and
    three masks."""
    total = 0
    width = 0
    for spec in specs:
        d, e, s = spec.rotary_dim, _elem(spec), DTYPE_BYTES[spec.dtype]
        half = (d + 1) // 2
        width = max(width, 2 * half)
        total += FLOAT32 + 3 * half * e + 2 * half * s  # t, freqs/cos/sin, cast halves
        total += half * s + 3 * half  # |x| and masks of one half
    if compare:
        total += 3 * width * FLOAT32 + 3 * width
    return max(total, 1)


def chunk_rows(specs: Sequence[CacheSpec], compare: bool, max_bytes: int) -> int:
    """Rows per chunk: fits CHUNK_TARGET_BYTES and the budget, on ROW_ALIGN boundaries."""
    per_row = chunk_bytes_per_row(specs, compare)
    rows = min(CHUNK_TARGET_BYTES, max_bytes) // per_row
    return rows - rows % ROW_ALIGN or max(rows, 1)


def torch_dtype(name: str) -> torch.dtype:
    import torch

    dtypes = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
    return dtypes[name]


def inv_freq(base: Base, rotary_dim: int) -> torch.Tensor:
    """vLLM `RotaryEmbedding._compute_inv_freq`: 1 / base ** (arange(0, d, 2, float32) / d).

    A Python float base is used as torch uses a scalar with a float32 tensor (float32
    arithmetic); a complex base gives complex64. θ' = 0.0 gives [1, inf, inf, …] (SPEC §6)."""
    import torch

    exponents = torch.arange(0, rotary_dim, 2, dtype=torch.float) / rotary_dim
    result: torch.Tensor = 1.0 / (base**exponents)
    return result


def cos_sin_halves(
    spec: CacheSpec, start: int, stop: int, freqs_inv: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows [start, stop) of vLLM's cache as its cos half and its sin half, each cast to the
    model dtype.

    Value for value this is vLLM's `torch.cat((cos, sin), -1).to(dtype)`: the concatenation only
    places the halves side by side and the cast is elementwise, so ntkcli skips the copy.
    `torch.arange(rows)[start:stop]` equals `torch.arange(start, stop)`: positions are small
    integers, exact in float32 (rows < 2**24 under any realistic budget)."""
    import torch

    inv = inv_freq(spec.base, spec.rotary_dim) if freqs_inv is None else freqs_inv
    stop = min(stop, spec.rows)
    t = torch.arange(start, stop, dtype=torch.float)
    freqs = torch.einsum("i,j -> ij", t, inv)
    dtype = torch_dtype(spec.dtype)
    return freqs.cos().to(dtype), freqs.sin().to(dtype)


def cos_sin_cache(spec: CacheSpec) -> torch.Tensor:
    """The whole cache exactly as vLLM stores it (cos|sin concatenated, cast): for tests and
    small caches. Streaming code uses `cos_sin_halves`."""
    import torch

    inv = inv_freq(spec.base, spec.rotary_dim)
    t = torch.arange(spec.rows, dtype=torch.float)
    freqs = torch.einsum("i,j -> ij", t, inv)
    cache = torch.cat((freqs.cos(), freqs.sin()), dim=-1)
    return cache.to(torch_dtype(spec.dtype))


class _Accumulator:
    """Running CacheStats over streamed chunks, with torch's NaN semantics for abs_max.

    Fast path: one aminmax per half (NaN-propagating); the element counts are only taken when
    a chunk is not all finite."""

    def __init__(self, spec: CacheSpec) -> None:
        self.spec = spec
        self.nan = 0
        self.inf = 0
        self.finite_max: float | None = None

    def add(self, half: torch.Tensor) -> None:
        import torch

        if half.numel() == 0:
            return
        low, high = (float(v) for v in torch.aminmax(half))
        if math.isfinite(low) and math.isfinite(high):
            value = max(abs(low), abs(high))
        else:
            nan = torch.isnan(half)
            inf = torch.isinf(half)
            self.nan += int(nan.sum())
            self.inf += int(inf.sum())
            finite = ~(nan | inf)
            if not bool(finite.any()):
                return
            value = float(torch.where(finite, half.abs(), 0).amax())
        self.finite_max = value if self.finite_max is None else max(self.finite_max, value)

    def stats(self, captured: Sequence[str]) -> CacheStats:
        if self.nan:
            abs_max = math.nan
        elif self.inf:
            abs_max = math.inf
        else:
            abs_max = 0.0 if self.finite_max is None else self.finite_max
        return CacheStats(
            shape=self.spec.shape,
            dtype=self.spec.dtype,
            all_finite=self.nan == 0 and self.inf == 0,
            abs_max=abs_max,
            finite_abs_max=self.finite_max,
            nan_count=self.nan,
            inf_count=self.inf,
            imaginary_dropped=self.spec.is_complex,
            torch_warnings=tuple(captured),
        )


class _DeltaAccumulator:
    """max |Δcos|, max |Δsin| and the first row differing by more than the tolerance.

    Two entries count as equal when they are equal as floats, or both NaN (so identical caches
    compare as 0.0 even when both are NaN); a NaN against a number counts as a difference, and
    |Δ| is then NaN, as torch's amax propagates it. Differences are taken in float32."""

    def __init__(self, tolerance: float) -> None:
        self.tolerance = tolerance
        self.dcos = 0.0
        self.dsin = 0.0
        self.first: int | None = None
        self.rows = 0

    def _half(self, a: torch.Tensor, b: torch.Tensor) -> tuple[float, torch.Tensor]:
        import torch

        a32, b32 = a.float(), b.float()
        delta = a32 - b32
        low, high = (float(v) for v in torch.aminmax(delta))
        # aminmax gives NaN twice when delta has a NaN. Only NaNs need the mask: equal
        # infinities subtract to NaN, and an infinite Δ is between different entries.
        if math.isnan(low):
            same = (a32 == b32) | (torch.isnan(a32) & torch.isnan(b32))
            delta = torch.where(same, 0.0, delta)
            low, high = (float(v) for v in torch.aminmax(delta))
        worst = max(abs(low), abs(high))  # NaN if a NaN is left (both are NaN then)
        return worst, delta

    def add(
        self,
        start: int,
        old: tuple[torch.Tensor, torch.Tensor],
        new: tuple[torch.Tensor, torch.Tensor],
    ) -> None:
        rows = old[0].shape[0]  # >= 1: measure only passes rows both caches have
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            worst, delta = self._half(a, b)
            if index == 0:
                self.dcos = _nanmax(self.dcos, worst)
            else:
                self.dsin = _nanmax(self.dsin, worst)
            if (self.first is None or self.first >= start) and not worst <= self.tolerance:
                # (`not <=` so that NaN counts as a difference)
                # worst > tolerance or NaN: some entry of `delta` is over, so `over` is not empty
                over = (~(delta.abs() <= self.tolerance)).any(dim=1).nonzero()
                position = start + int(over[0, 0])
                self.first = position if self.first is None else min(self.first, position)
        self.rows += rows

    def result(self) -> CacheDelta:
        return CacheDelta(self.rows, self.dcos, self.dsin, self.first, self.tolerance)


def _nanmax(a: float, b: float) -> float:
    return math.nan if math.isnan(a) or math.isnan(b) else max(a, b)


def _chunks(total: int, step: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, step):
        yield start, min(start + step, total)


def measure(
    specs: Sequence[CacheSpec],
    compare: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    tolerance: float = DIFF_TOLERANCE,
) -> tuple[list[CacheStats], CacheDelta | None]:
    """Stream the caches of `specs` (one pass, in chunks) and return each one's statistics and,
    with `compare` and two specs of the same width, their difference over the common rows.

    The caller checks the budget with `whole_cache_bytes` first; `max_bytes` here only bounds
    the chunk size. Identical specs are computed once (their difference is 0 by construction)."""
    import torch

    if compare and len(specs) != 2:
        raise ValueError("compare needs exactly two caches")
    if not specs:
        return [], None
    unique: list[CacheSpec] = list(dict.fromkeys(specs))
    step = chunk_rows(unique, compare, max_bytes)
    captured: dict[CacheSpec, list[str]] = {s: [] for s in unique}
    accumulators = {s: _Accumulator(s) for s in unique}
    inverse = {s: inv_freq(s.base, s.rotary_dim) for s in unique}
    comparable = compare and specs[0] != specs[1] and specs[0].rotary_dim == specs[1].rotary_dim
    delta = _DeltaAccumulator(tolerance) if comparable else None
    common = min(s.rows for s in specs)
    total = max(s.rows for s in unique)
    with torch.inference_mode():
        for start, stop in _chunks(total, step):
            chunks: dict[CacheSpec, tuple[torch.Tensor, torch.Tensor]] = {}
            for spec in unique:
                if start >= spec.rows:
                    continue
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    chunks[spec] = cos_sin_halves(spec, start, stop, inverse[spec])
                captured[spec].extend(_clean(w.message) for w in caught)
                for half in chunks[spec]:
                    accumulators[spec].add(half)
            if delta is not None and start < common:
                end = min(stop, common) - start
                old, new = chunks[specs[0]], chunks[specs[1]]
                delta.add(start, (old[0][:end], old[1][:end]), (new[0][:end], new[1][:end]))
    stats = [accumulators[s].stats(list(dict.fromkeys(captured[s]))) for s in specs]
    if not compare:
        return stats, None
    if delta is not None:
        return stats, delta.result()
    if specs[0] == specs[1]:
        return stats, CacheDelta(common, 0.0, 0.0, None, tolerance)
    return stats, None  # different widths: nothing to compare column by column


def _clean(message: Warning | str) -> str:
    """torch's C++ warnings end with '(Triggered internally at <build path>)': drop that."""
    text = str(message)
    cut = text.find(" (Triggered internally")
    return text if cut < 0 else text[:cut]
