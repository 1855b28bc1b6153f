"""SGLang 0.5.23 on transformers 5.19 (ENGINES.md §1).

- Context (`get_context_length`): factor = rope_parameters["factor"] (1 when absent), forced to 1
  when the dict has original_max_position_embeddings or rope_type llama3; int(factor·value) for
  the first non-None of max_sequence_length, seq_length, max_seq_len, model_max_length,
  max_position_embeddings, else 2048. A user --context-length above it is a ValueError (unless
  SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1, ntkcli's --allow-long-max-model-len); a lower one
  is used as is. An input is rejected when tokens ≥ context_len.
- RoPE (`get_rope`): fixed at load. dynamic → DynamicNTKScalingRotaryEmbedding with the constant
  formula vLLM ≤ 0.21 used, θ' = θ·(α²−α+1)^e, cache arange(L·α) rows; the startup reserve grows
  every cache to align128(context_len + 256) rows at the unscaled θ.
- nomic_bert and gpt_neox have no SGLang model: the Transformers backend serves them with
  transformers' own rotary module (per forward, as the transformers engine).
Native architectures are described with the Llama call site (θ = rope_theta, default 10000;
L = max_position_embeddings, default 8192; d = int(partial_rotary_factor·head_dim), the factor
read as a config attribute, which transformers 5 moves into rope_parameters for most classes);
other call sites (Gemma3, ...) were not read, and the output says which call site is assumed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ntkcli.configs.config_object import ConfigObject, is_number, primary_rope
from ntkcli.engines import transformers as tf_engine
from ntkcli.engines.base import (
    ConfigClassInfo,
    EngineId,
    EngineRefusal,
    EngineRequest,
    EngineResult,
    FixedVersions,
    LengthResult,
)
from ntkcli.model import DEFAULT_THETA, Base, RawConfig
from ntkcli.numbers import compact
from ntkcli.rope import ntk

VERSION = "0.5.23"
EVIDENCE = (
    "SGLang 0.5.23 context-length and rotary functions as run on CPU with transformers 5.19; "
    "model routing and request rejection read from its source; computed here without SGLang"
)
CONTEXT_KEYS = (
    "max_sequence_length",
    "seq_length",
    "max_seq_len",
    "model_max_length",
    "max_position_embeddings",
)
TRANSFORMERS_BACKEND = ("nomic_bert", "gpt_neox")
RESERVE_EXTRA = 256  # reserve_rope_cache_for_long_sequences: context_len + 256 (+ spec tokens)


def _served(n: int, base: Any, refused: bool, context: int) -> LengthResult:
    """One input of n tokens: SGLang rejects it when tokens ≥ context_len (tokenizer_manager)."""
    if refused:
        return LengthResult(n, base, False, 0, "refused")
    if n >= context:
        return LengthResult(
            n, base, False, 0, "rejected", f"rejected: {n} tokens ≥ context_len {context}"
        )
    return LengthResult(n, base, True, n, "accepted")


class SglangRaises(Exception):
    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.refusal = EngineRefusal(error, message)


def context_length(tf: ConfigObject) -> tuple[int, str]:
    """get_context_length: (context_len, the key that gave it)."""
    params, _ = primary_rope(tf.rope_parameters)
    factor: Any = 1
    if params:
        factor = params.get("factor", 1)
        # SGLang also forces 1 for rope_type llama3; transformers 5 gives every llama3 (and
        # yarn) dict an original_max_position_embeddings at load, so the key test covers it
        if "original_max_position_embeddings" in params:
            factor = 1
    for key in CONTEXT_KEYS:
        value = tf.get(key, None)
        if value is not None:
            if not is_number(factor) or not is_number(value):
                left = type(factor).__name__ if not is_number(factor) else type(value).__name__
                raise SglangRaises(
                    "TypeError", f"unsupported operand type(s) for *: '{left}' and 'int'"
                )
            return int(factor * value), key
    return 2048, "default 2048 (no length key)"


def align128(n: int) -> int:
    return (n + 127) // 128 * 128


# transformers 5 classes whose rope conversion reads partial_rotary_factor with kwargs.get and so
# keep it as a config attribute (models/phi3/configuration_phi3.py convert_rope_params_to_dict);
# the generic PreTrainedConfig.convert_rope_params_to_dict (modeling_rope_utils.py) pops it
# into rope_parameters.
KEEPS_PARTIAL_ATTRIBUTE = ("phi3",)


def top_level_partial(tf: ConfigObject) -> Any:
    """getattr(config, "partial_rotary_factor", 1) at the Llama call site (SGLang 0.5.23
    models/llama.py LlamaAttention.__init__): under transformers 5 a native class has the
    attribute only when its conversion keeps it; a remote class keeps the JSON key."""
    if tf.origin != "remote" and tf.model_type not in KEEPS_PARTIAL_ATTRIBUTE:
        return 1
    return tf.get("partial_rotary_factor", 1)


def _rope(tf: ConfigObject) -> tuple[str, float, int, Base | str, int]:
    """get_rope for the Llama call site: (class, θ, d, θ', cache rows before the reserve)."""
    params, nested = primary_rope(tf.rope_parameters)
    if nested:
        raise SglangRaises("TypeError", "unhashable type: 'dict'")
    params = params or {}
    theta_value = params.get("rope_theta")
    theta = float(theta_value) if is_number(theta_value) else DEFAULT_THETA
    mpe = tf_engine.mpe(tf)
    mpe = 8192 if mpe is None else mpe
    head = tf_engine.head_dim(tf)
    if head is None:
        raise SglangRaises("AttributeError", "the config has no head_dim or hidden_size")
    dim = int(float(partial) * head) if is_number(partial := top_level_partial(tf)) else head
    rope_type = params.get("rope_type") or "default"
    factor = params.get("factor")
    if rope_type == "default":
        # get_rope (layers/rotary_embedding/factory.py), the "default" branch
        if "mrope_section" in params:
            name = "BailingMRotaryEmbedding" if params.get("video_rope") else "MRotaryEmbedding"
        else:
            name = "FourierRotaryEmbedding" if params.get("use_fope") else "RotaryEmbedding"
        return name, theta, dim, theta, mpe
    if rope_type == "dynamic" and "alpha" in params:
        return "DynamicNTKAlphaRotaryEmbedding", theta, dim, "alpha: not modelled", mpe
    if rope_type == "dynamic":
        if not is_number(factor):
            raise SglangRaises(
                "TypeError",
                f"unsupported operand type(s) for *: 'int' and '{type(factor).__name__}'",
            )
        alpha = float(factor)
        try:  # the exponent rotary_dim / (rotary_dim - 2) of two ints, as SGLang computes it
            scaled = ntk.scaled_base(theta, ntk.inner_old(alpha, mpe), dim)
        except ZeroDivisionError as exc:
            raise SglangRaises("ZeroDivisionError", str(exc)) from None
        return "DynamicNTKScalingRotaryEmbedding", theta, dim, scaled, math.ceil(mpe * alpha)
    if rope_type == "yarn":
        # transformers 5 writes the key into every yarn dict at load (None when the class has
        # no max_position_embeddings); the YaRN cache size is original_max_position · factor
        ompe = params.get("original_max_position_embeddings")
        alpha = float(factor) if is_number(factor) else 1.0
        if not is_number(ompe):
            raise SglangRaises(
                "TypeError",
                f"unsupported operand type(s) for *: '{type(ompe).__name__}' and 'float'",
            )
        rows = int(int(ompe) * alpha)
        name = "YaRNScalingRotaryEmbedding"
        if "mrope_section" in params:
            name = (
                "BailingMRotaryEmbedding"
                if params.get("video_rope")
                else "YaRNScalingMRotaryEmbedding"
            )
        return name, theta, dim, "yarn: no single base", rows
    if rope_type == "linear":
        alpha = float(factor) if is_number(factor) else 1.0
        return "LinearScalingRotaryEmbedding", theta, dim, theta, int(mpe * alpha)
    named = {
        "llama3": "Llama3RotaryEmbedding",
        "longrope": "Phi3LongRoPEScaledRotaryEmbedding",
        "deepseek_yarn": "DeepseekScalingRotaryEmbedding",
        "proportional": "ProportionalRotaryEmbedding",
    }
    if rope_type in named:
        return named[rope_type], theta, dim, f"{rope_type}: no single base", mpe
    raise SglangRaises("ValueError", f"Unknown RoPE scaling type {rope_type}")


def _merge(raw: RawConfig, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """--json-model-override-args: a dict value for rope_scaling / rope_parameters is merged into
    the current dict ({**current, **value}); every other key is a plain setattr."""
    edited = dict(raw.config)
    for key, value in overrides.items():
        current = edited.get(key)
        if key in ("rope_scaling", "rope_parameters") and isinstance(value, Mapping):
            if key == "rope_scaling" and not isinstance(current, Mapping):
                # v5 aliases rope_scaling to rope_parameters
                current = edited.get("rope_parameters")
                key = "rope_parameters" if isinstance(current, Mapping) else key
            merged = dict(current) if isinstance(current, Mapping) else {}
            merged.update(value)
            edited[key] = merged
        else:
            edited[key] = value
    return edited


class SglangEngine(FixedVersions):
    name = "sglang"
    label = "SGLang"
    versions = (VERSION,)

    def resolve(self, raw: RawConfig, request: EngineRequest, version: str) -> EngineResult:
        ident = EngineId(self.name, version)
        notes: list[str] = []
        if request.hf_overrides:
            notes.append(
                "overrides applied as --json-model-override-args (rope dicts merged into the "
                "config's, other keys set)"
            )
        tf = tf_engine.load_config(
            _merge(raw, request.hf_overrides), trust_remote_code=request.trust_remote_code
        )
        if isinstance(tf, EngineRefusal):
            return tf_engine.refused(self.name, version, EVIDENCE, tf, request.lengths)
        cls = tf_engine.class_info(tf)
        notes.extend(tf_engine.remote_note(tf))
        try:
            derived, key = context_length(tf)
        except SglangRaises as exc:
            return tf_engine.refused(
                self.name, version, EVIDENCE, exc.refusal, request.lengths, tf.class_name
            )
        context, refusal = derived, None
        if request.max_model_len is not None:
            if request.max_model_len > derived and not request.allow_long_max_model_len:
                refusal = EngineRefusal(
                    "ValueError",
                    # ModelConfig._derive_context_length (configs/model_config.py), verbatim
                    f"Warning: User-specified context_length ({request.max_model_len}) is greater "
                    f"than the derived context_length ({derived}). This may lead to incorrect "
                    "model outputs or CUDA errors. Note that the derived context_length may "
                    "differ from max_position_embeddings in the model's config. To allow "
                    "overriding this maximum, set the env var "
                    "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1",
                )
            context, key = request.max_model_len, "--context-length"
        if tf.model_type in TRANSFORMERS_BACKEND:
            return self._transformers_backend(ident, cls, tf, context, key, refusal, request, notes)
        try:
            rope_class, theta, dim, scaled, rows = _rope(tf)
        except SglangRaises as exc:
            refusal = refusal or exc.refusal
            return EngineResult(
                ident, cls, context, key, refusal, None, None, None, None,
                tuple(LengthResult(n, None, False, 0, "refused") for n in request.lengths),
                "fixed at load", EVIDENCE, tuple(notes),
            )  # fmt: skip
        reserve = align128(context + RESERVE_EXTRA)
        total = max(rows, reserve)
        if reserve > rows:
            notes.append(
                f"cache grown at startup from {rows} to {reserve} rows "
                f"(align128(context_len + 256)); rows {rows}+ use the unscaled θ {compact(theta)}"
            )
        notes.append("get_rope arguments from the Llama call site (models/llama.py)")
        lengths = [_served(n, scaled, refusal is not None, context) for n in request.lengths]
        return EngineResult(
            engine=ident,
            config_class=cls,
            max_len=context,
            max_len_key=key,
            refusal=refusal,
            rope_class=rope_class,
            base=theta,
            scaled_base=scaled,
            cache_shape=(total, dim),
            lengths=tuple(lengths),
            scaling="fixed at load",
            evidence=EVIDENCE,
            notes=tuple(notes),
            extra={"cache_rows_before_reserve": rows, "context_len": context},
        )

    def _transformers_backend(
        self,
        ident: EngineId,
        cls: ConfigClassInfo,
        tf: ConfigObject,
        context: int,
        key: str,
        refusal: EngineRefusal | None,
        request: EngineRequest,
        notes: list[str],
    ) -> EngineResult:
        rope = tf_engine.forward_rope(tf)
        refusal = refusal or rope.refusal
        notes.append(
            f"no SGLang model for {tf.model_type}: served by the Transformers backend "
            "(TransformersEmbeddingModel) with transformers' own rotary module"
        )
        lengths = [
            _served(n, None if rope.refusal else rope.base_at(n), refusal is not None, context)
            for n in request.lengths
        ]
        return EngineResult(
            engine=ident,
            config_class=cls,
            max_len=context,
            max_len_key=key,
            refusal=refusal,
            rope_class=f"Transformers backend: {rope.rope_class}, {rope.rope_type}",
            base=rope.theta,
            scaled_base=None if rope.refusal else tf_engine.fixed_base(rope),
            cache_shape=None,
            lengths=tuple(lengths),
            scaling="per forward (N > max_position_embeddings)"
            if rope.dynamic
            else "fixed at load",
            evidence=EVIDENCE,
            notes=tuple(notes),
            extra={"context_len": context},
        )
