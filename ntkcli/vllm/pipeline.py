"""The whole vLLM resolution for one config and one request (SPEC §4, "Order inside vLLM").

Refusals are data: when vLLM would stop, the Resolution records the exception and ntkcli still
describes the rotary object that would have been built for the requested length (`built=False`),
so a user sees what the refusal protects them from.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ntkcli.errors import ConfigError
from ntkcli.model import (
    DerivedLength,
    NomicUpdate,
    Note,
    RawConfig,
    Refusal,
    Request,
    Resolution,
    Rotary,
)
from ntkcli.vllm import max_len
from ntkcli.vllm.get_rope import build_rotary
from ntkcli.vllm.hf_config import HFConfig
from ntkcli.vllm.nomic import is_nomic, nomic_update
from ntkcli.vllm.overrides import split_overrides
from ntkcli.vllm.rope_params import (
    VllmRaises,
    apply_dict_overrides,
    config_theta,
    normalise_rope,
    primary_layer,
)


def _architectures(cfg: HFConfig) -> tuple[str, ...]:
    value = cfg.get("architectures")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"{cfg.where('architectures')}: 'architectures' must be a list of strings, "
            f"got {value!r}"[:200],
            hint="fix 'architectures' in config.json",
        )
    return tuple(value)


def head_size(cfg: HFConfig, nomic: bool) -> int:
    """head_size: n_embd // n_head for Nomic (§4.3), else head_dim, else hidden // heads."""
    if not nomic:
        head_dim = cfg.int_or_none("head_dim")
        if head_dim is not None:
            return head_dim
    hidden = cfg.int_or_none("hidden_size")
    heads = cfg.int_or_none("num_attention_heads")
    if hidden is None or heads is None:
        missing = "hidden_size" if hidden is None else "num_attention_heads"
        raise ConfigError(
            f"{cfg.origin}: '{missing}' is missing, so the head size is unknown",
            hint="is this a transformer config? set head_dim, or hidden_size and "
            "num_attention_heads",
        )
    return hidden // heads


def _model_max_position(cfg: HFConfig, derived: DerivedLength | None, fallback: int) -> int:
    """Non-Nomic architectures pass the config's own, unscaled max_position_embeddings (§4.4)."""
    value = cfg.int_or_none("max_position_embeddings")
    if value is not None:
        return value
    if derived is not None and derived.config_value is not None:
        return derived.config_value
    return fallback


def resolve(raw: RawConfig, request: Request) -> Resolution:
    version = request.vllm
    flat, nested = split_overrides(request.hf_overrides)
    cfg = HFConfig(raw.config)
    if flat:
        cfg = cfg.with_updates(flat)
    model_type = cfg.model_type
    architectures = _architectures(cfg)
    nomic = is_nomic(cfg, architectures)
    notes: list[Note] = []
    refusal: Refusal | None = None

    def finish(**kw: Any) -> Resolution:
        base: dict[str, Any] = {
            "raw": raw,
            "request": request,
            "model_type": model_type,
            "architectures": architectures,
            "normalised_rope": {},
            "rope_parameters": {},
            "derived": None,
            "max_model_len": None,
            "requested_len": request.max_model_len,
            "refusal": refusal,
            "nomic": None,
            "rotary": None,
            "notes": tuple(notes),
            "config_values": cfg.as_dict(),
        }
        base.update(kw)
        return Resolution(**base)

    # §3: normalise, then dict overrides.
    try:
        normalised, step_notes = normalise_rope(cfg)
    except VllmRaises as exc:
        refusal = exc.refusal()
        return finish()
    notes.extend(step_notes)
    rope_parameters, step_notes = apply_dict_overrides(normalised, nested, config_theta(cfg))
    notes.extend(step_notes)

    # §4.1–4.2: derived length and the user's max_model_len.
    user_len = request.max_model_len
    try:
        derived, step_notes = max_len.derive_max_len(
            cfg, rope_parameters, raw.st_config, version, user_len
        )
    except VllmRaises as exc:
        refusal = exc.refusal()
        return finish(normalised_rope=normalised, rope_parameters=rope_parameters)
    notes.extend(step_notes)
    if user_len is None:
        requested = max_len.default_max_model_len(derived, rope_parameters)
    else:
        requested = user_len
        message, step_notes = max_len.check_user_len(
            user_len, derived, cfg, request.allow_long_max_model_len
        )
        notes.extend(step_notes)
        if message is not None:
            refusal = Refusal("ValueError", message, max_len.STEP, "max_model_len_too_long")
    max_model_len: int | None = None if refusal else requested

    # §4.3: NomicBert update. vLLM only gets there when §4.2 accepted the length, but the numbers
    # are still shown (built=False) when it did not.
    update: NomicUpdate | None = None
    max_position = requested
    if nomic:
        result = nomic_update(
            cfg,
            version,
            rope_parameters,
            raw.st_config,
            requested,
            user_len,
            flat,
            any_overrides=bool(request.hf_overrides),
            allow_long=request.allow_long_max_model_len,
        )
        update, rope_parameters, max_position = (
            result.update,
            result.rope_parameters,
            (result.max_position),
        )
        notes.extend(result.notes)
        if refusal is None:
            refusal, max_model_len = result.refusal, result.max_model_len
    else:
        max_position = _model_max_position(cfg, derived, requested)

    # §4.4: get_rope.
    rotary: Rotary | None = None
    layer, params = primary_layer(rope_parameters)
    if layer is not None:
        notes.append(Note("get_rope", f"per-layer rope parameters: describing {layer!r}"))
    try:
        rotary = build_rotary(params, head_size(cfg, nomic), max_position, request.dtype, version)
    except VllmRaises as exc:
        refusal = refusal or exc.refusal()
    if rotary is not None and refusal is not None:
        rotary = replace(rotary, built=False)
    return finish(
        normalised_rope=normalised,
        rope_parameters=rope_parameters,
        derived=derived,
        max_model_len=max_model_len,
        requested_len=requested,
        nomic=update,
        rotary=rotary,
        notes=tuple(notes),
    )
