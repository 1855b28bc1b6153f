"""Series for `ntkcli plot` (issue #8): θ' against the served length for vLLM new, vLLM old and the
model's own code, and the per-pair wavelengths 2π/inv_freq at one length. Pure: numbers only.

The vLLM lines come from the real pipeline (`resolve`), one resolution per length, so every quirk
of SPEC §4 (Nomic's T, old vLLM's L = T, refusals) is in the plot exactly as `inspect` reports it.
The reference line is the model's own code (SPEC §5) as `engines.reference` derives it, the same
derivation `compare` uses: Nomic's code for nomic_bert, else transformers' rotary module (the
closed form of its dynamic RoPE, which agrees with transformers to the last bit on the scalar
base; `compare` is where transformers' own function is also called).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ntkcli.engines.base import Engine, EngineRequest, EngineResult, LengthResult
from ntkcli.engines.reference import Reference, ReferenceRequest, reference, transformers_major
from ntkcli.fields import INTERNAL, Prop, json_field
from ntkcli.model import (
    DEFAULT_POINTS,
    MAX_LENGTH,
    MAX_POINTS,
    MAX_ROTARY_DIM,
    Base,
    RawConfig,
    Request,
    Resolution,
    VllmLine,
)
from ntkcli.numbers import compact
from ntkcli.rope import ntk
from ntkcli.vllm.pipeline import resolve
from ntkcli.vllm.rope_params import primary_layer
from ntkcli.vllm.versions import parse_vllm_version

# Only "ok" bases are plottable on a log axis; every other status is a gap in the plot.
Status = ntk.BaseStatus
SeriesKey = Literal["vllm_new", "vllm_old", "reference"]

DEFAULT_RANGE = (256, 32768)


@dataclass(frozen=True)
class LengthSpec:
    """The lengths asked for: a log-spaced range (landmarks added) or an explicit list; the
    default range when neither is given."""

    low: int | None = None
    high: int | None = None
    explicit: tuple[int, ...] = ()

    @property
    def is_default(self) -> bool:
        return self.low is None and not self.explicit


@dataclass(frozen=True)
class BasePoint:
    """θ' of one runtime at one length (L for vLLM, N for the reference)."""

    length: int = field(metadata=json_field(unit="tokens"))
    base: Base | None = field(  # exactly as computed: float, complex, or None
        metadata=json_field("scaled_base_exact", props=(Prop("scaled_base", "plottable"),))
    )
    status: Status
    inner: float | None = field(metadata=json_field("inner_term"))  # dynamic-NTK inner term
    allowed: bool  # vLLM accepts this max_model_len (always True for the reference)
    refusal: str | None  # "ValueError: …" when vLLM would refuse

    @property
    def plottable(self) -> float | None:
        """θ' when it is a finite positive real, else null (a gap in the chart)."""
        return self.base if self.status == "ok" and isinstance(self.base, float) else None


@dataclass(frozen=True)
class Series:
    key: SeriesKey | str = field(metadata=INTERNAL)  # engine series (--engine): "NAME@VERSION"
    label: str
    description: str  # which class / code path, θ, α, T
    points: tuple[BasePoint, ...]


@dataclass(frozen=True)
class Wavelengths:
    """2π/inv_freq_i, i = 0 … d/2−1, in float64 (inv_freq_i = 1/θ'^(2i/d)); None when θ' is not
    a positive real (then vLLM's inv_freq is [1, inf, …] or complex: no wavelength exists)."""

    key: SeriesKey = field(metadata=INTERNAL)
    label: str
    base: Base | None = field(metadata=json_field("scaled_base"))
    status: Status
    rotary_dim: int | None
    values: tuple[float, ...] | None = field(metadata=json_field("wavelengths", unit="tokens"))
    allowed: bool = True  # vLLM accepts max_model_len = the chosen length


@dataclass(frozen=True)
class PlotData:
    model: str
    hf_overrides: Mapping[str, Any]
    base: float | None  # θ as vLLM's get_rope sees it (new, default length)
    factor: float | None  # α of vLLM's rope parameters, when dynamic
    rotary_dim: int | None
    trained_length: int | None = field(metadata=json_field(unit="tokens"))  # T, or original L
    trained_length_from: str | None
    zero_crossing: float | None = field(metadata=json_field(unit="tokens"))  # T·(α−1)/α, new
    default_max_model_len: Mapping[str, int | None]  # "new"/"old" → None when vLLM refuses
    lengths: tuple[int, ...] = field(metadata=json_field(unit="tokens"))
    series: tuple[Series, ...] = field(metadata=json_field(mapping="key"))
    at: int = field(metadata=json_field(group="wavelengths", unit="tokens"))
    wavelengths: tuple[Wavelengths, ...] = field(
        metadata=json_field("series", group="wavelengths", mapping="key")
    )
    notes: tuple[str, ...]
    engines: tuple[Series, ...] = field(
        default=(),
        metadata=json_field(mapping="key", description="--engine: each engine's θ' per length"),
    )


# -- lengths ------------------------------------------------------------------------------------


def log_lengths(low: int, high: int, points: int) -> list[int]:
    """`points` integer lengths spaced evenly on a log axis from low to high (deduplicated)."""
    if points < 2:
        return [low, high]
    step = math.log(high / low) / (points - 1)
    values = {round(low * math.exp(step * i)) for i in range(points)}
    return sorted(values | {low, high})


def _grid(spec: LengthSpec, points: int, landmarks: Sequence[float]) -> tuple[int, ...]:
    """The lengths to evaluate. A range also gets the landmarks inside it (T, the zero
    crossing — floor and ceil when it is not an integer —, default max_model_len, --at), so the
    exact cliff appears in the series. The default range widens to hold every landmark."""
    if spec.explicit:
        return spec.explicit
    marks = [m for m in landmarks if m > 0]
    if spec.low is None or spec.high is None:
        low, high = DEFAULT_RANGE
        if marks:
            low = max(1, min(low, math.floor(min(marks) / 2)))
            high = min(MAX_LENGTH, max(high, math.ceil(max(marks) * 2)))
    else:
        low, high = spec.low, spec.high
    extra = {v for m in marks for v in (math.floor(m), math.ceil(m)) if low <= v <= high}
    return tuple(sorted(set(log_lengths(low, high, points)) | extra))


# -- one point ----------------------------------------------------------------------------------


def _vllm_point(
    raw: RawConfig, request: Request, length: int, allow_long: bool
) -> tuple[BasePoint, Resolution]:
    """θ' at max_model_len = length, and whether vLLM allows it. A refused length still has its
    θ': the pipeline describes the rotary object it would have built (built=False)."""
    resolution = resolve(
        raw, replace(request, max_model_len=length, allow_long_max_model_len=allow_long)
    )
    rot = resolution.rotary
    base = rot.scaled_base if rot is not None else None
    refusal = resolution.refusal
    point = BasePoint(
        length=length,
        base=base,
        status=ntk.base_status(base),
        inner=rot.inner if rot is not None else None,
        allowed=refusal is None,
        refusal=None if refusal is None else f"{refusal.error}: {refusal.message}",
    )
    return point, resolution


# -- the reference runtime (SPEC §5) ------------------------------------------------------------


def reference_point(ref: Reference, length: int) -> BasePoint:
    """The reference runtime's θ' for an input of `length` tokens, as a plot point."""
    p = ref.point(length)
    return BasePoint(length, p.base, ntk.base_status(p.base), p.inner, True, None)


# -- other engines (--engine) --------------------------------------------------------------------


def _engine_point(at: LengthResult) -> BasePoint:
    base = at.base if not isinstance(at.base, str) else None
    status = ntk.base_status(base)
    reason = at.base if isinstance(at.base, str) else at.note
    refusal = None if at.accepted else (reason or at.status)
    return BasePoint(at.len, base, status, None, at.accepted, refusal)


def engine_series(result: EngineResult) -> Series:
    """One engine's θ' for an input of each length, as the engines registry resolves it (the
    server at its default length, the input as long as the point)."""
    key = f"{result.engine.name}@{result.engine.version}"
    if result.refusal is not None:
        description = f"refuses the config: {result.refusal.error}: {result.refusal.message}"
    else:
        limit = "no limit" if result.max_len is None else f"serves ≤ {result.max_len}"
        description = f"{result.rope_class or 'no rotary'}, θ {result.base}; {limit}"
        description += f"; {result.scaling}"
    points = tuple(_engine_point(at) for at in result.lengths)
    if result.refusal is not None:
        refusal = f"{result.refusal.error}: {result.refusal.message}"
        points = tuple(replace(p, refusal=refusal) for p in points)
    return Series(key, key, description, points)


# -- wavelengths --------------------------------------------------------------------------------


def wavelengths(base: Base | None, rotary_dim: int | None) -> tuple[float, ...] | None:
    """2π / inv_freq_i with inv_freq_i = 1/θ'^(2i/d), float64 (SPEC §4.5 uses float32 for the
    cache; float64 here because this is a picture of the geometry, not of the cache)."""
    if ntk.base_status(base) != "ok" or rotary_dim is None or rotary_dim < 2:
        return None
    if rotary_dim > MAX_ROTARY_DIM:  # the budget: a note says so (plot_data)
        return None
    assert isinstance(base, float)
    return tuple(2 * math.pi / f for f in ntk.inv_freq64(base, rotary_dim))


# -- everything ---------------------------------------------------------------------------------


LINES: tuple[tuple[VllmLine, SeriesKey], ...] = (("new", "vllm_new"), ("old", "vllm_old"))
LABELS: Mapping[SeriesKey, str] = {
    "vllm_new": "vLLM new (≥ 0.22)",
    "vllm_old": "vLLM old (≤ 0.21)",
    "reference": "reference",
}


def _describe_vllm(r: Resolution) -> str:
    rot = r.rotary
    if rot is None:
        return "no rotary object"
    text = f"{rot.rope_class}, θ {compact(rot.base)}"
    if rot.dynamic_formula and rot.factor is not None:
        text += f", α {compact(rot.factor)}"
        text += f", T {rot.trained_positions}" if rot.trained_positions else ""
    if r.nomic is not None and r.request.vllm.line == "old":
        text += f"; L = T = {r.nomic.trained_positions} at any max_model_len"
    return text


def _default_len(r: Resolution) -> int | None:
    return r.max_model_len if r.refusal is None else None


def plot_data(
    raw: RawConfig,
    hf_overrides: Mapping[str, Any],
    *,
    lengths: LengthSpec,
    points: int = DEFAULT_POINTS,
    at: int | None = None,
    allow_long: bool = False,
    dtype: str = "float32",
    trust_remote_code: bool = False,
    transformers: str = "5",
    engines: Sequence[tuple[Engine, str]] = (),
    engine_transformers: str | None = None,
) -> PlotData:
    if not 2 <= points <= MAX_POINTS:
        raise ValueError(f"{points} points: a range takes 2 to {MAX_POINTS}")
    requests = {
        line: Request(
            vllm=parse_vllm_version(line),
            hf_overrides=hf_overrides,
            allow_long_max_model_len=allow_long,
            dtype=dtype,
            trust_remote_code=trust_remote_code,
            transformers=transformers,
        )
        for line in ("new", "old")
    }
    defaults = {line: resolve(raw, req) for line, req in requests.items()}
    new = defaults["new"]
    rot = new.rotary
    major = transformers_major(transformers)
    ref = reference(raw.config, ReferenceRequest(hf_overrides, trust_remote_code, major))
    notes: list[str] = []

    # T and the zero crossing: vLLM new only has a fixed T when the rope parameters carry
    # max_trained_positions (NomicBert puts it there); otherwise T = L and the inner term is 1.
    trained: int | None = None
    trained_from: str | None = None
    zero: float | None = None
    if new.nomic is not None:
        trained, trained_from = new.nomic.trained_positions, new.nomic.trained_from
    elif ref.original is not None:
        trained, trained_from = ref.original, "max_position_embeddings"
    if rot is not None and rot.dynamic_formula and rot.factor is not None:
        _, params = primary_layer(new.rope_parameters)
        if rot.trained_positions is not None and "max_trained_positions" in params:
            crossing = ntk.zero_crossing(rot.factor, rot.trained_positions)
            zero = crossing if crossing > 0 else None
        elif rot.trained_positions is not None:
            notes.append(
                "vLLM new: no max_trained_positions in the rope parameters, so T = L at every "
                "length and θ' = θ"
            )
    default_len = {line: _default_len(r) for line, r in defaults.items()}
    chosen = at if at is not None else (default_len["new"] or new.requested_len or 2048)
    landmarks = [
        float(v) for v in (trained, zero, default_len["new"], default_len["old"], chosen) if v
    ]
    grid = _grid(lengths, points, landmarks)

    series: list[Series] = []
    at_resolutions: dict[str, Resolution] = {}
    at_points: dict[str, BasePoint] = {}
    for line, key in LINES:
        pts = []
        for length in grid:
            point, _ = _vllm_point(raw, requests[line], length, allow_long)
            pts.append(point)
        at_points[line], at_resolutions[line] = _vllm_point(raw, requests[line], chosen, allow_long)
        series.append(Series(key, LABELS[key], _describe_vllm(defaults[line]), tuple(pts)))
    ref_label = f"reference: {ref.label}"
    series.append(
        Series(
            "reference", ref_label, ref.description, tuple(reference_point(ref, n) for n in grid)
        )
    )

    waves: list[Wavelengths] = []
    for line, key in LINES:
        r = at_resolutions[line]
        base = r.rotary.scaled_base if r.rotary is not None else None
        dim = r.rotary.rotary_dim if r.rotary is not None else None
        waves.append(
            Wavelengths(
                key,
                LABELS[key],
                base,
                ntk.base_status(base),
                dim,
                wavelengths(base, dim),
                at_points[line].allowed,
            )
        )
    ref_at = reference_point(ref, chosen)
    waves.append(
        Wavelengths(
            "reference",
            ref_label,
            ref_at.base,
            ref_at.status,
            ref.rotary_dim,
            wavelengths(ref_at.base, ref.rotary_dim),
        )
    )
    dims = [w.rotary_dim for w in waves if w.rotary_dim is not None]
    if dims and max(dims) > MAX_ROTARY_DIM:
        notes.append(
            f"rotary dim {max(dims)} is past the per-dimension budget of {MAX_ROTARY_DIM}: "
            "wavelengths are not computed"
        )
    request = EngineRequest(
        lengths=grid,
        hf_overrides=hf_overrides,
        allow_long_max_model_len=allow_long,
        transformers=engine_transformers,
        dtype=dtype,
        trust_remote_code=trust_remote_code,
    )
    engine_lines = tuple(
        engine_series(engine.resolve(raw, request, version)) for engine, version in engines
    )
    return PlotData(
        model=raw.model,
        hf_overrides=dict(hf_overrides),
        base=rot.base if rot is not None else None,
        factor=rot.factor if rot is not None and rot.dynamic_formula else None,
        rotary_dim=rot.rotary_dim if rot is not None else None,
        trained_length=trained,
        trained_length_from=trained_from,
        zero_crossing=zero,
        default_max_model_len=default_len,
        lengths=grid,
        series=tuple(series),
        at=chosen,
        wavelengths=tuple(waves),
        notes=tuple(notes),
        engines=engine_lines,
    )
