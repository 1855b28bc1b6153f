"""transformers 5.x, native classes: RoPE per forward (ENGINES.md §4).

The model has no length limit of its own: cos/sin are computed for whatever positions a forward
gets. `default` rotates with θ at every length; `dynamic` rescales per forward,
θ' = θ·(α·max(N, mpe)/mpe − (α − 1))^(d/(d−2)), and only when N > mpe (dynamic_rope_update
recomputes inv_freq only past the cached length). Computed here in float64 from the formula of
`_compute_dynamic_ntk_parameters`, without importing transformers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ntkcli.engines import tf_config
from ntkcli.engines.base import (
    ConfigClassInfo,
    EngineId,
    EngineRefusal,
    EngineRequest,
    EngineResult,
    FixedVersions,
    LengthResult,
    LengthStatus,
)
from ntkcli.engines.tf_config import TfConfig, is_number, primary_rope
from ntkcli.model import Base, RawConfig
from ntkcli.rope import ntk

VERSION = "5.19.0"
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
        if self.rope_type == "default":
            return self.theta
        if self.rope_type == "dynamic":
            if self.mpe is None or self.factor is None or self.rotary_dim is None:
                return None
            if n <= self.mpe:
                return self.theta
            inner = ntk.inner_reference(self.factor, max(n, self.mpe), self.mpe)
            return ntk.scaled_base(self.theta, inner, self.rotary_dim)
        if self.rope_type == "yarn" and self.factor is not None and self.rotary_dim:
            # The effective base of the last frequency (interpolated by 1/α):
            # θ_eff^(−(d−2)/d) = θ^(−(d−2)/d) / α. Not one base for all frequencies.
            d = self.rotary_dim
            effective: float = self.theta * self.factor ** (d / (d - 2))
            return effective
        if self.rope_type == "linear":
            return self.theta  # positions are divided by α; the base is θ
        return f"{self.rope_type}: no single base"


def forward_rope(tf: TfConfig) -> ForwardRope:
    """The rotary module transformers 5 builds for `tf`, or the exception it raises."""
    rope_class = tf.class_name.replace("Config", "RotaryEmbedding")
    if rope_class == "PretrainedRotaryEmbedding":
        rope_class = "RotaryEmbedding (modeling_rope_utils)"
    params, nested = primary_rope(tf.rope_parameters)
    params = params or {}
    rope_type = str(params.get("rope_type") or "default")
    theta_value = params.get("rope_theta")
    theta = float(theta_value) if is_number(theta_value) else tf.theta
    factor_value = params.get("factor")
    factor = float(factor_value) if is_number(factor_value) else None
    rope = ForwardRope(rope_class, rope_type, theta, tf.rotary_dim, tf.mpe, factor)
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
        return ForwardRope(**{**rope.__dict__, "refusal": refusal, "note": "raised at forward"})
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
    if rope.dynamic:
        return None
    return rope.base_at(0)


def load(raw: RawConfig, request: EngineRequest, major: int = 5) -> TfConfig | EngineRefusal:
    return tf_config.load(tf_config.with_overrides(raw.config, request.hf_overrides), major)


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
        notes = list(overrides_note(request))
        if tf.model_type == "nomic_bert":
            notes.append(
                "native NomicBertConfig: n_positions, rotary_emb_base and rotary_scaling_factor "
                "are not read (mpe and θ are the class's)"
            )
        if rope.note:
            notes.append(rope.note)
        return EngineResult(
            engine=EngineId(self.name, version),
            config_class=ConfigClassInfo(tf.class_name, "native"),
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
            extra={"max_position_embeddings": tf.mpe},
        )
