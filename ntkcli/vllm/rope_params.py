"""SPEC §3: vLLM's patch_rope_parameters (after transformers' own load-time standardisation in
config_object) and the dict-valued hf_overrides applied afterwards
(ModelConfig._apply_dict_overrides)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

from ntkcli.configs.config_object import ConfigObject
from ntkcli.errors import ConfigError
from ntkcli.model import Note, Refusal, RefusalCause

STEP = "normalise RoPE"

# SPEC §3.3: legacy spellings of rope types.
LEGACY_TYPES: Mapping[str, str] = {"su": "longrope", "mrope": "default"}


class VllmRaises(Exception):
    """vLLM would stop here with `error` (a Python exception class name) and `message`."""

    def __init__(self, error: str, message: str, step: str, cause: RefusalCause) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message
        self.step = step
        self.cause: RefusalCause = cause

    def refusal(self) -> Refusal:
        return Refusal(self.error, self.message, self.step, self.cause)


class Attributes(Protocol):
    """Anything answering getattr(config, key, default): the config object (or the legacy view
    other commands still use)."""

    def get(self, key: str, default: Any = ...) -> Any: ...


def _number(cfg: Attributes, key: str) -> float | int | None:
    """The attribute as the config holds it (an int stays an int, as vLLM passes it on)."""
    value = cfg.get(key, None)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(
            f"config: '{key}' must be a finite number, got {value!r}"[:200],
            hint=f"fix '{key}' in config.json or override it with --hf-overrides",
        )
    return value


def config_theta(cfg: Attributes) -> float | int | None:
    """θ: `rope_theta`, else legacy `rotary_emb_base` (SPEC §3.2.1), as attributes."""
    for key in ("rope_theta", "rotary_emb_base"):
        value = _number(cfg, key)
        if value is not None:
            return value
    return None


def config_partial_factor(cfg: Attributes) -> float | int | None:
    """`partial_rotary_factor`, else `rotary_pct`, else `rotary_emb_fraction` (SPEC §3.2.1)."""
    for key in ("partial_rotary_factor", "rotary_pct", "rotary_emb_fraction"):
        value = _number(cfg, key)
        if value is not None:
            return value
    return None


def is_nested(params: Mapping[str, Any]) -> bool:
    """Per-layer-type dicts: {"full_attention": {...}, "sliding_attention": {...}}."""
    return bool(params) and all(isinstance(v, dict) or v is None for v in params.values())


def primary_layer(params: Mapping[str, Any] | None) -> tuple[str | None, dict[str, Any]]:
    """The dict ntkcli describes: the flat dict, or (nested) full_attention's, else the first."""
    if not params:
        return None, {}
    if not is_nested(params):
        return None, dict(params)
    if isinstance(params.get("full_attention"), dict):
        return "full_attention", dict(params["full_attention"])
    for name, value in params.items():
        if isinstance(value, dict):
            return name, dict(value)
    return None, {}


def patch_legacy_rope_type(params: dict[str, Any]) -> list[Note]:
    """vLLM patch_legacy_rope_type: conflict → ValueError; su → longrope; mrope → default."""
    notes: list[Note] = []
    modern, legacy = params.get("rope_type"), params.get("type")
    if modern is not None and legacy is not None and modern != legacy:
        raise VllmRaises(
            "ValueError",
            f"Found conflicts between 'rope_type={modern}' (modern field) and 'type={legacy}' "
            "(legacy field). You should only specify one of them.",
            STEP,
            "conflicting_rope_types",
        )
    rope_type = modern if modern is not None else legacy
    if isinstance(rope_type, str) and rope_type in LEGACY_TYPES:
        new = LEGACY_TYPES[rope_type]
        notes.append(Note(STEP, f"legacy rope type {rope_type!r} is read as {new!r}"))
        if rope_type == "mrope" and "mrope_section" not in params:
            notes.append(Note(STEP, "rope type 'mrope' needs 'mrope_section', which is missing"))
        params["rope_type"] = new
    return notes


def _check_types(params: Mapping[str, Any]) -> None:
    for key in ("rope_type", "type"):
        value = params.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(
                f"rope_parameters: '{key}' must be a string, got {value!r}"[:200],
                hint='use a rope type name such as "default" or "dynamic"',
            )


def patch_rope_parameters(cfg: ConfigObject) -> tuple[dict[str, Any] | None, list[Note]]:
    """vLLM vllm/transformers_utils/config.py patch_rope_parameters, after the flat overrides.

    transformers 5 (R-S4): θ and the partial factor are set on the config and standardised with
    setdefault, so a value already in the dict wins (a flat rope_theta override has no effect).
    transformers 4 on vLLM ≤ 0.23 (R-T4): they, and a top-level L₀, are written INTO the dict.
    """
    notes: list[Note] = []
    params = cfg.rope_parameters
    theta = config_theta(cfg)
    partial = config_partial_factor(cfg)
    if cfg.transformers_major == 4:
        nested = params is not None and is_nested(params)
        if not nested:
            ompe = cfg.get("original_max_position_embeddings", None)
            if params is None and (theta is not None or partial is not None or ompe is not None):
                params = {"rope_type": "default"}
            if params is not None:
                params = dict(params)
                if theta is not None:
                    params["rope_theta"] = theta
                if partial is not None:
                    params["partial_rotary_factor"] = partial
                if ompe is not None:
                    params["original_max_position_embeddings"] = ompe
                if "rope_type" not in params and "type" not in params:
                    raise VllmRaises(
                        "ValueError",
                        "rope_parameters should have a 'rope_type' key",
                        STEP,
                        "missing_rope_type",
                    )
                if "rope_type" not in params:
                    params["rope_type"] = params["type"]
    else:
        if params is None and (theta is not None or partial is not None):
            params = {}
        if params is not None and not is_nested(params):
            params = dict(params)
            if theta is not None:
                params.setdefault("rope_theta", theta)
            if partial is not None:
                params.setdefault("partial_rotary_factor", partial)
            # transformers 5 has standardised every dict it built (R-S3): only the {} started
            # here lacks a rope_type.
            params.setdefault("rope_type", "default")
    if params is None:
        return None, notes
    layers = [params] if not is_nested(params) else [v for v in params.values() if v]
    for layer in layers:
        if isinstance(layer, dict):
            _check_types(layer)
            notes.extend(patch_legacy_rope_type(layer))
    return params, notes


def apply_dict_overrides(
    rope_parameters: dict[str, Any] | None, nested: Mapping[str, Any], theta: float | int | None
) -> tuple[dict[str, Any] | None, list[Note]]:
    """SPEC §3.1: dict-valued overrides replace the attribute wholesale, un-normalised."""
    notes: list[Note] = []
    for key, value in nested.items():
        if key == "rope_parameters":
            rope_parameters = dict(value)
            notes.append(
                Note("hf_overrides", "rope_parameters replaced wholesale (not normalised)")
            )
        elif key == "rope_scaling":
            # transformers 5's deprecated alias standardises what it is given. Not covered by
            # reference runs: an assumption, shown as such (SPEC §3.3).
            rope_parameters = dict(value)
            legacy = rope_parameters.get("type")
            rope_parameters.setdefault(
                "rope_type", legacy if isinstance(legacy, str) else "default"
            )
            if theta is not None:
                rope_parameters.setdefault("rope_theta", theta)
            notes.append(
                Note(
                    "hf_overrides",
                    "assumption: a dict rope_scaling override goes through transformers 5's "
                    "deprecated alias, which fills rope_type and rope_theta",
                )
            )
        else:
            notes.append(
                Note(
                    "hf_overrides",
                    f"dict override {key!r} replaces that attribute; ntkcli "
                    "does not model its effect",
                )
            )
    return rope_parameters, notes
