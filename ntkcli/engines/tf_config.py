"""The config object transformers builds, reduced to what the engines here read.

Engines that load through `AutoConfig` (SGLang, the llama.cpp converter, transformers,
sentence-transformers) see the class's view of config.json, not the raw JSON: under transformers
5 `nomic_bert` is the native `NomicBertConfig` (mpe 2048, default θ 1000; the GPT-2 keys
n_positions, rotary_emb_base, rotary_scaling_factor stay plain extra attributes), and under 4.57.6
there is no `nomic_bert` class at all. This module is that view for the fields the engines use.
It imports neither transformers nor any remote code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from ntkcli.configs import tables
from ntkcli.engines.base import EngineRefusal

# The native NomicBertConfig of transformers 5.19 (SGLang's pin), from the config layer's table
# generated from the real class: mpe 2048, hidden 768, heads 12, default θ 1000.
_NOMIC = tables.class_facts("5.19.0", "nomic_bert") or {}
NOMIC_DEFAULTS = {
    key: _NOMIC["defaults"][key]
    for key in ("max_position_embeddings", "hidden_size", "num_attention_heads")
}
NOMIC_THETA = float(_NOMIC["default_theta"])
GENERIC_THETA = 10000.0  # PretrainedConfig.default_theta


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class TfConfig:
    """transformers' config object for one config.json (+ overrides)."""

    major: int  # 4 or 5
    model_type: str
    class_name: str
    values: Mapping[str, Any]  # every attribute (JSON keys, class defaults, standardised rope)
    rope_parameters: Mapping[str, Any] | None  # after standardisation (transformers 5)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def int_or_none(self, name: str) -> int | None:
        value = self.values.get(name)
        return int(value) if is_number(value) else None

    @property
    def mpe(self) -> int | None:
        return self.int_or_none("max_position_embeddings")

    @property
    def theta(self) -> float:
        params = self.rope_parameters or {}
        value = params.get("rope_theta", self.values.get("rope_theta"))
        if is_number(value):
            return float(value)
        return NOMIC_THETA if self.model_type == "nomic_bert" else GENERIC_THETA

    @property
    def head_dim(self) -> int | None:
        head = self.int_or_none("head_dim")
        if head is not None and self.model_type != "nomic_bert":
            return head
        hidden, heads = self.int_or_none("hidden_size"), self.int_or_none("num_attention_heads")
        if hidden is None or not heads:
            return None
        return hidden // heads

    @property
    def rotary_dim(self) -> int | None:
        head = self.head_dim
        if head is None:
            return None
        partial = (self.rope_parameters or {}).get("partial_rotary_factor")
        if partial is None:
            partial = self.values.get("partial_rotary_factor")
        return int(head * float(partial)) if is_number(partial) else head


def primary_rope(params: Mapping[str, Any] | None) -> tuple[Mapping[str, Any] | None, bool]:
    """(the parameters of the first layer type, nested?) for per-layer-type dicts."""
    if params and params and all(isinstance(v, Mapping) for v in params.values()):
        first = next(iter(params.values()))
        return first, True
    return params, False


def _standardise(values: dict[str, Any], theta_default: float) -> dict[str, Any] | None:
    """transformers 5 standardisation: rope_scaling → rope_parameters, `type` → `rope_type`,
    rope_theta folded in (the JSON's top-level rope_theta, else the class default θ)."""
    raw = values.get("rope_parameters")
    if not isinstance(raw, Mapping):
        raw = values.get("rope_scaling")
    params: dict[str, Any] = dict(raw) if isinstance(raw, Mapping) else {}
    nested = bool(params) and all(isinstance(v, Mapping) for v in params.values())
    if nested:
        return params
    if "type" in params and "rope_type" not in params:
        params["rope_type"] = params.pop("type")
    params.setdefault("rope_type", "default")
    theta = values.get("rope_theta")
    params.setdefault("rope_theta", theta if is_number(theta) else theta_default)
    partial = values.get("partial_rotary_factor")
    if is_number(partial):
        params.setdefault("partial_rotary_factor", partial)
    return params


def _validate(values: Mapping[str, Any], params: Mapping[str, Any] | None) -> EngineRefusal | None:
    """The load-time checks of transformers 5 that the engines' configs hit (strict fields and
    validate_rope): dynamic without factor, longrope without original_max_position_embeddings,
    max_position_embeddings null."""
    error = "StrictDataclassFieldValidationError"
    if "max_position_embeddings" in values and values["max_position_embeddings"] is None:
        return EngineRefusal(error, "max_position_embeddings: expected int, got None")
    first, _ = primary_rope(params)
    if not first:
        return None
    rope_type = first.get("rope_type")
    if rope_type == "dynamic" and "factor" not in first:
        return EngineRefusal("KeyError", "Missing required keys in `rope_parameters`: {'factor'}")
    if rope_type == "longrope" and "original_max_position_embeddings" not in first:
        return EngineRefusal(
            "KeyError",
            "Missing required keys in `rope_parameters`: {'original_max_position_embeddings'}",
        )
    return None


def load(config: Mapping[str, Any], major: int) -> TfConfig | EngineRefusal:
    """AutoConfig.from_pretrained(trust_remote_code=False) for this config, or what it raises."""
    model_type = config.get("model_type")
    if not isinstance(model_type, str):
        return EngineRefusal("ValueError", "Unrecognized model: config.json has no model_type")
    values = dict(config)
    if model_type == "nomic_bert":
        if major < 5:
            return EngineRefusal(
                "ValueError",
                "The checkpoint you are trying to load has model type `nomic_bert` but "
                "Transformers does not recognize this architecture.",
            )
        for key, default in NOMIC_DEFAULTS.items():
            values.setdefault(key, default)
        params = _standardise(values, NOMIC_THETA)
        values["rope_parameters"] = params
        refusal = _validate(values, params)
        return refusal or TfConfig(major, model_type, "NomicBertConfig", values, params)
    class_name = _class_name(model_type)
    if major < 5:
        # 4.57.6 keeps rope_scaling and rope_theta as written (no rope_parameters).
        params = _standardise(values, GENERIC_THETA)
        return TfConfig(major, model_type, class_name, values, params)
    params = _standardise(values, GENERIC_THETA)
    values["rope_parameters"] = params
    refusal = _validate(values, params)
    return refusal or TfConfig(major, model_type, class_name, values, params)


def _class_name(model_type: str) -> str:
    known = {
        "llama": "LlamaConfig",
        "qwen2": "Qwen2Config",
        "qwen3": "Qwen3Config",
        "mistral": "MistralConfig",
        "gpt_neox": "GPTNeoXConfig",
        "bert": "BertConfig",
    }
    return known.get(model_type, "PretrainedConfig")


def with_overrides(config: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """config.json as if the user had edited it: each override key replaces the JSON's value
    (engines without an override flag: TEI, the llama.cpp converter, transformers)."""
    edited = dict(config)
    edited.update(overrides)
    return edited


def sglang_overrides(config: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """SGLang --json-model-override-args: a dict value for rope_scaling / rope_parameters is
    merged into the current dict ({**current, **value}); every other key is a plain setattr."""
    edited = dict(config)
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
