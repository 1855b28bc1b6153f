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
from dataclasses import dataclass, field, replace
from typing import Any

from ntkcli import sources
from ntkcli.engines.base import Engine, EngineRequest, EngineResult
from ntkcli.engines.reference import (
    LABELS,
    Reference,
    ReferenceRequest,
    reference,
    transformers_major,
    transformers_view,
)
from ntkcli.errors import EXIT_INPUT, EXIT_OK, NtkcliError
from ntkcli.fields import INTERNAL, Prop, json_field
from ntkcli.model import MAX_ROTARY_DIM, Base, RawConfig, Request, Resolution, Source
from ntkcli.references.transformers_rope import dynamic_base
from ntkcli.rope import ntk
from ntkcli.vllm.overrides import split_overrides
from ntkcli.vllm.pipeline import resolve
from ntkcli.vllm.rope_params import primary_layer
from ntkcli.vllm.versions import parse_vllm_version

NEW = parse_vllm_version("new")
OLD = parse_vllm_version("old")
REFERENCE_LABELS: Mapping[str, str] = LABELS

Track = Callable[[Sequence[str]], Iterable[str]]


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuntimeColumn:
    """What one runtime rotates an input of `input_len` tokens with."""

    runtime: str = field(metadata=INTERNAL)  # "vllm_new" | "vllm_old" | "transformers" | "nomic"
    input_len: int = field(metadata=json_field(unit="tokens"))  # tokens in the input
    scaled_base: Base | None = field(metadata=json_field(description="θ' (θ: no rescaling)."))
    allowed: bool  # vLLM serves it (no refusal, input ≤ max_model_len); references always True
    cache_rows: int | None = field(metadata=json_field(unit="tokens"))  # None: no cache
    rotary_dim: int | None  # d
    rope: str  # what rotates: the vLLM class, "dynamic NTK", "plain RoPE"
    scaled: bool  # True when θ' comes from a dynamic-NTK formula in force for this input
    status: str = "ok"  # vLLM: allowed | refused | rejected | past cache end | garbage θ'
    max_model_len: int | None = field(default=None, metadata=json_field(unit="tokens"))  # vLLM
    refusal: str | None = None  # vLLM only: "ValueError: …" when vLLM would refuse
    note: str | None = None  # past the cache end, reference failures, capture checks


@dataclass(frozen=True)
class Divergence:
    """How far vLLM new's rotation is from the reference runtime's, over positions < `positions`."""

    reference: str  # "nomic" | "transformers"
    positions: int = field(metadata=json_field(unit="tokens"))  # positions 0 … positions − 1
    reference_base: Base | None = field(metadata=json_field("reference_scaled_base"))
    relative_base: float | None  # (θ'_vLLM new − θ'_ref) / θ'_ref
    max_angle: float | None = field(metadata=json_field("max_angle_rad", unit="radians"))
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

    length: int = field(metadata=json_field("len", unit="tokens"))  # K
    runtimes: Runtimes
    divergence: Divergence


@dataclass(frozen=True)
class EngineAt:
    """One engine at one length: its result (all lengths) and its divergence from the
    reference runtime for an input of this length (the tokens it really uses)."""

    result: EngineResult = field(metadata=json_field(flatten=True))
    length: int = field(metadata=INTERNAL)
    max_angle: float | None = field(metadata=json_field("divergence_rad", unit="radians"))
    reason: str | None = field(default=None, metadata=json_field("divergence_reason"))


@dataclass(frozen=True)
class CompareRow:
    model: str
    length: int = field(metadata=json_field("len", unit="tokens"))  # N: max_model_len, input
    runtimes: Runtimes
    reference: str  # "nomic" | "transformers"
    divergence: Divergence
    short: ShortInput | None  # None when K ≥ N (or --short 0)
    engines: tuple[EngineAt, ...] = ()


@dataclass(frozen=True)
class ModelComparison:
    model: str = field(metadata=INTERNAL)
    source: Source = field(metadata=json_field(attr="kind"))
    model_type: str
    rope_type: str  # vLLM new's normalised rope_type
    theta: float | None = field(metadata=INTERNAL)  # θ as the config gives it
    rotary_dim: int | None = field(metadata=INTERNAL)  # d, vLLM new
    reference: str = field(metadata=INTERNAL)
    notes: tuple[str, ...]
    rows: tuple[CompareRow, ...] = field(metadata=INTERNAL)
    engines: tuple[EngineResult, ...] = field(default=(), metadata=INTERNAL)


@dataclass(frozen=True)
class Skipped:
    model: str
    reason: str


@dataclass(frozen=True)
class Unreadable:
    """An input that could not be loaded or compared (as validate reports it): the run goes on
    with the others and exits 3 at the end."""

    model: str = field(
        metadata=json_field(
            description="the input as given",
            props=(Prop("input", "model", description="the input as given"),),
        )
    )
    message: str = field(metadata=json_field(group="error", description="what went wrong"))
    hint: str | None = field(
        default=None, metadata=json_field(group="error", description="what to do about it")
    )


@dataclass(frozen=True)
class Comparison:
    lengths: tuple[int, ...]
    short: int  # K (0: off)
    models: tuple[ModelComparison, ...]
    skipped: tuple[Skipped, ...]
    unreadable: tuple[Unreadable, ...] = ()

    @property
    def exit_code(self) -> int:
        """3 when an input was unreadable (the run is incomplete), else 0."""
        return EXIT_INPUT if self.unreadable else EXIT_OK


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
    model_type: str
    reference: Reference  # the model's own code (engines.reference, SPEC §5)
    transformers: Reference | None  # transformers' dynamic RoPE; None unless rope_type dynamic
    theta: float | None
    rope_type: str
    rotary_dim: int | None  # d as vLLM new builds it without overrides
    notes: tuple[str, ...]


def _prepare(raw: RawConfig, first: Resolution, request: ReferenceRequest) -> _Model:
    """The reference runtime and transformers' view of the edited config, derived once."""
    ref = reference(raw.config, request)
    view = ref if ref.kind == "transformers" else transformers_view(raw.config, request)
    _, params = primary_layer(first.rope_parameters)
    rope_type = str(params.get("rope_type") or "default")
    # θ as transformers 5 standardises it (SPEC §3: rope_parameters.rope_theta, else the
    # config's rope_theta / rotary_emb_base); vLLM's normalisation is that same standardisation.
    theta = params.get("rope_theta")
    if isinstance(theta, bool) or not isinstance(theta, (int, float)):
        theta = ref.theta
    return _Model(
        raw=raw,
        model_type=first.model_type,
        reference=ref,
        transformers=view if view.rope_type == "dynamic" else None,
        theta=None if theta is None else float(theta),
        rope_type=rope_type,
        rotary_dim=first.rotary.rotary_dim if first.rotary else None,
        notes=ref.notes if ref.kind == "nomic" else view.notes,
    )


def transformers_column(m: _Model, input_len: int) -> RuntimeColumn | None:
    """transformers' own dynamic-RoPE function for an input of `input_len` tokens."""
    view = m.transformers
    if view is None:
        return None
    values = view.dynamic_input
    if values is None:
        return RuntimeColumn(
            "transformers", input_len, None, True, None, None, "dynamic NTK", False,
            note=view.reason,
        )  # fmt: skip
    head = values.head_dim or values.hidden_size // values.num_attention_heads
    if head > MAX_ROTARY_DIM:
        # transformers would build one inverse frequency per dimension pair: past the budget.
        return RuntimeColumn(
            "transformers", input_len, None, True, None, None, "dynamic NTK", False,
            note=f"head size {head} is past the per-dimension budget ({MAX_ROTARY_DIM}): the "
            "transformers column is not computed",
        )  # fmt: skip
    scaled = view.point(input_len).applied
    try:
        result = dynamic_base(values, input_len)
    except ImportError:
        # The plain install has no torch: this column needs the reference extra; the divergence
        # uses the closed form of the same function (pure Python).
        return RuntimeColumn(
            "transformers", input_len, None, True, None, None, "dynamic NTK", scaled,
            note="needs torch and transformers: pip install 'ntkcli[reference]'",
        )  # fmt: skip
    note = result.error
    if note is None and not result.inv_freq_matches:
        note = "check failed: inv_freq returned ≠ 1/θ'^(2i/d) recomputed in float32"
    return RuntimeColumn(
        runtime="transformers",
        input_len=input_len,
        scaled_base=result.scaled_base,
        allowed=True,  # transformers has no length limit for dynamic RoPE
        cache_rows=None,  # cos/sin are computed per forward from position ids: no cache
        rotary_dim=result.rotary_dim,
        rope="dynamic NTK",
        scaled=scaled,
        note=note,
    )


def nomic_column(m: _Model, input_len: int) -> RuntimeColumn | None:
    ref = m.reference
    if ref.kind != "nomic":
        return None
    if ref.reason is not None:
        reason = ref.reason
        return RuntimeColumn("nomic", input_len, None, True, None, None, "—", False, note=reason)
    point = ref.point(input_len)
    rope = "dynamic NTK" if ref.dynamic else "plain RoPE"
    note = point.reason
    if note is None and ref.dynamic and not point.applied:
        note = f"N ≤ T = {ref.original}: θ unscaled"
    return RuntimeColumn(
        runtime="nomic",
        input_len=input_len,
        scaled_base=point.base,
        allowed=True,  # Nomic's code has no length limit (sentence-transformers may truncate)
        cache_rows=None if point.base is None else input_len,  # fresh process: N rows
        rotary_dim=ref.rotary_dim,
        rope=rope,
        scaled=point.applied and point.base is not None,
        note=note,
    )


def _divergence(m: _Model, runtimes: Runtimes, positions: int) -> Divergence:
    """vLLM new against the reference runtime's θ' for `positions` tokens (the same θ' as
    plot's reference series: one derivation)."""
    ref = m.reference
    column = runtimes.nomic if ref.kind == "nomic" else runtimes.transformers
    point = ref.point(positions)
    if point.base is None:
        reason = point.reason or "no reference θ'"
        if column is not None and column.note:
            reason = column.note
        return Divergence(ref.kind, positions, None, None, None, reason)
    basis = column.note if column is not None else None
    if ref.kind == "transformers" and not ref.dynamic:
        basis = "transformers' default RoPE: θ unscaled (not called)"
    elif column is not None and column.runtime == "transformers" and column.scaled_base is None:
        basis = "closed form of transformers' dynamic RoPE (torch not installed)"
    # A config without the sizes transformers derives d from: compare at vLLM's d.
    dim = ref.rotary_dim if ref.rotary_dim is not None else runtimes.vllm_new.rotary_dim
    return divergence(runtimes.vllm_new, ref.kind, point.base, dim, positions, basis)


def runtimes_at(m: _Model, new: Resolution, old: Resolution, input_len: int) -> Runtimes:
    return Runtimes(
        vllm_new=vllm_column("vllm_new", new, input_len),
        vllm_old=vllm_column("vllm_old", old, input_len),
        transformers=transformers_column(m, input_len),
        nomic=nomic_column(m, input_len),
    )


@dataclass(frozen=True)
class VllmOptions:
    """What the user asks of the engines besides the length. The hf_overrides are also applied
    to the reference runtime's config, as if config.json had been edited (engines.reference, the
    same derivation as plot's): the model's own code reads the edited config."""

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


def compare_model(
    raw: RawConfig, lengths: Sequence[int], short: int, vllm: VllmOptions | None = None
) -> ModelComparison:
    """All rows for one loaded model (loaded once, resolved once per length and vLLM line)."""
    vllm = vllm or VllmOptions()
    # The model's own rope type and θ: no overrides, vLLM's default length.
    trust, transformers = vllm.trust_remote_code, vllm.transformers or "5"
    flat, _ = split_overrides(vllm.hf_overrides)
    ref_raw = replace(raw, config={**raw.config, **flat}) if flat else raw
    model = _prepare(
        raw,
        resolve(ref_raw, Request(vllm=NEW, trust_remote_code=trust, transformers=transformers)),
        ReferenceRequest(vllm.hf_overrides, trust, transformers_major(transformers)),
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
                reference=model.reference.kind,
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
        model_type=model.model_type,
        rope_type=model.rope_type,
        theta=model.theta,
        rotary_dim=model.rotary_dim,
        reference=model.reference.kind,
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
    listed in `skipped` with its one-line reason; otherwise it is `unreadable` (message and hint,
    as validate reports an input), and the others are still compared."""
    loaded: list[tuple[str, RawConfig]] = []
    skipped: list[Skipped] = []
    unreadable: list[Unreadable] = []

    def failed(name: str, message: str, hint: str | None) -> None:
        if skip_failures:
            skipped.append(Skipped(name, message))
        else:
            unreadable.append(Unreadable(name, message, hint))

    for name in track(models):
        try:
            loaded.append((name, sources.load(name, opts)))
        except NtkcliError as exc:
            failed(name, exc.message, exc.hint)
    compared: list[ModelComparison] = []
    for name, raw in loaded:
        try:
            compared.append(compare_model(raw, lengths, short, vllm))
        except NtkcliError as exc:
            failed(raw.model if skip_failures else name, exc.message, exc.hint)
        except (OSError, RuntimeError, ValueError, ArithmeticError, TypeError, KeyError) as exc:
            # One input ntkcli cannot handle is that input's result, never the end of the run
            # (as validate).
            why = getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"
            failed(
                name,
                f"could not compare {name}: {str(why)[:200]}",
                "if the file is a valid config, please report it via "
                "https://pypi.org/project/ntkcli/",
            )
    return Comparison(tuple(lengths), short, tuple(compared), tuple(skipped), tuple(unreadable))
