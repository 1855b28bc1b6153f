"""`ntkcli diff`: vLLM before and after PR #41277 side by side (SPEC §4.4–§4.5, §6).

Two modes:
- model: the whole pipeline (ntkcli.vllm.pipeline.resolve) run once as old vLLM (≤ 0.21) and
  once as new vLLM (≥ 0.22), for the same config and request;
- bare parameters: DynamicNTKScalingRotaryEmbedding alone, from θ, α, d, L and T (SPEC §4.5):
  old builds ceil(L·α) rows with the constant inner term α² − α + 1; new builds L rows with
  α·L/T − (α − 1).

By default each side is the closed form only (θ', shapes, the formula): no torch. With
`real_caches` (diff --real-caches, the [torch] extra) each side also gets the real torch cache's
properties (ntkcli.rope.cache) when its cache is one ntkcli computes and the whole computation fits
the memory budget; otherwise shapes only, with the reason.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from ntkcli.engines import vllm as vllm_engine
from ntkcli.engines.base import Engine, EngineRequest, EngineResult
from ntkcli.errors import NtkcliError
from ntkcli.fields import Prop, json_field
from ntkcli.model import (
    DEFAULT_MAX_BYTES,
    Base,
    RawConfig,
    Refusal,
    Request,
    Resolution,
    Rotary,
    VllmLine,
)
from ntkcli.numbers import compact
from ntkcli.rope.cache import (
    DIFF_TOLERANCE,
    CacheDelta,
    CacheSpec,
    CacheStats,
    measure,
    whole_cache_bytes,
)
from ntkcli.vllm.get_rope import build_rotary
from ntkcli.vllm.pipeline import resolve
from ntkcli.vllm.versions import parse_vllm_version

DiffMode = Literal["model", "bare"]
DYNAMIC = "DynamicNTKScalingRotaryEmbedding"
# Classes whose cache is `_compute_cos_sin_cache` of the base class with θ' and `rows` rows.
# Linear, YaRN, Llama3, LongRoPE, … change t or inv_freq: ntkcli reports their shapes only.
COMPUTED_CLASSES = frozenset({"RotaryEmbedding", DYNAMIC})


@dataclass(frozen=True)
class BareParams:
    """Bare-parameter mode inputs (SPEC §1 symbols)."""

    base: float  # θ
    factor: float  # α
    rotary_dim: int  # d
    max_position: int  # L
    trained_positions: int  # T (new vLLM only)
    head_size: int  # H ≥ d; informational (the cache has d columns)
    dtype: str = "float32"


@dataclass(frozen=True)
class Formula:
    """θ' as text, symbolic and with the numbers substituted, so a reader sees why."""

    symbolic: str
    substituted: str  # the formula with the numbers in it
    evaluated: str  # "= θ · inner^e = θ'"
    rows: str  # how the cache's row count comes about
    explanation: str | None = None  # what an unusual inner term does (≤ 0, < 1)


# The rotary numbers each side of `diff --format json` shows.
SIDE_ROTARY_KEYS = (
    "rope_class",
    "base",
    "factor",
    "head_size",
    "rotary_dim",
    "max_position",
    "max_trained_positions",
    "inner_term",
    "exponent",
    "scaled_base",
    "cache_shape",
    "cache_dtype",
)


@dataclass(frozen=True)
class Side:
    """One vLLM version's result."""

    line: VllmLine = field(metadata=json_field("vllm"))
    rotary: Rotary | None = field(metadata=json_field(flatten=True, keys=SIDE_ROTARY_KEYS))
    formula: Formula | None
    # model mode only
    resolution: Resolution | None = field(
        default=None,
        metadata=json_field(
            omit="always",
            props_if_set=True,
            props=(
                Prop("max_model_len", "max_model_len", unit="tokens"),
                Prop("requested_max_model_len", "resolution.requested_len", unit="tokens"),
                Prop(
                    "positions_past_cache_end",
                    "positions_past_cache",
                    unit="tokens",
                    description="Served positions that index past the cache end.",
                ),
                Prop("refusal", "refusal", keys=("error", "message", "step")),
            ),
        ),
    )
    # the real torch cache's properties, when computed
    cache: CacheStats | None = field(default=None, metadata=json_field(flatten=True))
    cache_note: str | None = field(  # why the cache was not computed
        default=None,
        metadata=json_field(props=(Prop("cache_computed", "cache_computed"),)),
    )

    @property
    def cache_computed(self) -> bool:
        """True when the real torch cache was computed."""
        return self.cache is not None

    @property
    def refusal(self) -> Refusal | None:
        """Model mode: the exception vLLM would stop with."""
        return None if self.resolution is None else self.resolution.refusal

    @property
    def max_model_len(self) -> int | None:
        """Model mode: what vLLM serves (null: it refuses)."""
        return None if self.resolution is None else self.resolution.max_model_len

    @property
    def positions_past_cache(self) -> int | None:
        """Model mode: how many served positions index past the cache end (SPEC §4.4, R03)."""
        shape = self.cache_shape
        if self.max_model_len is None or shape is None:
            return None
        return max(0, self.max_model_len - shape[0])

    @property
    def scaled_base(self) -> Base | None:
        return None if self.rotary is None else self.rotary.scaled_base

    @property
    def cache_shape(self) -> tuple[int, int] | None:
        return None if self.rotary is None else self.rotary.cache_shape


@dataclass(frozen=True)
class Memory:
    """The budget check, made before any tensor exists (ntkcli.rope.cache.whole_cache_bytes)."""

    budget: int = field(metadata=json_field("budget_bytes", unit="bytes"))
    estimated: int | None = field(  # bytes vLLM needs to build the caches; None: none to build
        metadata=json_field("estimated_bytes", unit="bytes")
    )
    computed: bool


@dataclass(frozen=True)
class DiffResult:
    mode: DiffMode
    model: str | None
    length: int | None = field(  # the served length of a --lengths row
        metadata=json_field("len", omit="if_none", unit="tokens")
    )
    old: Side
    new: Side
    delta: CacheDelta | None = field(metadata=json_field("comparison"))
    delta_note: str | None = field(
        metadata=json_field("comparison_note", props=(Prop("differs", "differs"),))
    )
    differences: tuple[str, ...]  # names of the fields where old and new differ
    memory: Memory

    @property
    def differs(self) -> bool:
        """True when old and new differ."""
        return bool(self.differences)


# --- inputs ------------------------------------------------------------------------------------


# --- formulas ----------------------------------------------------------------------------------


def _explain(inner: float, base: float, scaled: Base | None) -> str | None:
    if inner == 0:
        return (
            "inner term 0 → θ' = 0.0: inv_freq = 1/0.0^(2i/d) = [1, inf, inf, …], "
            "so the cache is NaN/Inf"
        )
    if inner < 0:
        return (
            f"inner term {compact(inner)} < 0: Python's negative ** fractional power is complex, "
            f"θ' = {compact(scaled)}; torch keeps the cache complex and the cast to the model "
            "dtype "
            "drops the imaginary part (one UserWarning), leaving cosh-like garbage"
        )
    if inner < 1:
        return (
            f"inner term {compact(inner)} < 1: θ' shrinks below θ = {compact(base)} "
            "(see `ntkcli rule R02`)"
        )
    return None


def dynamic_formula(rot: Rotary, line: VllmLine) -> Formula:
    """The dynamic-NTK formula of SPEC §4.5 for one side, with its numbers."""
    assert rot.factor is not None and rot.inner is not None
    theta, alpha, d, big_l = rot.base, rot.factor, rot.rotary_dim, rot.max_position
    exponent = f"{d}/{d - 2}"
    power = f"^({exponent})"
    inner = compact(rot.inner) if rot.inner >= 0 else f"({compact(rot.inner)})"
    evaluated = f"= {compact(theta)} · {inner}^{compact(rot.exponent)} = {rot.scaled_base!r}"
    if line == "old":
        symbolic = "θ' = θ · (α·(L·α)/L − (α − 1))^(d/(d − 2)),  inner = α² − α + 1, never L"
        substituted = (
            f"θ' = {compact(theta)} · ({compact(alpha)}·({big_l}·{compact(alpha)})/{big_l} − "
            f"({compact(alpha)} − 1)){power}"
        )
        rows = f"rows = ceil(L·α) = ceil({big_l}·{compact(alpha)}) = {rot.cache_rows}"
    else:
        big_t = rot.trained_positions
        symbolic = "θ' = θ · (α·L/T − (α − 1))^(d/(d − 2))"
        a = compact(alpha)
        substituted = f"θ' = {compact(theta)} · ({a}·{big_l}/{big_t} − ({a} − 1)){power}"
        rows = f"rows = L = {rot.cache_rows}"
    explanation = _explain(rot.inner, theta, rot.scaled_base)
    return Formula(symbolic, substituted, evaluated, rows, explanation)


def plain_formula(rot: Rotary) -> Formula:
    rows = "rows = L" if rot.cache_rows == rot.max_position else "rows"
    return Formula(
        symbolic=f"θ' = θ ({rot.rope_class}: the dynamic-NTK formula does not apply)",
        substituted=f"θ' = {compact(rot.base)}",
        evaluated=f"= {compact(rot.scaled_base)}",
        rows=f"{rows} = {rot.cache_rows if rot.cache_rows is not None else '— (not modelled)'}",
    )


def formula_for(rot: Rotary | None, line: VllmLine) -> Formula | None:
    if rot is None:
        return None
    return dynamic_formula(rot, line) if rot.dynamic_formula else plain_formula(rot)


# --- sides -------------------------------------------------------------------------------------


def bare_rotary(p: BareParams, line: VllmLine) -> Rotary:
    """DynamicNTKScalingRotaryEmbedding(θ, α, d, L[, T]) as numbers (SPEC §4.5): get_rope itself,
    given the rope parameters the bare flags stand for."""
    params = {
        "rope_type": "dynamic",
        "factor": p.factor,
        "rope_theta": p.base,
        "rope_dim": p.rotary_dim,
        "max_trained_positions": p.trained_positions,
    }
    return build_rotary(params, p.head_size, p.max_position, p.dtype, parse_vllm_version(line))


def _cache_spec(side: Side) -> tuple[CacheSpec | None, str | None]:
    """The cache to compute for a side, or why there is none."""
    rot = side.rotary
    if rot is None:
        return None, "no rotary object: vLLM stops before get_rope"
    if side.refusal is not None or not rot.built:
        return (
            None,
            f"vLLM {side.refusal.verb if side.refusal else 'stops'} first, so it builds no cache",
        )
    if rot.rope_class not in COMPUTED_CLASSES or rot.cache_rows is None:
        return None, f"ntkcli computes caches for {' and '.join(sorted(COMPUTED_CLASSES))} only"
    if rot.scaled_base is None:
        return None, "no base"
    if rot.rotary_dim < 2:  # e.g. partial_rotary_factor 1e-300: the dim rounds down to 0
        return None, f"rotary dim {rot.rotary_dim}: no cos/sin pair to compute"
    return CacheSpec(rot.scaled_base, rot.rotary_dim, rot.cache_rows, rot.dtype), None


REAL_CACHES_FLAG = "--real-caches"
TORCH_HINT = f"pip install 'ntkcli[torch]', or leave out {REAL_CACHES_FLAG}"
CLOSED_FORM_NOTE = f"closed form only ({REAL_CACHES_FLAG} builds the real torch caches)"


def _import_torch() -> None:
    """torch imported before any cache is built: a broken or blocked install is the same one
    error line as a missing one."""
    try:
        importlib.import_module("torch")
    except ImportError:
        raise NtkcliError(
            f"{REAL_CACHES_FLAG} needs torch, which is not installed", hint=TORCH_HINT
        ) from None


def _same(a: object, b: object) -> bool:
    """Equality that treats two NaN bases as the same value (repr compares floats exactly)."""
    return repr(a) == repr(b)


def _differences(old: Side, new: Side, delta: CacheDelta | None, mode: DiffMode) -> tuple[str, ...]:
    fields: list[str] = []
    if mode == "model":
        if old.max_model_len != new.max_model_len:
            fields.append("max_model_len")
        refusals = [
            None if s.refusal is None else (s.refusal.error, s.refusal.message) for s in (old, new)
        ]
        if refusals[0] != refusals[1]:
            fields.append("refusal")
        classes = [None if s.rotary is None else s.rotary.rope_class for s in (old, new)]
        if classes[0] != classes[1]:
            fields.append("rope_class")
    if not _same(old.scaled_base, new.scaled_base):
        fields.append("scaled_base")
    if old.cache_shape != new.cache_shape:
        fields.append("cache_shape")
    if delta is not None and (
        delta.first_position is not None
        or delta.max_abs_dcos != 0.0  # NaN != 0.0 too
        or delta.max_abs_dsin != 0.0
    ):
        fields.append("cache_values")
    return tuple(fields)


def with_caches(
    mode: DiffMode,
    model: str | None,
    length: int | None,
    old: Side,
    new: Side,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    real_caches: bool = False,
) -> DiffResult:
    """Attach the real caches' properties and their difference, within the memory budget, when
    `real_caches`; else the closed form only (no torch)."""
    (old_spec, old_note), (new_spec, new_note) = _cache_spec(old), _cache_spec(new)
    specs = [s for s in dict.fromkeys(x for x in (old_spec, new_spec) if x is not None)]
    estimated = sum(whole_cache_bytes(s) for s in specs) if specs else None
    delta: CacheDelta | None = None
    delta_note: str | None = None
    computed = False
    if specs and not real_caches:
        old_note, new_note = old_note or CLOSED_FORM_NOTE, new_note or CLOSED_FORM_NOTE
    elif estimated is not None and estimated > max_bytes:
        over = (
            f"not computed: vLLM needs about {estimated:,} B to build "
            f"{'these caches' if len(specs) > 1 else 'this cache'}, over the "
            f"{max_bytes:,} B budget (raise it with --max-bytes); shapes only"
        )
        old_note, new_note = old_note or over, new_note or over
    elif specs:
        _import_torch()
        both = old_spec is not None and new_spec is not None
        pair = [old_spec, new_spec] if both else specs
        stats, delta = measure(
            [s for s in pair if s is not None], compare=both, max_bytes=max_bytes
        )
        computed = True
        if both:
            old, new = replace(old, cache=stats[0]), replace(new, cache=stats[1])
        elif old_spec is not None:
            old = replace(old, cache=stats[0])
        else:
            new = replace(new, cache=stats[0])
        if both and delta is None:
            delta_note = "the caches have different widths"
    old, new = replace(old, cache_note=old_note), replace(new, cache_note=new_note)
    if delta is None and delta_note is None:
        delta_note = "needs both caches computed" + ("" if real_caches else f": {REAL_CACHES_FLAG}")
    return DiffResult(
        mode=mode,
        model=model,
        length=length,
        old=old,
        new=new,
        delta=delta,
        delta_note=delta_note,
        differences=_differences(old, new, delta, mode),
        memory=Memory(budget=max_bytes, estimated=estimated, computed=computed),
    )


def diff_bare(
    params: BareParams, max_bytes: int = DEFAULT_MAX_BYTES, *, real_caches: bool = False
) -> DiffResult:
    sides = []
    for line in ("old", "new"):
        rot = bare_rotary(params, line)
        sides.append(Side(line=line, rotary=rot, formula=formula_for(rot, line)))
    return with_caches("bare", None, None, sides[0], sides[1], max_bytes, real_caches=real_caches)


def diff_model(
    raw: RawConfig,
    request: Request,
    max_bytes: int = DEFAULT_MAX_BYTES,
    length: int | None = None,
    *,
    real_caches: bool = False,
) -> DiffResult:
    """The pipeline twice, as old and as new vLLM; `request.vllm` is ignored."""
    sides = []
    for line in ("old", "new"):
        resolution = resolve(raw, replace(request, vllm=parse_vllm_version(line)))
        rot = resolution.rotary
        sides.append(
            Side(line=line, rotary=rot, formula=formula_for(rot, line), resolution=resolution)
        )
    return with_caches(
        "model", raw.model, length, sides[0], sides[1], max_bytes, real_caches=real_caches
    )


def diff_bare_lengths(
    params: BareParams,
    lengths: Sequence[int],
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    real_caches: bool = False,
) -> list[DiffResult]:
    """One bare diff per served length L (--lengths)."""
    return [
        replace(
            diff_bare(replace(params, max_position=n), max_bytes, real_caches=real_caches),
            length=n,
        )
        for n in lengths
    ]


def diff_model_lengths(
    raw: RawConfig,
    request: Request,
    lengths: Sequence[int],
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    real_caches: bool = False,
) -> list[DiffResult]:
    """One model diff per --max-model-len (--lengths)."""
    return [
        diff_model(raw, replace(request, max_model_len=n), max_bytes, n, real_caches=real_caches)
        for n in lengths
    ]


# --- --engine: another engine's answer beside old and new vLLM ---------------------------------
# Two bases are "the same formula" when they agree to this relative tolerance (the engines and
# vLLM compute θ' in float64 from the same closed forms; only rounding differs).
FORMULA_TOLERANCE = 1e-12
Verdict = Literal["old", "new", "old and new", "neither"]


@dataclass(frozen=True)
class EngineSide:
    """`diff --engine X[@V]`: X's answer (its θ' per input length, the longest input it serves and
    where that comes from, its cache, accepted/truncated/rejected) beside vLLM old and new, and
    which vLLM line's θ' it equals for each input."""

    result: EngineResult
    old: EngineResult  # vLLM old and new as engines (the same resolutions as the diff's sides)
    new: EngineResult
    equals: tuple[tuple[VllmLine, ...], ...]  # per result.lengths: the vLLM lines with its θ'
    verdict: Verdict | None  # over the inputs it serves; None when none has a numeric base


def _same_base(a: Base | str | None, b: Base | str | None) -> bool:
    if not isinstance(a, float) or not isinstance(b, float):
        return False
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return math.isclose(a, b, rel_tol=FORMULA_TOLERANCE, abs_tol=0.0)


def _verdict(equals: Sequence[tuple[VllmLine, ...]]) -> Verdict | None:
    if not equals:
        return None
    old = all("old" in lines for lines in equals)
    new = all("new" in lines for lines in equals)
    if old and new:
        return "old and new"
    if old:
        return "old"
    if new:
        return "new"
    return "neither"


def engine_side(result: EngineResult, old: EngineResult, new: EngineResult) -> EngineSide:
    """Which vLLM line's θ' (fixed at load) the engine's base for each input equals."""
    equals: list[tuple[VllmLine, ...]] = []
    served: list[tuple[VllmLine, ...]] = []
    pairs: tuple[tuple[VllmLine, EngineResult], ...] = (("old", old), ("new", new))
    for x in result.lengths:
        lines = tuple(line for line, r in pairs if _same_base(x.base, r.scaled_base))
        equals.append(lines)
        if x.accepted and isinstance(x.base, float):
            served.append(lines)
    return EngineSide(result, old, new, tuple(equals), _verdict(served))


def _vllm_engines(
    r: DiffResult, request: EngineRequest
) -> tuple[EngineResult, EngineResult] | None:
    if r.old.resolution is None or r.new.resolution is None:
        return None
    return (
        vllm_engine.result_from(r.old.resolution, request),
        vllm_engine.result_from(r.new.resolution, request),
    )


def diff_engine(
    raw: RawConfig, r: DiffResult, engine: Engine, version: str, request: EngineRequest
) -> EngineSide:
    """The engine beside a model diff: each input of `request.lengths` tokens on the engine
    (with the user's --max-model-len as its length limit) and on vLLM old and new."""
    result = engine.resolve(raw, request, version)
    sides = _vllm_engines(r, request)
    assert sides is not None, "diff --engine needs MODEL"
    return engine_side(result, *sides)


def diff_engine_lengths(
    raw: RawConfig,
    results: Sequence[DiffResult],
    engine: Engine,
    version: str,
    request: EngineRequest,
) -> list[EngineSide]:
    """--lengths: per row, one input of N tokens on the engine (at its own length limit) and on
    vLLM old and new started with max_model_len = N (as compare does)."""
    lengths = tuple(r.length for r in results if r.length is not None)
    result = engine.resolve(raw, replace(request, lengths=lengths, max_model_len=None), version)
    out = []
    for r, at in zip(results, result.lengths, strict=True):
        sides = _vllm_engines(r, replace(request, lengths=(at.len,), max_model_len=r.length))
        assert sides is not None, "diff --engine needs MODEL"
        out.append(engine_side(replace(result, lengths=(at,)), *sides))
    return out


__all__ = [
    "DIFF_TOLERANCE",
    "BareParams",
    "DiffResult",
    "EngineSide",
    "Formula",
    "Memory",
    "Side",
    "diff_bare",
    "diff_bare_lengths",
    "diff_engine",
    "diff_engine_lengths",
    "diff_model",
    "diff_model_lengths",
]
