"""SPEC §3: normalising RoPE parameters the way vLLM (under transformers 5) does, and applying
dict-valued hf_overrides afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ntkcli.errors import ConfigError
from ntkcli.model import Note, Refusal, RefusalCause
from ntkcli.vllm.hf_config import HFConfig

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


def _number(cfg: HFConfig, key: str) -> float | int | None:
    """The value as written (an int stays an int, as vLLM passes it on), once checked finite."""
    value = cfg.get(key)
    if value is None:
        return None
    cfg.check_float(key, value)
    return value  # type: ignore[no-any-return]


def config_theta(cfg: HFConfig) -> float | int | None:
    """θ: `rope_theta`, else legacy `rotary_emb_base` (SPEC §3.2)."""
    for key in ("rope_theta", "rotary_emb_base"):
        value = _number(cfg, key)
        if value is not None:
            return value
    return None


def config_partial_factor(cfg: HFConfig) -> float | int | None:
    """`partial_rotary_factor`, else `rotary_pct`, else `rotary_emb_fraction` (SPEC §3.2)."""
    for key in ("partial_rotary_factor", "rotary_pct", "rotary_emb_fraction"):
        value = _number(cfg, key)
        if value is not None:
            return value
    return None


def is_nested(params: Mapping[str, Any]) -> bool:
    """Per-layer-type dicts: {"full_attention": {...}, "sliding_attention": {...}}."""
    return bool(params) and all(isinstance(v, dict) or v is None for v in params.values())


def primary_layer(params: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The dict ntkcli describes: the flat dict, or (nested) full_attention's, else the first."""
    if not is_nested(params):
        return None, dict(params)
    if isinstance(params.get("full_attention"), dict):
        return "full_attention", dict(params["full_attention"])
    for name, value in params.items():
        if isinstance(value, dict):
            return name, dict(value)
    return None, {}


def _rope_type(params: Mapping[str, Any], where: str) -> str:
    modern, legacy = params.get("rope_type"), params.get("type")
    for key, value in (("rope_type", modern), ("type", legacy)):
        if value is not None and not isinstance(value, str):
            raise ConfigError(
                f"{where}: '{key}' must be a string, got {value!r}",
                hint='use a rope type name such as "default" or "dynamic"',
            )
    if modern is not None and legacy is not None and modern != legacy:
        raise VllmRaises(
            "ValueError",
            f"Found conflicts between 'rope_type={modern}' (modern field) and 'type={legacy}' "
            "(legacy field). You should only specify one of them.",
            STEP,
            "conflicting_rope_types",
        )
    return str(modern or legacy or "default")


def _normalise_one(
    params: Mapping[str, Any], theta: float | int | None, partial: float | int | None, where: str
) -> tuple[dict[str, Any], list[Note]]:
    notes: list[Note] = []
    out = dict(params)
    rope_type = _rope_type(out, where)
    if rope_type in LEGACY_TYPES:
        new = LEGACY_TYPES[rope_type]
        notes.append(Note(STEP, f"legacy rope type {rope_type!r} is read as {new!r}"))
        if rope_type == "mrope" and "mrope_section" not in out:
            notes.append(Note(STEP, "rope type 'mrope' needs 'mrope_section', which is missing"))
        rope_type = new
    # The dict's own rope_theta wins over the config-level θ (transformers' setdefault).
    if theta is not None:
        out.setdefault("rope_theta", theta)
    if partial is not None:
        out.setdefault("partial_rotary_factor", partial)
    out["rope_type"] = rope_type
    return out, notes


def normalise_rope(cfg: HFConfig) -> tuple[dict[str, Any], list[Note]]:
    """One dict with rope_type, rope_theta and (when the config has one) partial_rotary_factor."""
    theta = config_theta(cfg)
    partial = config_partial_factor(cfg)
    # transformers 5: `rope_scaling or rope_parameters` — the v4 name wins when it is set.
    key = "rope_scaling" if cfg.get("rope_scaling") else "rope_parameters"
    params = cfg.dict_or_none(key) or {}
    where = f"{cfg.where(key)}: {key}"
    if is_nested(params):
        out: dict[str, Any] = {}
        notes: list[Note] = []
        for layer, sub in params.items():
            if sub is None:
                out[layer] = None
                continue
            out[layer], sub_notes = _normalise_one(sub, theta, partial, f"{where}.{layer}")
            notes.extend(sub_notes)
        return out, notes
    return _normalise_one(params, theta, partial, where)


def apply_dict_overrides(
    rope_parameters: dict[str, Any], nested: Mapping[str, Any], theta: float | int | None
) -> tuple[dict[str, Any], list[Note]]:
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
