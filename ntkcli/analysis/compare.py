"""`compare`: one model × several lengths × the runtimes that rotate its tokens (issue #4).

For each model and length N this answers "does vLLM match the model's own code?":

- vLLM new and vLLM old, served with max_model_len = N (the pipeline of SPEC §4, unchanged);
- transformers 5.x, for a sequence of N tokens, by calling its own dynamic-RoPE function
  (SPEC §5; only when the model's rope_type is dynamic, so torch is imported only then);
- Nomic's modelling code, for nomic_bert configs (SPEC §5, references/nomic_code.py);
- the divergence of vLLM new from the model's reference runtime (Nomic's code for nomic_bert,
  transformers otherwise).

A second, shorter input of K tokens on the same server (see `ntkcli rule R05`) shows that
vLLM new's base is fixed by max_model_len while the references scale per sequence.

Divergence angle. Every runtime rotates position p, frequency i by angle(p, i) = p · inv_freq_i
with inv_freq_i = θ'^(−2i/d). So |Δangle(p, i)| = p · |Δinv_freq_i| grows with p, and its maximum
over positions p < N is exactly (N − 1) · max_i |inv_freq_vllm_i − inv_freq_ref_i|. inv_freq is
computed in float64 with `math`: this is the divergence of the two formulas, not float32 rounding
noise (which is below (N − 1) · 6e-8 rad), and it needs no tensor and no torch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ntkcli import sources
from ntkcli.engines.base import Engine, EngineRequest, EngineResult
from ntkcli.errors import NtkcliError
from ntkcli.model import MAX_ROTARY_DIM, Base, RawConfig, Request, Resolution, Source
from ntkcli.references.nomic_code import nomic_rope
from ntkcli.references.transformers_rope import DynamicRopeConfig, dynamic_base
from ntkcli.rope import ntk
from ntkcli.vllm.hf_config import HFConfig
from ntkcli.vllm.overrides import split_overrides
from ntkcli.vllm.pipeline import resolve
from ntkcli.vllm.rope_params import config_theta, primary_layer
from ntkcli.vllm.versions import parse_vllm_version

NEW = parse_vllm_version("new")
OLD = parse_vllm_version("old")
REFERENCE_LABELS = {"nomic": "Nomic's code", "transformers": "transformers"}
DEFAULT_THETA = 10000.0  # transformers' and vLLM's fallback θ when a config has none

Track = Callable[[Sequence[str]], Iterable[str]]


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuntimeColumn:
    """What one runtime rotates an input of `input_len` tokens with."""

    runtime: str  # "vllm_new" | "vllm_old" | "transformers" | "nomic"
    input_len: int  # tokens in the input
    scaled_base: Base | None  # θ' (θ for runtimes that do not rescale); None when unknown
    allowed: bool  # vLLM serves it (no refusal, input ≤ max_model_len); references always True
    cache_rows: int | None  # cos/sin cache rows; None when there is no cache (transformers)
    rotary_dim: int | None  # d
    rope: str  # what rotates: the vLLM class, "dynamic NTK", "plain RoPE"
    scaled: bool  # True when θ' comes from a dynamic-NTK formula in force for this input
    status: str = "ok"  # vLLM: allowed | refused | rejected | past cache end | garbage θ'
    max_model_len: int | None = None  # vLLM only: the server's max_model_len (None: refused)
    refusal: str | None = None  # vLLM only: "ValueError: …" when vLLM would refuse
    note: str | None = None  # past the cache end, reference failures, capture checks


@dataclass(frozen=True)
class Divergence:
    """How far vLLM new's rotation is from the reference runtime's, over positions < `positions`."""

    reference: str  # "nomic" | "transformers"
    positions: int  # positions 0 … positions − 1 are compared
    reference_base: Base | None  # the reference θ'
    relative_base: float | None  # (θ'_vLLM new − θ'_ref) / θ'_ref
    max_angle: float | None  # max |Δangle| in radians
    reason: str | None = None  # why the values are n/a, or how the reference θ' was obtained


@dataclass(frozen=True)
class Runtimes:
    vllm_new: RuntimeColumn
    vllm_old: RuntimeColumn
    transformers: RuntimeColumn | None
    nomic: RuntimeColumn | None


@dataclass(frozen=True)
class ShortInput:
    """SPEC R05: a K-token input on the server started with max_model_len = N."""

    length: int  # K
    runtimes: Runtimes
    divergence: Divergence


@dataclass(frozen=True)
class EngineAt:
    """One engine at one length: its result (all lengths) and its divergence from the
    reference runtime for an input of this length (the tokens it really uses)."""

    result: EngineResult
    length: int
    max_angle: float | None  # radians, over positions < tokens used; None when n/a
    reason: str | None = None


@dataclass(frozen=True)
class CompareRow:
    model: str
    length: int  # N: max_model_len and the input length
    runtimes: Runtimes
    reference: str  # "nomic" | "transformers"
    divergence: Divergence
    short: ShortInput | None  # None when K ≥ N (or --short 0)
    engines: tuple[EngineAt, ...] = ()


@dataclass(frozen=True)
class ModelComparison:
    model: str
    source: Source
    model_type: str
    rope_type: str  # vLLM new's normalised rope_type
    theta: float | None  # θ as the config gives it
    rotary_dim: int | None  # d, vLLM new
    reference: str
    notes: tuple[str, ...]
    rows: tuple[CompareRow, ...]
    engines: tuple[EngineResult, ...] = ()


@dataclass(frozen=True)
class Skipped:
    model: str
    reason: str


@dataclass(frozen=True)
class Comparison:
    lengths: tuple[int, ...]
    short: int  # K (0: off)
    models: tuple[ModelComparison, ...]
    skipped: tuple[Skipped, ...]


# -- divergence ----------------------------------------------------------------------------------
def inv_freq(base: Base | None, rotary_dim: int) -> tuple[float, ...] | str:
    """1 / θ'^(j/d), j = 0, 2, …, in float64; or why it cannot be computed (as inspect shows)."""
    status = ntk.base_status(base)
    if status == "unavailable":
        return "θ' unknown"
    if status in ("complex", "nan"):
        return f"θ' is {status}"
    if status == "inf":
        return f"θ' is {base!r}"
    if status != "ok":  # zero or negative
        return f"θ' is {base!r}: inv_freq is not finite"
    assert isinstance(base, float)
    if rotary_dim <= 0:
        return f"rotary dim is {rotary_dim}"
    if rotary_dim > MAX_ROTARY_DIM:
        return f"rotary dim {rotary_dim} is past the per-dimension budget of {MAX_ROTARY_DIM}"
    return ntk.inv_freq64(base, rotary_dim)


def divergence(
    vllm: RuntimeColumn,
    reference: str,
    ref_base: Base | None,
    ref_dim: int | None,
    positions: int,
    basis: str | None = None,
) -> Divergence:
    def na(reason: str) -> Divergence:
        return Divergence(reference, positions, ref_base, None, None, reason)

    if ref_base is None or ref_dim is None:
        return na(basis or "no reference θ'")
    if vllm.rotary_dim is None:
        return na("vLLM builds no rotary object")
    if vllm.rotary_dim != ref_dim:
        return na(f"rotary dims differ (vLLM {vllm.rotary_dim}, reference {ref_dim})")
    ours = inv_freq(vllm.scaled_base, vllm.rotary_dim)
    if isinstance(ours, str):
        return na(f"vLLM {ours}")
    theirs = inv_freq(ref_base, ref_dim)
    if isinstance(theirs, str):
        return na(f"reference {theirs}")
    assert isinstance(vllm.scaled_base, float) and isinstance(ref_base, float)
    relative = (vllm.scaled_base - ref_base) / ref_base
    widest = max((abs(a - b) for a, b in zip(ours, theirs, strict=True)), default=0.0)
    return Divergence(reference, positions, ref_base, relative, (positions - 1) * widest, basis)


# -- columns -------------------------------------------------------------------------------------
def vllm_column(runtime: str, r: Resolution, input_len: int) -> RuntimeColumn:
    rot = r.rotary
    refusal = None if r.refusal is None else f"{r.refusal.error}: {r.refusal.message}"
    allowed = r.refusal is None and r.max_model_len is not None and input_len <= r.max_model_len
    note, status = None, "allowed"
    # Only θ' is judged here: a dim within the budget gives the same verdict as the full one.
    bad_base = inv_freq(rot.scaled_base, min(rot.rotary_dim, MAX_ROTARY_DIM)) if rot else None
    if refusal is not None:
        status = "refused"
    elif r.max_model_len is not None and input_len > r.max_model_len:
        note = f"input longer than max_model_len {r.max_model_len}: vLLM rejects the request"
        status = "rejected"
    elif rot is not None and rot.cache_rows is not None and rot.cache_rows < input_len:
        note = f"positions ≥ {rot.cache_rows} are past the cache end (see `ntkcli rule R03`)"
        status = "past cache end"
    elif isinstance(bad_base, str):
        note = f"{bad_base}: the cos/sin cache is NaN/Inf or garbage (see `ntkcli rule R01`)"
        status = "garbage θ'"
    return RuntimeColumn(
        runtime=runtime,
        input_len=input_len,
        scaled_base=rot.scaled_base if rot else None,
        allowed=allowed,
        cache_rows=rot.cache_rows if rot else None,
        rotary_dim=rot.rotary_dim if rot else None,
        rope=rot.rope_class if rot else "—",
        scaled=bool(rot and rot.dynamic_formula),
        max_model_len=r.max_model_len,
        refusal=refusal,
        note=note,
        status=status,
    )


@dataclass(frozen=True)
class _Model:
    """Everything about one model that does not depend on the length."""

    raw: RawConfig
    cfg: HFConfig
    reference: str
    theta: float | None
    rope_type: str
    rotary_dim: int | None  # d as vLLM new builds it without overrides
    transformers: DynamicRopeConfig | str | None  # str: why it cannot be built
    nomic: tuple[float, int, int, float | None] | str | None  # θ, d, T, α (or why not)
    notes: tuple[str, ...]


def _transformers_input(cfg: HFConfig, params: dict[str, object]) -> DynamicRopeConfig | str:
    hidden = cfg.int_or_none("hidden_size")
    heads = cfg.int_or_none("num_attention_heads")
    mpe = cfg.int_or_none("max_position_embeddings")
    missing = [
        k
        for k, v in (
            ("hidden_size", hidden),
            ("num_attention_heads", heads),
            ("max_position_embeddings", mpe),
        )
        if v is None
    ]
    theta, factor, partial = (
        params.get("rope_theta"),
        params.get("factor"),
        params.get("partial_rotary_factor"),
    )
    if factor is None:
        missing.append("rope_parameters.factor")
    if missing:
        return f"cannot build a transformers config: {', '.join(missing)} missing"
    assert hidden is not None and heads is not None and mpe is not None
    head_dim = None if cfg.is_nomic else cfg.int_or_none("head_dim")
    if (head_dim or hidden // heads) > MAX_ROTARY_DIM:
        # transformers would build one inverse frequency per dimension pair: past the budget.
        return (
            f"head size {head_dim or hidden // heads} is past the per-dimension budget "
            f"({MAX_ROTARY_DIM}): the transformers column is not computed"
        )
    return DynamicRopeConfig(
        hidden_size=hidden,
        num_attention_heads=heads,
        head_dim=head_dim,
        max_position_embeddings=mpe,
        rope_theta=DEFAULT_THETA if theta is None else float(theta),  # type: ignore[arg-type]
        factor=float(factor),  # type: ignore[arg-type]
        partial_rotary_factor=None if partial is None else float(partial),  # type: ignore[arg-type]
    )


def _nomic_input(cfg: HFConfig) -> tuple[float, int, int, float | None] | str:
    """θ, d, T, α as Nomic's config class gives them (class defaults when absent, SPEC §2)."""
    base = cfg.float_or_none("rotary_emb_base")
    fraction = cfg.float_or_none("rotary_emb_fraction") or 0.0
    embd, heads = cfg.int_or_none("hidden_size"), cfg.int_or_none("num_attention_heads")
    trained = cfg.int_or_none("max_trained_positions")
    alpha = cfg.float_or_none("rotary_scaling_factor")
    if embd is None or heads is None or base is None or trained is None:
        return "n_embd, n_head, rotary_emb_base or max_trained_positions is missing"
    if embd // heads > MAX_ROTARY_DIM:
        return f"head size {embd // heads} is past the per-dimension budget ({MAX_ROTARY_DIM})"
    if not 0.0 < fraction <= 1.0:
        # Nomic's code computes int(fraction · head_dim): past 1 it rotates more dims than a head
        # has (or overflows), at or below 0 none.
        return f"no rotary embedding (rotary_emb_fraction {fraction!r} is outside (0, 1])"
    dim = int(embd // heads * fraction)
    if dim <= 0:
        return f"no rotary embedding (rotary_emb_fraction {fraction!r})"
    return base, dim, trained, alpha


def _prepare(raw: RawConfig, first: Resolution) -> _Model:
    cfg = HFConfig(raw.config)
    _, params = primary_layer(first.rope_parameters)
    rope_type = str(params.get("rope_type") or "default")
    notes: list[str] = []
    nomic = _nomic_input(cfg) if cfg.is_nomic else None
    if cfg.is_nomic:
        if not cfg.has("rotary_scaling_factor"):
            notes.append(
                "rotary_scaling_factor is absent: Nomic's class default null applies "
                "(it was 1.0 before May 2024, which would turn dynamic NTK on)"
            )
        elif cfg.get("rotary_scaling_factor"):
            notes.append(
                f"rotary_scaling_factor {cfg.get('rotary_scaling_factor')!r}: Nomic's code scales "
                f"inputs over T; vLLM ignores it (see `ntkcli rule R04`)"
            )
    if cfg.get("use_dynamic_ntk"):
        notes.append(
            "use_dynamic_ntk is set: the model's own remote code scales RoPE; vLLM does not "
            "apply it and ntkcli does not model that code (see `ntkcli rule R13`)"
        )
    transformers = _transformers_input(cfg, params) if rope_type == "dynamic" else None
    # θ as transformers 5 standardises it (SPEC §3: rope_parameters.rope_theta, else the
    # config's rope_theta / rotary_emb_base); vLLM's normalisation is that same standardisation.
    theta = params.get("rope_theta")
    if isinstance(theta, bool) or not isinstance(theta, (int, float)):
        theta = config_theta(cfg)
    return _Model(
        raw=raw,
        cfg=cfg,
        reference="nomic" if cfg.is_nomic else "transformers",
        theta=None if theta is None else float(theta),
        rope_type=rope_type,
        rotary_dim=first.rotary.rotary_dim if first.rotary else None,
        transformers=transformers,
        nomic=nomic,
        notes=tuple(notes),
    )


def transformers_column(m: _Model, input_len: int) -> RuntimeColumn | None:
    if m.transformers is None:
        return None
    if isinstance(m.transformers, str):
        return RuntimeColumn(
            "transformers",
            input_len,
            None,
            True,
            None,
            None,
            "dynamic NTK",
            False,
            note=m.transformers,
        )
    try:
        result = dynamic_base(m.transformers, input_len)
    except ImportError:
        # The plain install has no torch: this column needs the reference extra; the divergence
        # falls back to the closed form of the same function (pure Python).
        return RuntimeColumn(
            "transformers", input_len, None, True, None, None, "dynamic NTK",
            input_len > m.transformers.max_position_embeddings,
            note="needs torch and transformers: pip install 'ntkcli[reference]'",
        )  # fmt: skip
    note = result.error
    if note is None and not result.inv_freq_matches:
        note = "check failed: inv_freq returned ≠ 1/θ'^(2i/d) recomputed in float32"
    mpe = m.transformers.max_position_embeddings
    return RuntimeColumn(
        runtime="transformers",
        input_len=input_len,
        scaled_base=result.scaled_base,
        allowed=True,  # transformers has no length limit for dynamic RoPE
        cache_rows=None,  # cos/sin are computed per forward from position ids: no cache
        rotary_dim=result.rotary_dim,
        rope="dynamic NTK",
        scaled=input_len > mpe,
        note=note,
    )


def nomic_column(m: _Model, input_len: int) -> RuntimeColumn | None:
    if m.nomic is None:
        return None
    if isinstance(m.nomic, str):
        return RuntimeColumn("nomic", input_len, None, True, None, None, "—", False, note=m.nomic)
    base, dim, trained, alpha = m.nomic
    try:
        rope = nomic_rope(base, dim, trained, alpha, input_len)
    except ZeroDivisionError:
        return RuntimeColumn(
            "nomic", input_len, None, True, None, dim, "dynamic NTK", False,
            note="ZeroDivisionError: d − 2 = 0 in the NTK exponent",
        )  # fmt: skip
    return RuntimeColumn(
        runtime="nomic",
        input_len=input_len,
        scaled_base=rope.scaled_base,
        allowed=True,  # Nomic's code has no length limit (sentence-transformers may truncate)
        cache_rows=rope.cache_rows,
        rotary_dim=rope.rotary_dim,
        rope="dynamic NTK" if rope.dynamic else "plain RoPE",
        scaled=rope.applied,
        note=None if not rope.dynamic or rope.applied else f"N ≤ T = {trained}: θ unscaled",
    )


def _divergence(m: _Model, runtimes: Runtimes, positions: int) -> Divergence:
    ref = runtimes.nomic if m.reference == "nomic" else runtimes.transformers
    if (
        ref is not None
        and ref.scaled_base is None
        and isinstance(m.transformers, DynamicRopeConfig)
        and m.rotary_dim is not None
    ):
        # transformers' dynamic RoPE in closed form (SPEC §5) when its function cannot be run.
        cfg = m.transformers
        inner = ntk.inner_reference(
            cfg.factor, max(positions, cfg.max_position_embeddings), cfg.max_position_embeddings
        )
        closed = (
            cfg.rope_theta
            if positions <= cfg.max_position_embeddings
            else (ntk.scaled_base(cfg.rope_theta, inner, m.rotary_dim))
        )
        return divergence(
            runtimes.vllm_new, m.reference, closed, m.rotary_dim, positions,
            "closed form of transformers' dynamic RoPE (torch not installed)",
        )  # fmt: skip
    if ref is not None:
        return divergence(
            runtimes.vllm_new, m.reference, ref.scaled_base, ref.rotary_dim, positions, ref.note
        )
    if m.rope_type == "default":
        # transformers' default RoPE does not rescale θ: the reference θ' is the config's θ.
        theta = DEFAULT_THETA if m.theta is None else m.theta
        return divergence(
            runtimes.vllm_new,
            m.reference,
            theta,
            runtimes.vllm_new.rotary_dim,
            positions,
            "transformers' default RoPE: θ unscaled (not called)",
        )
    return Divergence(
        m.reference, positions, None, None, None,
        f"no reference modelled for rope_type {m.rope_type!r}",
    )  # fmt: skip


def runtimes_at(m: _Model, new: Resolution, old: Resolution, input_len: int) -> Runtimes:
    return Runtimes(
        vllm_new=vllm_column("vllm_new", new, input_len),
        vllm_old=vllm_column("vllm_old", old, input_len),
        transformers=transformers_column(m, input_len),
        nomic=nomic_column(m, input_len),
    )


@dataclass(frozen=True)
class VllmOptions:
    """What the user asks of the engines besides the length. The flat hf_overrides are also
    applied to the reference runtime's config, as config attributes (as plot does): the model's
    own code reads the edited config."""

    hf_overrides: Mapping[str, Any] = field(default_factory=dict)
    allow_long_max_model_len: bool = False
    trust_remote_code: bool = False  # SPEC §2.2: which config class vLLM builds
    engines: tuple[tuple[Engine, str], ...] = ()
    transformers: str | None = None  # None: each engine's own default (vLLM: 5)


def _engine_at(
    result: EngineResult,
    length: int,
    reference_at: Callable[[int], Divergence],
    rotary_dim: int | None,
) -> EngineAt:
    """The engine's divergence from the reference runtime for an input of `length` tokens, at
    the tokens the engine really uses (a truncated input is compared with the reference run on
    the truncated input, not on N tokens)."""
    at = next((x for x in result.lengths if x.len == length), None)
    if at is None or not at.accepted:
        return EngineAt(result, length, None, None if at is None else at.status)
    ref = reference_at(at.tokens_used)
    base = at.base
    if isinstance(base, str) or base is None:
        return EngineAt(result, length, None, base or "no base")
    if ref.reference_base is None or rotary_dim is None:
        return EngineAt(result, length, None, ref.reason or "no reference θ'")
    ours, theirs = inv_freq(base, rotary_dim), inv_freq(ref.reference_base, rotary_dim)
    if isinstance(ours, str) or isinstance(theirs, str):
        return EngineAt(result, length, None, ours if isinstance(ours, str) else str(theirs))
    widest = max((abs(a - b) for a, b in zip(ours, theirs, strict=True)), default=0.0)
    return EngineAt(result, length, (at.tokens_used - 1) * widest)


def _reference_at(
    model: _Model, new: Resolution, old: Resolution, length: int, at_length: Divergence
) -> Callable[[int], Divergence]:
    """The reference runtime's divergence for an input of n tokens (n ≤ N: an engine that
    truncates the N-token input uses n)."""

    def at(n: int) -> Divergence:
        if n == length:
            return at_length
        return _divergence(model, runtimes_at(model, new, old, n), n)

    return at


def reference_raw(raw: RawConfig, overrides: Mapping[str, Any]) -> RawConfig:
    """The config the model's own code reads: config.json with the flat overrides set."""
    flat, _ = split_overrides(overrides)
    if not flat:
        return raw
    return RawConfig(raw.model, raw.source, {**raw.config, **flat}, raw.st_config, raw.st_file)


def compare_model(
    raw: RawConfig, lengths: Sequence[int], short: int, vllm: VllmOptions | None = None
) -> ModelComparison:
    """All rows for one loaded model (loaded once, resolved once per length and vLLM line)."""
    vllm = vllm or VllmOptions()
    # The model's own rope type and θ: no overrides, vLLM's default length.
    trust, transformers = vllm.trust_remote_code, vllm.transformers or "5"
    ref_raw = reference_raw(raw, vllm.hf_overrides)
    model = _prepare(
        ref_raw,
        resolve(ref_raw, Request(vllm=NEW, trust_remote_code=trust, transformers=transformers)),
    )
    request = EngineRequest(
        lengths=tuple(lengths),
        hf_overrides=vllm.hf_overrides,
        allow_long_max_model_len=vllm.allow_long_max_model_len,
        transformers=vllm.transformers,
        trust_remote_code=trust,
    )
    # Each engine serves the server's default length (max_model_len unset); vLLM's own columns
    # above are served at max_model_len = N.
    results = [engine.resolve(raw, request, version) for engine, version in vllm.engines]
    rows: list[CompareRow] = []
    for length in lengths:
        new, old = (
            resolve(
                raw,
                Request(
                    vllm=line,
                    max_model_len=length,
                    hf_overrides=vllm.hf_overrides,
                    allow_long_max_model_len=vllm.allow_long_max_model_len,
                    trust_remote_code=trust,
                    transformers=transformers,
                ),
            )
            for line in (NEW, OLD)
        )
        runtimes = runtimes_at(model, new, old, length)
        short_input = None
        if 0 < short < length:
            at_k = runtimes_at(model, new, old, short)
            short_input = ShortInput(short, at_k, _divergence(model, at_k, short))
        div = _divergence(model, runtimes, length)
        ref_dim = runtimes.vllm_new.rotary_dim or model.rotary_dim
        rows.append(
            CompareRow(
                model=raw.model,
                length=length,
                runtimes=runtimes,
                reference=model.reference,
                divergence=div,
                short=short_input,
                engines=tuple(
                    _engine_at(r, length, _reference_at(model, new, old, length, div), ref_dim)
                    for r in results
                ),
            )
        )
    notes = model.notes
    if vllm.hf_overrides:
        notes += (
            "--hf-overrides are applied to the reference runtime's config too, as if config.json "
            "had been edited",
        )
    return ModelComparison(
        model=raw.model,
        source=raw.source,
        model_type=model.cfg.model_type,
        rope_type=model.rope_type,
        theta=model.theta,
        rotary_dim=model.rotary_dim,
        reference=model.reference,
        notes=notes,
        rows=tuple(rows),
        engines=tuple(results),
    )


# -- many models ---------------------------------------------------------------------------------
def fetches_from_hub(models: Sequence[str], opts: sources.HubOptions) -> int:
    """How many of `models` are Hub ids (not bundled snapshots, not local paths)."""
    return 0 if opts.bundled else sum(not sources.looks_like_path(m) for m in models)


def compare(
    models: Sequence[str],
    opts: sources.HubOptions,
    lengths: Sequence[int],
    short: int,
    vllm: VllmOptions,
    *,
    skip_failures: bool,
    track: Track,
) -> Comparison:
    """Load each model once (through `track`, which may show progress), then compare it.

    With `skip_failures` (every bundled snapshot), a model that cannot be loaded or resolved is
    listed in `skipped` with its one-line reason; otherwise the error propagates (exit 3)."""
    loaded: list[RawConfig] = []
    skipped: list[Skipped] = []
    for name in track(models):
        try:
            loaded.append(sources.load(name, opts))
        except NtkcliError as exc:
            if not skip_failures:
                raise
            skipped.append(Skipped(name, exc.message))
    compared: list[ModelComparison] = []
    for raw in loaded:
        try:
            compared.append(compare_model(raw, lengths, short, vllm))
        except NtkcliError as exc:
            if not skip_failures:
                raise
            skipped.append(Skipped(raw.model, exc.message))
    return Comparison(tuple(lengths), short, tuple(compared), tuple(skipped))
