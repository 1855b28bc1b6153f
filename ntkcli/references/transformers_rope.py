"""transformers 5.x dynamic RoPE (SPEC §5), computed by transformers' own function.

We call the real `transformers.modeling_rope_utils.ROPE_INIT_FUNCTIONS["dynamic"]` on a
`PreTrainedConfig` built from the model's resolved values; nothing here re-implements it.

The function returns inv_freq (a float32 tensor), not the scaled base θ'. To report θ' at full
float64 precision, `rope_theta` is passed as a float subclass that records the one multiplication
the function does with it (`base = base * (α·X/Y − (α − 1)) ** e`): the recorded product is the
Python float the function then raises to `arange(0, d, 2) / d`. Two checks make the capture
honest rather than assumed:

- exactly one product must be recorded (otherwise the function changed and we say so);
- the returned inv_freq must equal, bit for bit, `1 / θ'^(2i/d)` recomputed in float32 from the
  captured θ' with the same tensor operations (so θ' is what the function really used).

torch and transformers are imported inside `dynamic_base` only: compare over models whose
rope_type is not dynamic never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ntkcli.model import Base


@dataclass(frozen=True)
class DynamicRopeConfig:
    """The model's values that transformers' dynamic RoPE reads (SPEC §5)."""

    hidden_size: int
    num_attention_heads: int
    head_dim: int | None  # only when the config sets it (transformers then uses it)
    max_position_embeddings: int  # Y, and the floor of X
    rope_theta: float  # θ
    factor: float  # α
    partial_rotary_factor: float | None  # only when the config has one


@dataclass(frozen=True)
class TransformersDynamic:
    """What transformers computes for one sequence of `seq_len` tokens."""

    seq_len: int
    scaled_base: Base | None  # θ' as the function computed it (None when the call failed)
    rotary_dim: int | None  # d = 2 · len(inv_freq)
    inv_freq: tuple[float, ...]  # the float32 values returned, as Python floats
    inv_freq_matches: bool  # returned inv_freq == 1/θ'^(2i/d) recomputed in float32
    error: str | None = None  # the exception the function raised, one line


class _RecordingTheta(float):
    """A float that records every product it takes part in (see module docstring)."""

    products: list[Any]

    def __new__(cls, value: float) -> _RecordingTheta:
        self = super().__new__(cls, value)
        self.products = []
        return self

    def __mul__(self, other: Any) -> Any:
        result = float(self) * other
        self.products.append(result)
        return result

    def __rmul__(self, other: Any) -> Any:
        result = other * float(self)
        self.products.append(result)
        return result


def _config(values: DynamicRopeConfig, theta: float) -> Any:
    import transformers

    rope_parameters: dict[str, Any] = {
        "rope_type": "dynamic",
        "factor": values.factor,
        "rope_theta": theta,
    }
    if values.partial_rotary_factor is not None:
        rope_parameters["partial_rotary_factor"] = values.partial_rotary_factor
    kwargs: dict[str, Any] = {
        "hidden_size": values.hidden_size,
        "num_attention_heads": values.num_attention_heads,
        "max_position_embeddings": values.max_position_embeddings,
        "rope_parameters": rope_parameters,
    }
    if values.head_dim is not None:
        kwargs["head_dim"] = values.head_dim
    return transformers.PreTrainedConfig(**kwargs)


def dynamic_base(values: DynamicRopeConfig, seq_len: int) -> TransformersDynamic:
    """θ' and inv_freq for a sequence of `seq_len` tokens, from transformers' own function."""
    import torch
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    theta = _RecordingTheta(values.rope_theta)
    try:
        config = _config(values, theta)
        inv_freq, _attention_factor = ROPE_INIT_FUNCTIONS["dynamic"](
            config, device=None, seq_len=seq_len
        )
    except Exception as exc:  # the reference's own failure is a result, not ntkcli's crash
        lines = str(exc).strip().splitlines()
        message = f"{type(exc).__name__}: {lines[0] if lines else ''}".strip()
        return TransformersDynamic(seq_len, None, None, (), False, message[:200])
    if len(theta.products) != 1 or not isinstance(theta.products[0], (float, complex)):
        return TransformersDynamic(
            seq_len,
            None,
            int(inv_freq.numel()) * 2,
            tuple(float(x) for x in inv_freq.tolist()),
            False,
            "could not observe θ' inside transformers' dynamic RoPE function "
            f"({len(theta.products)} products recorded)",
        )
    base: Base = theta.products[0]
    # d as the function derives it (head_dim attribute, else hidden // heads, times the partial
    # factor); used only to recompute inv_freq for the check.
    head_dim = getattr(config, "head_dim", values.hidden_size // values.num_attention_heads)
    partial = 1.0 if values.partial_rotary_factor is None else values.partial_rotary_factor
    dim = int(head_dim * partial)
    recomputed = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    matches = bool(recomputed.dtype == inv_freq.dtype and torch.equal(recomputed, inv_freq))
    return TransformersDynamic(
        seq_len=seq_len,
        scaled_base=base,
        rotary_dim=dim,
        inv_freq=tuple(float(x) for x in inv_freq.tolist()),
        inv_freq_matches=matches,
    )
