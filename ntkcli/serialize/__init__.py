"""Model objects → JSON-ready dicts. The table renderers read the same dicts' sources (the model
objects), so JSON and tables never disagree. Always valid JSON: no NaN/Infinity literals."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ntkcli.model import (
    Base,
    DerivedLength,
    Finding,
    ModelCode,
    NomicUpdate,
    Resolution,
    Rotary,
    Source,
)


def number(value: Base | None) -> float | str | None:
    """A finite real stays a number; NaN, ±inf and complex values become their Python repr."""
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return repr(value)


def jsonable(value: Any) -> Any:
    """Deep copy with non-finite floats turned into strings (configs may carry NaN literals)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, complex):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def source(src: Source) -> dict[str, Any]:
    return {
        "kind": src.kind,
        "path": src.path,
        "revision": src.revision,
        "snapshot": src.snapshot,
        "note": src.note,
    }


def derived(d: DerivedLength | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "key": d.key,
        "config_value": d.config_value,
        "factor": number(d.factor),
        "factor_applied": d.factor_applied,
        "value": number(d.value),
        "sentence_transformers_length": d.st_length,
        "sentence_transformers_replaced": d.st_replaced,
        "final": number(d.final),
        "fallback": d.fallback,
    }


def nomic(n: NomicUpdate | None) -> dict[str, Any] | None:
    if n is None:
        return None
    return {
        "behaviour": n.line,
        "max_trained_positions": n.trained_positions,
        "max_trained_positions_from": n.trained_from,
        "assertion_failures": list(n.assertion_failures),
        "clamped_from": n.clamped_from,
        "recheck_limit": derived(n.recheck_limit),
        "ignored_max_model_len_override": n.ignored_max_model_len_override,
    }


def model_code(c: ModelCode | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "architecture": c.architecture,
        "module": c.module,
        "head_size": c.head_size,
        "max_position": c.max_position,
        "is_neox_style": c.is_neox_style,
        "rope_theta_filled": c.theta_filled,
        "transformers_backend": c.transformers_backend,
        "checked": c.checked,
        "note": c.note,
    }


def rotary(rot: Rotary) -> dict[str, Any]:
    """One rotary object (the per-layer-type list of Gemma3 uses it)."""
    return {
        "rope_class": rot.rope_class,
        "rope_type": rot.rope_type,
        "head_size": rot.head_size,
        "rotary_dim": rot.rotary_dim,
        "max_position": rot.max_position,
        "base": number(rot.base),
        "scaled_base": number(rot.scaled_base),
        "cache_shape": list(rot.cache_shape) if rot.cache_shape else None,
        "mscale": number(rot.mscale),
        "cache_built": rot.built,
    }


def finding(f: Finding) -> dict[str, Any]:
    return {"id": f.id, "severity": f.severity, "message": f.message, "hint": f.hint}


def resolution(r: Resolution) -> dict[str, Any]:
    """The inspect JSON contract (issue #2), plus every intermediate value."""
    rot = r.rotary
    return {
        "model": r.raw.model,
        "source": source(r.raw.source),
        # The release actually modelled ("0.33.0"); "vllm_line" is old (≤ 0.21) / new (≥ 0.22).
        "vllm": r.request.vllm.release,
        "vllm_line": r.request.vllm.line,
        "vllm_version": r.request.vllm.label,
        "vllm_checked": r.request.vllm.checked,
        "config_class": {
            "name": r.config_class,
            "origin": r.config_origin,
            "known": r.config_class_known,
        },
        "trust_remote_code": r.request.trust_remote_code,
        "transformers": r.transformers,
        "transformers_label": r.transformers_label,
        "model_code": model_code(r.model_code),
        "model_type": r.model_type,
        "architectures": list(r.architectures),
        "head_size": rot.head_size if rot else None,
        "rotary_dim": rot.rotary_dim if rot else None,
        "rope_parameters": jsonable(r.rope_parameters),
        "normalised_rope_parameters": jsonable(r.normalised_rope),
        "max_trained_positions": rot.trained_positions if rot else None,
        "max_model_len": r.max_model_len,
        # What the user asked for with --max-model-len, null when nothing was; the
        # length vLLM went on to check (asked for, or picked by vLLM) has its own name.
        "requested_max_model_len": r.request.max_model_len,
        "checked_max_model_len": r.requested_len,
        "refusal": None
        if r.refusal is None
        else {
            "error": r.refusal.error,
            "message": r.refusal.message,
            "step": r.refusal.step,
            "stage": r.refusal.stage,
        },
        "rope_class": rot.rope_class if rot else None,
        "rope_type": rot.rope_type if rot else None,
        "max_position": rot.max_position if rot else None,
        "base": number(rot.base) if rot else None,
        "factor": number(rot.factor) if rot else None,
        "inner_term": number(rot.inner) if rot else None,
        "exponent": rot.exponent if rot else None,
        "scaled_base": number(rot.scaled_base) if rot else None,
        "cache_shape": list(rot.cache_shape) if rot and rot.cache_shape else None,
        "cache_dtype": rot.dtype if rot else None,
        "cache_bytes": rot.cache_bytes if rot else None,
        "cache_built": rot.built if rot else False,
        "rotary_note": rot.note if rot else None,
        "mscale": number(rot.mscale) if rot else None,
        "effective_base": number(rot.effective_base) if rot else None,
        "inv_freq_head": [number(v) for v in rot.inv_freq_head] if rot else [],
        "cache_rows_detail": rot.rows_detail if rot else None,
        "is_neox_style": rot.is_neox_style if rot else None,
        "layer_rotaries": {name: rotary(layer) for name, layer in r.layer_rotaries},
        "derived": derived(r.derived),
        "served_by_transformers_backend": bool(
            r.model_code is not None and r.model_code.transformers_backend
        ),
        "sentence_transformers": {
            "file": r.raw.st_file,
            "max_seq_length": jsonable(r.raw.st_config.get("max_seq_length"))
            if r.raw.st_config
            else None,
        },
        "nomic": nomic(r.nomic),
        "hf_overrides": jsonable(dict(r.request.hf_overrides)),
        "notes": [{"step": n.step, "message": n.message} for n in r.notes],
        "findings": [finding(f) for f in r.findings],
    }
