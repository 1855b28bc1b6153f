"""transformers 5.x, native classes: RoPE per forward (ENGINES.md §4).

The model has no length limit of its own: cos/sin are computed for whatever positions a forward
gets. `default` rotates with θ at every length; `dynamic` rescales per forward,
θ' = θ·(α·max(N, mpe)/mpe − (α − 1))^(d/(d−2)), and only when N > mpe (dynamic_rope_update
recomputes inv_freq only past the cached length). Computed here in float64 from the formula of
`_compute_dynamic_ntk_parameters`, without importing transformers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ntkcli.configs.config_object import ConfigObject, LoadRefusal, is_number, primary_rope
from ntkcli.engines.base import (
    ConfigClassInfo,
    EngineId,
    EngineRefusal,
    EngineRequest,
    EngineResult,
    FixedVersions,
    LengthResult,
    LengthStatus,
    edited_config,
)
from ntkcli.model import DEFAULT_THETA, Base, RawConfig
from ntkcli.rope import ntk

VERSION = "5.19.0"
TABLE = VERSION  # the class-facts table of the config layer these answers use (SGLang's pin)
EVIDENCE = (
    "transformers 5.19 rules (AutoConfig and the model's RotaryEmbedding, as run on CPU); "
    "computed here without importing transformers"
)


@dataclass(frozen=True)
class ForwardRope:
    """What transformers' rotary module does with a config, independent of N."""

    rope_class: str
    rope_type: str
    theta: float
    rotary_dim: int | None
    mpe: int | None
    factor: float | None
    refusal: EngineRefusal | None = None
    note: str | None = None

    @property
    def dynamic(self) -> bool:
        return self.rope_type == "dynamic"

    def base_at(self, n: int) -> Base | str | None:
        """The base a forward of n tokens rotates with."""
        if not self.dynamic:
            return self.fixed_base()
        if self.mpe is None or self.factor is None or self.rotary_dim is None:
            return None
        if n <= self.mpe:
            return self.theta
        inner = ntk.inner_reference(self.factor, n, self.mpe)  # max(N, mpe) = N here
        return ntk.scaled_base(self.theta, inner, self.rotary_dim)

    def fixed_base(self) -> Base | str | None:
        """θ' fixed at load: None when it is decided per forward (dynamic)."""
        if self.dynamic:
            return None
        if self.rope_type == "default":
            return self.theta
        d = self.rotary_dim or 0
        if self.rope_type == "yarn" and self.factor is not None and d not in (0, 2):
            # The effective base of the last frequency (interpolated by 1/α):
            # θ_eff^(−(d−2)/d) = θ^(−(d−2)/d) / α. Not one base for all frequencies. A rotary
            # dim of 2 has one frequency, θ^0 = 1 whatever θ: no effective base (transformers'
            # yarn builds it without error).
            effective: float = self.theta * self.factor ** (d / (d - 2))
            return effective
        if self.rope_type == "linear":
            return self.theta  # positions are divided by α; the base is θ
        return f"{self.rope_type}: no single base"


def load_config(
    config: Mapping[str, Any],
    *,
    major: int = 5,
    table: str = TABLE,
    trust_remote_code: bool = False,
) -> ConfigObject | EngineRefusal:
    """AutoConfig.from_pretrained(trust_remote_code=...) under transformers `table`: the config
    layer's object, or what it raises (as the engine prints it)."""
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        # AutoConfig: "Unrecognized model in ... Should have a `model_type` key"
        return EngineRefusal("ValueError", "Unrecognized model: config.json has no model_type")
    try:
        return ConfigObject(
            config,
            trust_remote_code=trust_remote_code,
            transformers_major=major,
            table_version=table,
        )
    except LoadRefusal as exc:
        return EngineRefusal(exc.error, exc.message)


def remote_note(cfg: ConfigObject) -> tuple[str, ...]:
    """A remote config class (trust_remote_code): the model's own code is not modelled."""
    if cfg.origin != "remote":
        return ()
    return (
        f"remote config class {cfg.remote_ref}: the model's own modelling code is not modelled; "
        "RoPE described from the config's keys (best effort)",
    )


def class_info(cfg: ConfigObject) -> ConfigClassInfo:
    return ConfigClassInfo(cfg.class_name, "remote" if cfg.origin == "remote" else "native")


def int_attr(cfg: ConfigObject, name: str) -> int | None:
    """getattr(config, name, None) when it is a number, as an int."""
    value = cfg.get(name, None)
    return int(value) if is_number(value) else None


def mpe(cfg: ConfigObject) -> int | None:
    return int_attr(cfg, "max_position_embeddings")


def theta(cfg: ConfigObject) -> float:
    """θ: rope_parameters' rope_theta (transformers 5 folds it in), else the JSON's top-level
    rope_theta (transformers 4 keeps it), else Nomic's remote rotary_emb_base, else 10000."""
    params, _ = primary_rope(cfg.rope_parameters)
    value = (params or {}).get("rope_theta", cfg.get("rope_theta", None))
    if is_number(value):
        return float(value)
    if cfg.origin == "remote" and is_number(cfg.get("rotary_emb_base", None)):
        return float(cfg.get("rotary_emb_base"))  # Nomic's remote class: its θ attribute
    # PretrainedConfig's: a class with a default θ of its own always builds rope_parameters
    # holding it (SPEC-loading 2'.3, R-S2); the classes left (BERT's, remote ones) have none.
    return DEFAULT_THETA


def head_dim(cfg: ConfigObject) -> int | None:
    """head_dim as the model code uses it: the class's (JSON value or hidden // heads); native
    NomicBert always divides hidden_size by num_attention_heads."""
    head = int_attr(cfg, "head_dim")
    if head is not None and cfg.model_type != "nomic_bert":
        return head
    hidden, heads = int_attr(cfg, "hidden_size"), int_attr(cfg, "num_attention_heads")
    if hidden is None or not heads:
        return None
    return hidden // heads


def rotary_dim(cfg: ConfigObject) -> int | None:
    head = head_dim(cfg)
    if head is None:
        return None
    params, _ = primary_rope(cfg.rope_parameters)
    partial = (params or {}).get("partial_rotary_factor")
    if partial is None:
        partial = cfg.get("partial_rotary_factor", None)
    return int(head * float(partial)) if is_number(partial) else head


def forward_rope(tf: ConfigObject) -> ForwardRope:
    """The rotary module transformers 5 builds for `tf`, or the exception it raises."""
    rope_class = tf.class_name.replace("Config", "RotaryEmbedding")
    if rope_class == "PretrainedRotaryEmbedding":
        rope_class = "RotaryEmbedding (modeling_rope_utils)"
    params, nested = primary_rope(tf.rope_parameters)
    params = params or {}
    rope_type = str(params.get("rope_type") or "default")
    factor_value = params.get("factor")
    factor = float(factor_value) if is_number(factor_value) else None
    rope = ForwardRope(rope_class, rope_type, theta(tf), rotary_dim(tf), mpe(tf), factor)
    note = "per-layer rope parameters: the first layer type is described" if nested else None
    known = ("default", "dynamic", "linear", "yarn", "llama3", "longrope", "proportional")
    if rope_type not in known:
        # ROPE_INIT_FUNCTIONS[rope_type]
        return ForwardRope(
            **{**rope.__dict__, "refusal": EngineRefusal("KeyError", repr(rope_type))}
        )
    if rope_type == "dynamic" and "factor" in params and factor_value is None:
        refusal = EngineRefusal(
            "TypeError", "unsupported operand type(s) for *: 'NoneType' and 'int'"
        )
        # The rotary module's __init__ already computes the dynamic θ' once (seq_len = mpe), so
        # the model is never built: measured on transformers 5.24 (ENGINES.md §4(e) says "at
        # forward"; either way no length is served).
        note = "raised when the model is built: the rotary module multiplies a null factor"
        return ForwardRope(**{**rope.__dict__, "refusal": refusal, "note": note})
    if rope_type == "dynamic" and factor is not None and rope.rotary_dim == 2:
        # The rotary module's __init__ runs _compute_dynamic_ntk_parameters once (seq_len = mpe):
        # the exponent dim / (dim - 2) of two ints is Python's ZeroDivisionError, so the model
        # is never built and no length is served (ENGINES.md §4(c)/(d); e = d/(d−2), SPEC §1).
        refusal = EngineRefusal("ZeroDivisionError", "division by zero")
        note = (
            "raised when the model is built: with a rotary dim of 2 the exponent d/(d−2) "
            "divides by zero"
        )
        return ForwardRope(**{**rope.__dict__, "refusal": refusal, "note": note})
    return ForwardRope(**{**rope.__dict__, "note": note})


def rope_lengths(
    rope: ForwardRope, lengths: tuple[int, ...], limit: int | None
) -> tuple[LengthResult, ...]:
    """Per input: truncated to `limit` (sentence-transformers) or served whole."""
    rows = []
    for n in lengths:
        if rope.refusal is not None:
            rows.append(LengthResult(n, None, False, 0, "refused"))
            continue
        used = n if limit is None else min(n, limit)
        status: LengthStatus = "truncated" if used < n else "accepted"
        note = f"truncated to {used}" if used < n else None
        rows.append(LengthResult(n, rope.base_at(used), True, used, status, note))
    return tuple(rows)


def fixed_base(rope: ForwardRope) -> Base | str | None:
    """θ' fixed at load: None when it is decided per forward (dynamic)."""
    return rope.fixed_base()


def load(raw: RawConfig, request: EngineRequest) -> ConfigObject | EngineRefusal:
    config = edited_config(raw.config, request.hf_overrides)
    return load_config(config, trust_remote_code=request.trust_remote_code)


def refused(
    name: str,
    version: str,
    evidence: str,
    refusal: EngineRefusal,
    lengths: tuple[int, ...],
    class_name: str = "—",
) -> EngineResult:
    return EngineResult(
        engine=EngineId(name, version),
        config_class=ConfigClassInfo(class_name, "native"),
        max_len=None,
        max_len_key=None,
        refusal=refusal,
        rope_class=None,
        base=None,
        scaled_base=None,
        cache_shape=None,
        lengths=tuple(LengthResult(n, None, False, 0, "refused") for n in lengths),
        scaling="none",
        evidence=evidence,
    )


def overrides_note(request: EngineRequest) -> tuple[str, ...]:
    if not request.hf_overrides:
        return ()
    return ("overrides applied to config.json as if the file had been edited",)


class TransformersEngine(FixedVersions):
    name = "transformers"
    label = "transformers"
    versions = (VERSION,)

    def resolve(self, raw: RawConfig, request: EngineRequest, version: str) -> EngineResult:
        tf = load(raw, request)
        if isinstance(tf, EngineRefusal):
            return refused(self.name, version, EVIDENCE, tf, request.lengths)
        rope = forward_rope(tf)
        notes = [*overrides_note(request), *remote_note(tf)]
        if tf.model_type == "nomic_bert" and tf.origin == "native":
            notes.append(
                "native NomicBertConfig: n_positions, rotary_emb_base and rotary_scaling_factor "
                "are not read (mpe and θ are the class's)"
            )
        if rope.note:
            notes.append(rope.note)
        return EngineResult(
            engine=EngineId(self.name, version),
            config_class=class_info(tf),
            max_len=None,
            max_len_key="no limit: cos/sin are computed for any position",
            refusal=rope.refusal,
            rope_class=f"{rope.rope_class}, {rope.rope_type}",
            base=rope.theta,
            scaled_base=None if rope.refusal else fixed_base(rope),
            cache_shape=None,
            lengths=rope_lengths(rope, request.lengths, None),
            scaling="per forward (N > max_position_embeddings)"
            if rope.dynamic
            else "fixed at load",
            evidence=EVIDENCE,
            notes=tuple(notes),
            extra={"max_position_embeddings": mpe(tf)},  # the difftest compares it
        )
