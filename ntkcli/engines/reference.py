"""The model's reference runtime, one derivation for compare, plot and validate (SPEC §5).

"What does the model's own code do with an input of N tokens?" For `nomic_bert` that is Nomic's
modelling code (`references.nomic_code`): it reads rotary_emb_base, rotary_emb_fraction,
rotary_scaling_factor and max_trained_positions from Nomic's own config class (its class
defaults when absent) and never reads rope_parameters. For every other model it is transformers:
the config object AutoConfig builds (`configs.config_object`, standardised rope parameters) and
the rotary module transformers builds from it (dynamic NTK per sequence, SPEC §5; default RoPE
never rescales θ; other rope types are not modelled here).

Overrides are applied as if config.json had been edited (each key replaces the file's value), so
the reference reads the same edited config the user asked vLLM to serve. Pure: no torch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ntkcli.configs.config_object import ConfigObject, LoadRefusal, is_number
from ntkcli.errors import ConfigError
from ntkcli.model import DEFAULT_THETA, Base
from ntkcli.numbers import compact
from ntkcli.references.nomic_code import nomic_rope
from ntkcli.references.transformers_rope import DynamicRopeConfig
from ntkcli.rope import ntk

Kind = Literal["nomic", "transformers"]
LABELS: Mapping[str, str] = {"nomic": "Nomic's code", "transformers": "transformers"}
# Nomic's remote config class, named the way auto_map names it (SPEC §2.3); the config layer
# holds its aliases and defaults.
_NOMIC_CLASS = {"AutoConfig": "configuration_hf_nomic_bert.NomicBertConfig"}
_ROPE_DICTS = ("rope_scaling", "rope_parameters")
ZERO_DIVISION = "ZeroDivisionError: d − 2 = 0 in the NTK exponent"


@dataclass(frozen=True)
class ReferenceRequest:
    """What the user asked besides the length: overrides, trust_remote_code, transformers."""

    hf_overrides: Mapping[str, Any] = field(default_factory=dict)
    trust_remote_code: bool = False
    transformers_major: int = 5


@dataclass(frozen=True)
class ReferencePoint:
    """θ' for an input of `length` tokens."""

    length: int
    base: Base | None  # None when unknown (then `reason` says why)
    inner: float | None  # the dynamic-NTK inner term, when the scaling is in force
    applied: bool  # the dynamic scaling is in force at this length
    reason: str | None = None


@dataclass(frozen=True)
class Reference:
    """The model's own code as numbers, independent of N."""

    kind: Kind
    description: str  # which code path, θ, α, original length
    theta: float | None  # θ
    factor: float | None  # α; None: this runtime never rescales θ
    original: int | None  # T (Nomic's max_trained_positions) or max_position_embeddings
    rotary_dim: int | None  # d
    rope_type: str  # "dynamic", "default", … (Nomic: "dynamic" when α is truthy)
    reason: str | None = None  # why θ' is unknown at every length
    notes: tuple[str, ...] = ()
    dynamic_input: DynamicRopeConfig | None = None  # what transformers' own function is given

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def dynamic(self) -> bool:
        return self.factor is not None

    def point(self, n: int) -> ReferencePoint:
        if self.reason is not None or self.theta is None:
            return ReferencePoint(n, None, None, False, self.reason or "no θ")
        if self.factor is None or self.original is None:
            return ReferencePoint(n, self.theta, None, False)
        assert self.rotary_dim is not None
        if self.kind == "nomic":
            # Nomic's code: only for N > T strictly, X = N, Y = T (SPEC §5).
            try:
                rope = nomic_rope(self.theta, self.rotary_dim, self.original, self.factor, n)
            except ZeroDivisionError:
                return ReferencePoint(n, None, None, True, ZERO_DIVISION)
            return ReferencePoint(n, rope.scaled_base, rope.inner, rope.applied)
        # transformers' dynamic: X = max(N, mpe), Y = mpe; recomputed only past mpe (SPEC §5).
        # The rotary module also computes it once at init (X = mpe): with d = 2 the exponent
        # d / (d − 2) raises before any forward, whatever N (ENGINES.md §4(c)/(d)).
        if self.rotary_dim == 2:
            return ReferencePoint(n, None, None, n > self.original, ZERO_DIVISION)
        if n <= self.original:
            return ReferencePoint(n, self.theta, None, False)
        inner = ntk.inner_reference(self.factor, n, self.original)
        return ReferencePoint(n, ntk.scaled_base(self.theta, inner, self.rotary_dim), inner, True)

    def base_at(self, n: int) -> Base | None:
        return self.point(n).base


# -- the edited config ---------------------------------------------------------------------------
def edited_config(config: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """config.json as if the user had edited it with the overrides (each key replaces the file's
    value). A rope_parameters override replaces the rope wholesale, as vLLM applies it: a
    rope_scaling left in the file would otherwise win at load."""
    edited = {**config, **overrides}
    if isinstance(overrides.get("rope_parameters"), Mapping):
        edited.pop("rope_scaling", None)
    return edited


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(cfg: ConfigObject, key: str) -> float | None:
    """A finite number or None; ConfigError naming the key otherwise. Only Nomic's class is read
    here, and it declares every key asked (SPEC §2.3): no default needed."""
    value = cfg.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(
            # the overrides are already in the values: where the value sits is config.json
            f"config.json: '{key}' must be a finite number, got {_describe(value)}",
            hint=f"fix '{key}' in the config or override it with --hf-overrides",
        )
    return float(value)


def _int(cfg: ConfigObject, key: str) -> int | None:
    """A length of at least 1 or None (absent or null); ConfigError naming the key otherwise."""
    value = cfg.get(key, None)
    return None if value is None else cfg.length(key, minimum=1)


# -- Nomic's code --------------------------------------------------------------------------------
def _nomic_config(values: Mapping[str, Any]) -> ConfigObject:
    """Nomic's own config class for these values (whatever auto_map says): the class the
    modelling code is built with. It never reads the rope dicts, so they are left out."""
    kept = {k: v for k, v in values.items() if k not in _ROPE_DICTS}
    return ConfigObject({**kept, "auto_map": _NOMIC_CLASS}, trust_remote_code=True)


def nomic_reference(values: Mapping[str, Any]) -> Reference:
    """Nomic's modelling code for the (edited) config `values`."""
    cfg = _nomic_config(values)
    theta = _number(cfg, "rotary_emb_base")
    fraction = _number(cfg, "rotary_emb_fraction") or 0.0
    embd, heads = _int(cfg, "hidden_size"), _int(cfg, "num_attention_heads")
    trained = _int(cfg, "max_trained_positions")
    alpha = _number(cfg, "rotary_scaling_factor")
    notes: list[str] = []
    if "rotary_scaling_factor" not in values:
        notes.append(
            "rotary_scaling_factor is absent: Nomic's class default null applies "
            "(it was 1.0 before May 2024, which would turn dynamic NTK on)"
        )
    elif values["rotary_scaling_factor"]:
        notes.append(
            f"rotary_scaling_factor {values['rotary_scaling_factor']!r}: Nomic's code scales "
            f"inputs over T; vLLM ignores it (see `ntkcli rule R04`)"
        )

    def fail(reason: str) -> Reference:
        return Reference("nomic", reason, theta, None, None, None, "—", reason, tuple(notes))

    if embd is None or heads is None or theta is None or trained is None:
        return fail("n_embd, n_head, rotary_emb_base or max_trained_positions is missing")
    if not 0.0 < fraction <= 1.0:
        # Nomic's code computes int(fraction · head_dim): past 1 it rotates more dims than a head
        # has (or overflows), at or below 0 none.
        return fail(f"no rotary embedding (rotary_emb_fraction {fraction!r} is outside (0, 1])")
    dim = int(embd // heads * fraction)
    if dim <= 0:
        return fail(f"no rotary embedding (rotary_emb_fraction {fraction!r})")
    if alpha:  # truthy: 1.0 counts, null/0/absent do not (SPEC §5)
        description = (
            f"dynamic NTK for N > T: θ {compact(theta)}, α {compact(alpha)} "
            f"(rotary_scaling_factor), T {trained}"
        )
        return Reference(
            "nomic", description, theta, alpha, trained, dim, "dynamic", notes=tuple(notes)
        )
    description = f"plain RoPE θ {compact(theta)} (rotary_scaling_factor {alpha!r}: no scaling)"
    return Reference("nomic", description, theta, None, None, dim, "default", notes=tuple(notes))


# -- transformers --------------------------------------------------------------------------------
def _transformers_config(values: Mapping[str, Any], request: ReferenceRequest) -> ConfigObject:
    """AutoConfig's object for `values`. A model type transformers has no native class for is
    read through its remote class (or, without auto_map, the generic one): the rope keys are
    the same attributes there."""
    major = request.transformers_major
    try:
        return ConfigObject(
            values, trust_remote_code=request.trust_remote_code, transformers_major=major
        )
    except LoadRefusal as exc:
        if exc.cause != "no_native_class":
            raise
    try:
        return ConfigObject(values, trust_remote_code=True, transformers_major=major)
    except LoadRefusal as exc:
        if exc.cause != "no_native_class":
            raise
    generic = {k: v for k, v in values.items() if k != "model_type"}  # no model type: generic
    return ConfigObject(generic, transformers_major=major)


def transformers_reference(values: Mapping[str, Any], request: ReferenceRequest) -> Reference:
    """transformers' rotary module for the (edited) config `values`."""
    notes: tuple[str, ...] = ()
    if values.get("use_dynamic_ntk"):
        notes = (
            "use_dynamic_ntk is set: the model's own remote code scales RoPE; vLLM does not "
            "apply it and ntkcli does not model that code (see `ntkcli rule R13`)",
        )
    try:
        cfg = _transformers_config(values, request)
    except LoadRefusal as exc:
        reason = f"transformers does not load this config: {exc.error}: {exc.message}"
        return Reference("transformers", reason, None, None, None, None, "—", reason, notes)
    params: Mapping[str, Any] = cfg.rope_parameters or {}
    if params and all(isinstance(v, Mapping) for v in params.values()):
        params = next(iter(params.values()))  # per layer type: the first one is described
    rope_type = str(params.get("rope_type") or params.get("type") or "default")
    theta_value = params.get("rope_theta", cfg.get("rope_theta", None))
    theta = float(theta_value) if is_number(theta_value) else DEFAULT_THETA
    hidden, heads = _int(cfg, "hidden_size"), _int(cfg, "num_attention_heads")
    head_value = cfg.get("head_dim", None)
    head_dim = int(head_value) if is_number(head_value) and head_value > 0 else None
    head = head_dim or (hidden // heads if hidden and heads else None)
    partial = params.get("partial_rotary_factor", cfg.get("partial_rotary_factor", None))
    partial_f = float(partial) if is_number(partial) else None
    dim: int | None = head
    if head is not None and partial_f is not None:
        # a factor so large that head·factor is inf has no rotary dim (int() would raise)
        product = head * partial_f
        dim = int(product) if math.isfinite(product) else None

    def refused(reason: str) -> Reference:
        return Reference("transformers", reason, theta, None, None, dim, rope_type, reason, notes)

    if rope_type == "default":
        description = f"rope_type default: θ {compact(theta)}, no dynamic scaling"
        return Reference(
            "transformers", description, theta, None, None, dim, rope_type, notes=notes
        )
    if rope_type != "dynamic":
        return refused(f"no reference modelled for rope_type {rope_type!r}")
    factor_value = params.get("factor")
    mpe = _int(cfg, "max_position_embeddings")
    if hidden is None or heads is None or mpe is None or factor_value is None or dim is None:
        named = (
            ("hidden_size", hidden),
            ("num_attention_heads", heads),
            ("max_position_embeddings", mpe),
            ("rope_parameters.factor", factor_value),
        )
        missing = ", ".join(k for k, v in named if v is None) or "head_dim"
        return refused(f"cannot build a transformers config: {missing} missing")
    if not is_number(factor_value):
        return refused(f"rope_parameters.factor {_describe(factor_value)} is not a number")
    factor = float(factor_value)
    description = (
        f"dynamic NTK per sequence: θ {compact(theta)}, α {compact(factor)}, "
        f"max_position_embeddings {mpe}"
    )
    dynamic_input = DynamicRopeConfig(
        hidden_size=hidden,
        num_attention_heads=heads,
        head_dim=head_dim,
        max_position_embeddings=mpe,
        rope_theta=theta,
        factor=factor,
        partial_rotary_factor=partial_f,
    )
    return Reference(
        "transformers", description, theta, factor, mpe, dim, rope_type, None, notes, dynamic_input
    )


def transformers_major(text: str | None) -> int:
    """The major of a --transformers value ("5", "4", "4.57.6"); 5 when unset."""
    return 4 if text is not None and text.strip().startswith("4") else 5


# -- the model's own code ------------------------------------------------------------------------
def is_nomic(config: Mapping[str, Any]) -> bool:
    return config.get("model_type") == "nomic_bert"


def reference(config: Mapping[str, Any], request: ReferenceRequest | None = None) -> Reference:
    """The model's reference runtime for config.json `config` with the request's overrides:
    Nomic's code for nomic_bert, transformers otherwise."""
    request = request or ReferenceRequest()
    values = edited_config(config, request.hf_overrides)
    if is_nomic(values):
        return nomic_reference(values)
    return transformers_reference(values, request)


def transformers_view(
    config: Mapping[str, Any], request: ReferenceRequest | None = None
) -> Reference:
    """transformers' rotary module for the edited config, whatever the model's own code is
    (compare shows it beside Nomic's code)."""
    request = request or ReferenceRequest()
    return transformers_reference(edited_config(config, request.hf_overrides), request)
