"""SPEC §4.1–§4.2: the max length vLLM derives from a config, and the check of the user's value."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ntkcli.configs.config_object import ConfigObject, check_length
from ntkcli.errors import ConfigError
from ntkcli.model import MAX_LENGTH, DerivedLength, Note, VllmVersion
from ntkcli.numbers import compact
from ntkcli.vllm.rope_params import VllmRaises, is_nested

STEP = "derive max length"

# §4.1, in vLLM's order: the first key with the smallest value is the one named in messages.
LENGTH_KEYS = (
    "max_position_embeddings",
    "n_positions",
    "max_seq_len",
    "seq_length",
    "model_max_length",
    "max_target_positions",
    "max_sequence_length",
    "max_seq_length",
    "seq_len",
)
FALLBACK_LENGTH = 2048
NO_FACTOR_TYPES = frozenset({"su", "longrope", "llama3"})
YARN_TYPES = frozenset({"yarn", "deepseek_yarn", "deepseek_llama_scaling"})

REFUSAL_TAIL = (
    " To allow overriding this maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. "
    "VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme caution. If the model uses relative "
    "position encoding (RoPE), positions exceeding derived_max_model_len lead to nan. If the model "
    "uses absolute position encoding, positions exceeding derived_max_model_len will cause a CUDA "
    "array out-of-bounds error."
)


def _layers(rope_parameters: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    # Both shapes visit the same dicts for a non-Gemma3 config (Gemma3 is exempt), so the
    # version would only matter for an empty/None layer entry, which 0.33 skips; 0.22 would fail
    # on it the same way get_rope does later: one rule serves every version.
    """The factor loop's layer dicts: 0.21/0.22 wrap a flat dict as {"": rp}; 0.33 uses
    iter_rope_parameters, skipping empty and non-dict entries (SPEC §4.1.4)."""
    if is_nested(rope_parameters):
        return [v for v in rope_parameters.values() if isinstance(v, dict) and v]
    return [rope_parameters]


def rope_factor(value: Any, where: str) -> float:
    """A factor as a number ("factor" may be an int, float or a linear list: its first entry
    is not what vLLM multiplies; a list makes `derived *= list` fail in Python)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ConfigError(
            f"{where}: rope 'factor' must be a number, got {value!r}"[:200],
            hint="set rope_parameters.factor to a number such as 2.0",
        )
    if abs(value) == float("inf"):
        raise ConfigError(f"{where}: rope 'factor' must be finite, got {value!r}")
    return float(value)


def st_length(st_config: Mapping[str, Any] | None, version: VllmVersion) -> int | None:
    """The sentence-transformers max_seq_length vLLM would use, if any (§4.1.6)."""
    if not st_config or "max_seq_length" not in st_config:
        return None
    if version.st_needs_do_lower_case and "do_lower_case" not in st_config:
        return None
    value = st_config["max_seq_length"]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_LENGTH:
        raise ConfigError(
            f"sentence-transformers config: 'max_seq_length' must be a positive integer, "
            f"got {value!r}"[:200],
            hint="fix max_seq_length in sentence_bert_config.json",
        )
    return value


def derive_max_len(
    cfg: ConfigObject,
    rope_parameters: Mapping[str, Any] | None,
    st_config: Mapping[str, Any] | None,
    version: VllmVersion,
    user_len: int | None,
) -> tuple[DerivedLength, list[Note]]:
    """vllm/config/model.py derive_max_model_len_and_key + _get_and_verify_max_len (§4.1)."""
    notes: list[Note] = []
    found: dict[str, int] = {}
    for name in LENGTH_KEYS:
        raw = cfg.get(name, None)  # getattr: class defaults and aliases count (§4.1.1)
        if raw is not None:
            found[name] = check_length(name, raw)
    # The smallest, the first key in LENGTH_KEYS on a tie; a truthy model_max_length wins.
    key = (
        "model_max_length"
        if found.get("model_max_length")
        else min(found, key=found.__getitem__, default=None)
    )
    best = None if key is None else found[key]

    if best is None and user_len is not None:
        # vLLM returns the user's value as is, unchecked and unscaled.
        notes.append(Note(STEP, f"no length key in the config; the user's {user_len} is used"))
        d = DerivedLength(
            None, None, 1.0, False, float(user_len), None, False, float(user_len), fallback=True
        )
        return d, notes
    fallback = best is None
    if best is None:
        notes.append(
            Note(
                STEP,
                f"The model's config.json does not contain any of the following keys to "
                f"determine the original maximum length of the model: {list(LENGTH_KEYS)}. "
                f"Assuming the model's maximum length is {FALLBACK_LENGTH}.",
            )
        )
        best = FALLBACK_LENGTH

    value: float | int = best
    factor, applied = 1.0, False
    if rope_parameters and "gemma3" not in cfg.model_type:
        layers = _layers(rope_parameters)
        scale: Any = 1.0
        for rp in layers:
            if "rope_type" not in rp:
                # vLLM indexes rope_parameters["rope_type"]: a dict override spelled with "type".
                raise VllmRaises("KeyError", "'rope_type'", STEP, "missing_rope_type")
            rope_type = rp["rope_type"]
            excluded = isinstance(rope_type, str) and (
                rope_type in NO_FACTOR_TYPES
                or (version.yarn_skips_factor and rope_type in YARN_TYPES)
            )
            if excluded:
                continue
            scale = rp.get("factor", scale)  # the last layer wins (§4.1.4)
            if rope_type == "yarn" and version.yarn_uses_original_length:
                original = rp.get("original_max_position_embeddings")
                if original is not None:
                    value = check_length("original_max_position_embeddings", original)
        applied = True
        if scale is None:
            notes.append(Note(STEP, "null scaling factor: vLLM treats it as 1.0"))
            scale = 1.0
        factor = rope_factor(scale, "rope_parameters")
        value = value * factor  # may overflow to inf: vLLM keeps the float (see below)

    if applied and value < 0:
        # vLLM does not check this; nothing it builds from a non-positive length works.
        raise VllmRaises(
            "ValueError",
            f"the derived max_model_len is {value!r} (rope factor {factor!r}): not a usable "
            "length. vLLM does not check it, and nothing it builds from a length ≤ 0 works: "
            "ntkcli stops here",
            STEP,
            "unusable_length",
        )
    st = st_length(st_config, version)
    final = float(st) if st is not None else float(value)
    derived = DerivedLength(
        key=key,
        config_value=None if fallback else best,
        factor=factor,
        factor_applied=applied,
        value=float(value),
        st_length=st,
        st_replaced=st is not None,
        final=final,
        fallback=fallback,
    )
    if st is not None and st != value:
        notes.append(
            Note(
                STEP,
                f"sentence-transformers max_seq_length {st} replaces the derived length "
                f"{compact(value)}",
            )
        )
    return derived, notes


def default_max_model_len(
    derived: DerivedLength, rope_parameters: Mapping[str, Any] | None, cfg: ConfigObject
) -> int:
    """§4.2.1: no user value: the derived length; with any longrope layer,
    int(getattr(config, "original_max_position_embeddings", derived)) (the attribute)."""
    layers = (
        []
        if not rope_parameters
        else (
            [v for v in rope_parameters.values() if isinstance(v, dict)]
            if is_nested(rope_parameters)
            else [rope_parameters]
        )
    )
    if any(rp.get("rope_type") == "longrope" for rp in layers):
        original = cfg.get("original_max_position_embeddings", None)
        if original is not None:
            return check_length("original_max_position_embeddings", original, minimum=1)
    if not math.isfinite(derived.final):
        # int(derived_max_model_len) of a factor that overflowed the float (e.g. factor 1e308).
        raise VllmRaises(
            "OverflowError", "cannot convert float infinity to integer", STEP, "length_overflow"
        )
    return int(derived.final)


def check_user_len(
    requested: int,
    derived: DerivedLength,
    cfg: ConfigObject,
    allow_long: bool,
) -> tuple[str | None, list[Note]]:
    """§4.2: None when vLLM accepts `requested`, else the ValueError message it raises."""
    if requested <= derived.final:
        return None, []
    model_max_length = cfg.get("model_max_length", None)
    if (
        isinstance(model_max_length, (int, float))
        and not isinstance(model_max_length, bool)
        and (requested <= model_max_length)
    ):
        return None, []
    message = (
        f"User-specified max_model_len ({requested}) is greater than the derived max_model_len "
        f"({derived.key}={derived.message_value} or model_max_length={model_max_length!r} in "
        "model's config.json)."
    )
    if allow_long:
        return None, [
            Note(
                STEP, message + " Make sure the value is correct and within the model context size."
            )
        ]
    return message + REFUSAL_TAIL, []
