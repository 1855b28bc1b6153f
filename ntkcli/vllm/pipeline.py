"""The whole vLLM resolution for one config and one request (SPEC §4, "Order inside vLLM"):

build the config object (load) → flat overrides → patch_rope_parameters → dict overrides →
derive the max length → the user's max_model_len → model config update (NomicBert, GTE, Jina)
→ model code picks get_rope's arguments → get_rope.

Refusals are data: when vLLM would stop, the Resolution records the exception and the stage,
`max_model_len` is None, and ntkcli still describes the rotary object that would have been built
for the requested length (`built=False`) when it can, so a user sees what the refusal protects
them from.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ntkcli.configs.config_object import ConfigObject, LoadRefusal
from ntkcli.errors import ConfigError, UsageError
from ntkcli.model import (
    ModelCode,
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
from ntkcli.vllm.model_code import model_code
from ntkcli.vllm.nomic import head_size as nomic_head_size
from ntkcli.vllm.nomic import is_nomic, nomic_update
from ntkcli.vllm.overrides import split_overrides
from ntkcli.vllm.rope_params import (
    VllmRaises,
    apply_dict_overrides,
    config_theta,
    patch_rope_parameters,
)

LOAD_STEP = "load config"
TRANSFORMERS_LABELS = {"5": "5.20.2", "4": "4.57.6"}


def _architectures(config: Any) -> tuple[str, ...]:
    value = config.get("architectures")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"config.json: 'architectures' must be a list of strings, got {value!r}"[:200],
            hint="fix 'architectures' in config.json",
        )
    return tuple(value)


def transformers_major(request: Request) -> tuple[int, str]:
    """The transformers major assumed, and its label; 4 only where the release allows it."""
    text = request.transformers.strip()
    major = text.split(".", 1)[0]
    if major not in TRANSFORMERS_LABELS:
        raise UsageError(
            f"--transformers {text!r} is not 4 or 5", hint="use --transformers 5 (or 4)"
        )
    if major == "4" and not request.vllm.transformers4_allowed:
        raise UsageError(
            f"--transformers 4: vLLM {request.vllm.release} requires transformers "
            f"{request.vllm.transformers_allowed}",
            hint="transformers 4 is allowed up to vLLM 0.23.x; use --transformers 5",
        )
    label = text if "." in text else TRANSFORMERS_LABELS[major]
    return int(major), label


def resolve(raw: RawConfig, request: Request) -> Resolution:
    version = request.vllm
    major, label = transformers_major(request)
    flat, nested = split_overrides(request.hf_overrides)
    architectures = _architectures(raw.config)
    model_type = raw.config.get("model_type", "")
    notes: list[Note] = [Note("vLLM", n) for n in version.notes]
    refusal: Refusal | None = None
    cfg: ConfigObject | None = None

    def finish(**kw: Any) -> Resolution:
        base: dict[str, Any] = {
            "raw": raw,
            "request": request,
            "model_type": model_type,  # a str: the config object refuses any other
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
            "config_values": cfg.attributes() if cfg is not None else dict(raw.config),
            "config_class": cfg.class_name if cfg is not None else None,
            "config_origin": cfg.origin if cfg is not None else None,
            "config_class_known": cfg.known if cfg is not None else True,
            "transformers": str(major),
            "transformers_label": label,
        }
        base.update(kw)
        return Resolution(**base)

    # §2.2, §3.1, §3.5: build the config object, then the flat overrides (config.update).
    try:
        cfg = ConfigObject(
            raw.config, trust_remote_code=request.trust_remote_code, transformers_major=major
        )
        if flat:
            cfg = cfg.update(flat)
    except LoadRefusal as exc:
        refusal = Refusal(exc.error, exc.message, LOAD_STEP, f"load:{exc.cause}")
        return finish()
    if cfg.origin == "remote" and not cfg.known:
        notes.append(
            Note(
                LOAD_STEP,
                f"remote config class {cfg.remote_ref} is unknown to ntkcli: config.json is "
                "read as is, without that class's defaults or aliases (best effort)",
            )
        )

    # §3: patch_rope_parameters, then dict overrides (wholesale, never normalised).
    try:
        patched, step_notes = patch_rope_parameters(cfg)
    except VllmRaises as exc:
        refusal = exc.refusal()
        return finish()
    notes.extend(step_notes)
    rope_parameters, step_notes = apply_dict_overrides(patched, nested, config_theta(cfg))
    notes.extend(step_notes)
    cfg = cfg.with_rope_parameters(rope_parameters)

    # §4.1–4.2: derived length and the user's max_model_len.
    user_len = request.max_model_len
    try:
        derived, step_notes = max_len.derive_max_len(
            cfg, rope_parameters, raw.st_config, version, user_len
        )
    except VllmRaises as exc:
        refusal = exc.refusal()
        return finish(normalised_rope=patched or {}, rope_parameters=rope_parameters or {})
    notes.extend(step_notes)
    if user_len is None:
        try:
            requested = max_len.default_max_model_len(derived, rope_parameters, cfg)
        except VllmRaises as exc:
            refusal = exc.refusal()
            return finish(
                normalised_rope=patched or {},
                rope_parameters=rope_parameters or {},
                derived=derived,
            )
    else:
        requested = user_len
        message, step_notes = max_len.check_user_len(
            user_len, derived, cfg, request.allow_long_max_model_len
        )
        notes.extend(step_notes)
        if message is not None:
            refusal = Refusal("ValueError", message, max_len.STEP, "max_model_len_too_long")
    max_model_len: int | None = requested  # None below if anything refused

    # §4.3: NomicBert update (only reached when §4.2 accepted the length; the numbers are still
    # shown with built=False when it did not). Then the model code (§4.4').
    update: NomicUpdate | None = None
    code: ModelCode
    layers: list[tuple[str | None, Any]]
    if is_nomic(cfg, architectures):
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
        update = result.update
        notes.extend(result.notes)
        if refusal is None:
            refusal, max_model_len = result.refusal, result.max_model_len
        head: int | None = None
        if result.refusal is None or result.refusal.cause != "missing_attribute":
            try:
                head = nomic_head_size(cfg)
            except LoadRefusal as exc:
                refusal = refusal or Refusal(
                    exc.error, exc.message, "NomicBert config update", "missing_attribute"
                )
        code = ModelCode(
            architectures[0] if architectures else None,
            "bert_with_rope.py",
            head,
            result.max_position,
            True,
        )
        layers = [(None, result.rope_parameters)] if head is not None else []
    else:
        code_result = model_code(cfg, architectures, rope_parameters, version)
        code = code_result.code
        notes.extend(code_result.notes)
        if code_result.refusal is not None:
            refusal = refusal or code_result.refusal
        layers = [(layer.label, layer.params) for layer in code_result.layers]
    if refusal is not None:
        max_model_len = None

    # §4.4: get_rope, once per layer type.
    rotaries: list[tuple[str, Rotary]] = []
    if code.head_size is not None and code.max_position is not None:
        for label_, params in layers:
            try:
                rotary = build_rotary(
                    params,
                    code.head_size,
                    code.max_position,
                    request.dtype,
                    version,
                    is_neox_style=code.is_neox_style,
                )
            except VllmRaises as exc:
                refusal = refusal or exc.refusal()
                max_model_len = None
                break
            rotaries.append((label_ or "", rotary))
    if refusal is not None:
        rotaries = [(n, replace(r, built=False)) for n, r in rotaries]
    primary = rotaries[0][1] if rotaries else None
    passed = layers[0][1] if layers else rope_parameters
    if len(layers) > 1:
        passed = {label_: params for label_, params in layers}
    return finish(
        normalised_rope=patched or {},
        rope_parameters=passed or {},
        derived=derived,
        max_model_len=max_model_len,
        requested_len=requested,
        nomic=update,
        rotary=primary,
        model_code=code,
        layer_rotaries=tuple(rotaries) if len(rotaries) > 1 else (),
    )
