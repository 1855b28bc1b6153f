"""Series for `ntkcli plot` (issue #8): θ' against the served length for vLLM new, vLLM old and the
model's own code, and the per-pair wavelengths 2π/inv_freq at one length. Pure: numbers only.

The vLLM lines come from the real pipeline (`resolve`), one resolution per length, so every quirk
of SPEC §4 (Nomic's T, old vLLM's L = T, refusals) is in the plot exactly as `inspect` reports it.
The reference line is SPEC §5: Nomic's code (`references.nomic_code`) for nomic_bert, else the
closed form of transformers' dynamic RoPE (`rope.ntk.inner_reference`); the `compare`
command is where transformers' own function is called. For a plot this is enough: the formula
and transformers agree to the last bit on the scalar base (both are Python floats).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ntkcli.errors import UsageError
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
from ntkcli.references.nomic_code import nomic_rope
from ntkcli.rope import ntk
from ntkcli.vllm.hf_config import HFConfig
from ntkcli.vllm.pipeline import resolve
from ntkcli.vllm.rope_params import config_theta, primary_layer
from ntkcli.vllm.versions import parse_vllm_version

# Only "ok" bases are plottable on a log axis; every other status is a gap in the plot.
Status = ntk.BaseStatus
SeriesKey = Literal["vllm_new", "vllm_old", "reference"]

DEFAULT_RANGE = (256, 32768)


_RANGE = re.compile(r"^\s*(\d+)\s*\.\.\s*(\d+)\s*$")


@dataclass(frozen=True)
class LengthSpec:
    """What `--lengths` asked for: a log-spaced range (landmarks added) or an explicit list."""

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
    key: SeriesKey = field(metadata=INTERNAL)
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


# -- lengths ------------------------------------------------------------------------------------


def _length(text: str, what: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_LENGTH:
        raise UsageError(f"{what}: {value} is not a length from 1 to {MAX_LENGTH}")
    return value


def parse_lengths(text: str | None) -> LengthSpec:
    """`A..B` (log-spaced, both ends included) or a comma list `512,1024,8192`."""
    if text is None or not text.strip():
        return LengthSpec()
    hint = "use a range such as 256..32768 or a list such as 512,1024,8192"
    match = _RANGE.match(text)
    if match:
        low, high = _length(match[1], "--lengths"), _length(match[2], "--lengths")
        if low >= high:
            raise UsageError(f"--lengths {text!r}: the range must go up (A < B)", hint=hint)
        return LengthSpec(low=low, high=high)
    parts = [p.strip() for p in text.split(",")]
    if not parts or not all(p.isascii() and p.isdigit() for p in parts):
        raise UsageError(f"--lengths {text!r} is neither A..B nor a comma list", hint=hint)
    values = sorted({_length(p, "--lengths") for p in parts})
    if len(values) < 2:
        raise UsageError(f"--lengths {text!r}: give at least two different lengths", hint=hint)
    if len(values) > MAX_POINTS:
        raise UsageError(f"--lengths: {len(values)} lengths, at most {MAX_POINTS}", hint=hint)
    return LengthSpec(explicit=tuple(values))


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


@dataclass(frozen=True)
class Reference:
    """The model's own code as numbers: θ, α (None: never scales), Y (the original length),
    whether X = N (Nomic) or max(N, Y) (transformers), and the rotary dim."""

    label: str
    description: str
    base: float | None
    factor: float | None
    original: int | None
    rotary_dim: int | None
    nomic: bool

    def point(self, length: int) -> BasePoint:
        if self.base is None or self.factor is None or self.original is None:
            return BasePoint(length, self.base, ntk.base_status(self.base), None, True, None)
        assert self.rotary_dim is not None
        base: Base
        if self.nomic:
            # Nomic's code: only for N > T strictly, X = N, Y = T (SPEC §5).
            rope = nomic_rope(self.base, self.rotary_dim, self.original, self.factor, length)
            base, inner = rope.scaled_base, rope.inner
        else:
            # transformers' dynamic: X = max(N, max_position_embeddings), Y = that (SPEC §5).
            inner = ntk.inner_reference(self.factor, max(length, self.original), self.original)
            base = ntk.scaled_base(self.base, inner, self.rotary_dim)
        return BasePoint(length, base, ntk.base_status(base), inner, True, None)


def reference_runtime(r: Resolution) -> Reference:
    """What the model's own code would do with the same config (flat and dict overrides applied
    as config attributes): Nomic's modelling code for nomic_bert, else transformers."""
    cfg = HFConfig(r.config_values)
    rot = r.rotary
    if r.nomic is not None and cfg.is_nomic:
        # Nomic's code reads rotary_emb_base, rotary_emb_fraction, rotary_scaling_factor and
        # max_trained_positions; it never reads rope_parameters, so a rope_parameters override
        # changes vLLM but not this line.
        theta = cfg.float_or_none("rotary_emb_base")
        fraction = cfg.float_or_none("rotary_emb_fraction") or 0.0
        head = rot.head_size if rot is not None else None
        dim = int(head * fraction) if head is not None else None
        scaling = cfg.float_or_none("rotary_scaling_factor")
        trained = cfg.int_or_none("max_trained_positions")
        if dim is None or dim <= 2 or dim % 2:
            return Reference(
                "Nomic's code",
                f"no usable rotary dim (rotary_emb_fraction {fraction:g})",
                None,
                None,
                None,
                dim,
                True,
            )
        if scaling:  # truthy: 1.0 counts, null/0/absent do not (SPEC §5)
            description = (
                f"dynamic NTK for N > T: θ {theta:g}, α {scaling:g} (rotary_scaling_factor), "
                f"T {trained}"
            )
            return Reference("Nomic's code", description, theta, scaling, trained, dim, True)
        description = f"plain RoPE θ {theta:g} (rotary_scaling_factor {scaling!r}: no scaling)"
        return Reference("Nomic's code", description, theta, None, None, dim, True)
    _, params = primary_layer(r.rope_parameters)
    theta_value = params.get("rope_theta")
    theta = (
        float(theta_value)
        if isinstance(theta_value, (int, float)) and not isinstance(theta_value, bool)
        else None
    )
    if theta is None:
        fallback = config_theta(cfg)
        theta = float(fallback) if fallback is not None else 10000.0
    dim = rot.rotary_dim if rot is not None else None
    factor = params.get("factor")
    mpe = cfg.int_or_none("max_position_embeddings")
    if (
        params.get("rope_type") == "dynamic"
        and "alpha" not in params
        and isinstance(factor, (int, float))
        and not isinstance(factor, bool)
        and mpe is not None
        and dim is not None
        and dim > 2
    ):
        description = (
            f"dynamic NTK per sequence: θ {theta:g}, α {factor:g}, max_position_embeddings {mpe}"
        )
        return Reference("transformers", description, theta, float(factor), mpe, dim, False)
    rope_type = params.get("rope_type") or "default"
    description = f"rope_type {rope_type}: θ {theta:g}, no dynamic scaling"
    return Reference("transformers", description, theta, None, None, dim, False)


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
    text = f"{rot.rope_class}, θ {rot.base:g}"
    if rot.dynamic_formula and rot.factor is not None:
        text += f", α {rot.factor:g}"
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
) -> PlotData:
    if not 2 <= points <= MAX_POINTS:
        raise UsageError(f"--points {points}: use 2 to {MAX_POINTS}")
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
    reference = reference_runtime(new)
    notes: list[str] = []

    # T and the zero crossing: vLLM new only has a fixed T when the rope parameters carry
    # max_trained_positions (NomicBert puts it there); otherwise T = L and the inner term is 1.
    trained: int | None = None
    trained_from: str | None = None
    zero: float | None = None
    if new.nomic is not None:
        trained, trained_from = new.nomic.trained_positions, new.nomic.trained_from
    elif reference.original is not None:
        trained, trained_from = reference.original, "max_position_embeddings"
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
    ref_label = f"reference: {reference.label}"
    series.append(
        Series(
            "reference",
            ref_label,
            reference.description,
            tuple(reference.point(n) for n in grid),
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
    ref_at = reference.point(chosen)
    waves.append(
        Wavelengths(
            "reference",
            ref_label,
            ref_at.base,
            ref_at.status,
            reference.rotary_dim,
            wavelengths(ref_at.base, reference.rotary_dim),
        )
    )
    dims = [w.rotary_dim for w in waves if w.rotary_dim is not None]
    if dims and max(dims) > MAX_ROTARY_DIM:
        notes.append(
            f"rotary dim {max(dims)} is past the per-dimension budget of {MAX_ROTARY_DIM}: "
            "wavelengths are not computed"
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
    )
