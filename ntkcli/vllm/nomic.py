"""SPEC §4.3: vLLM's NomicBert config update, old (≤ 0.21) and new (≥ 0.22), as a pure function
that returns what changed instead of mutating a config and logging."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ntkcli.configs.config_object import ConfigObject, LoadRefusal, check_length
from ntkcli.model import DerivedLength, NomicUpdate, Note, Refusal, VllmVersion
from ntkcli.vllm.max_len import check_user_len, derive_max_len
from ntkcli.vllm.rope_params import is_nested

STEP = "NomicBert config update"
NOMIC_ARCHITECTURES = frozenset({"NomicBertModel"})


def is_nomic(cfg: ConfigObject, architectures: tuple[str, ...]) -> bool:
    """vLLM runs the update for the NomicBertModel architecture (MODELS_CONFIG_MAP)."""
    # ntkcli's choice (kept from before): nomic_bert configs get the update whatever their
    # architectures say (NomicBertForPreTraining checkpoints are served as NomicBertModel).
    return cfg.model_type == "nomic_bert" or bool(NOMIC_ARCHITECTURES.intersection(architectures))


def assertion_failures(cfg: ConfigObject) -> tuple[str, ...]:
    """The `assert`s of vLLM's NomicBertModelConfig, in its order, each as a readable line.
    Every version runs them first (§4.3.1); a key the native class lacks raises AttributeError
    (LoadRefusal "missing_attribute") the moment vLLM reads it."""
    failures = []
    if cfg.class_name != "NomicBertConfig":
        failures.append(
            "assert config.__class__.__name__ == 'NomicBertConfig' "
            f"(the config class is {cfg.class_name!r})"
        )
    activation = cfg.get("activation_function")
    if activation not in ("swiglu", "gelu"):
        failures.append(
            f"assert config.activation_function in ['swiglu', 'gelu'] (got {activation!r})"[:200]
        )
    biases = [cfg.get(k) for k in ("mlp_fc1_bias", "mlp_fc2_bias", "qkv_proj_bias")]
    if not biases[0] == biases[1] == biases[2]:
        failures.append(
            "assert config.mlp_fc1_bias == config.mlp_fc2_bias == config.qkv_proj_bias "
            f"(got {biases[0]!r}, {biases[1]!r}, {biases[2]!r})"[:200]
        )
    scale_base = cfg.get("rotary_emb_scale_base")
    if scale_base is not None:
        failures.append(f"assert config.rotary_emb_scale_base is None (got {scale_base!r})"[:200])
    if cfg.get("rotary_emb_interleaved"):
        failures.append("assert not config.rotary_emb_interleaved (got true)")
    return tuple(failures)


def head_size(cfg: ConfigObject) -> int:
    """hidden_size = n_embd; head_size = hidden_size // num_attention_heads (the native class's
    own field, default 12, not n_head)."""
    hidden = cfg.length("n_embd", minimum=1)
    heads = cfg.length("num_attention_heads", minimum=1)
    return hidden // heads


def trained_positions(cfg: ConfigObject, version: VllmVersion) -> tuple[int, str]:
    """T and where it came from. New: max_trained_positions, else max_position_embeddings, else
    2048. Old: max_trained_positions, else 2048."""
    value = cfg.get("max_trained_positions", None)
    if value is not None:
        source = (
            "max_trained_positions" if cfg.in_json("max_trained_positions") else "class default"
        )
        return check_length("max_trained_positions", value, minimum=1), source
    if version.nomic_update == "new":
        mpe = cfg.get("max_position_embeddings", None)
        if mpe is not None:
            return check_length("max_position_embeddings", mpe, minimum=1), (
                "max_position_embeddings"
            )
    return 2048, "fallback 2048"


@dataclass(frozen=True)
class NomicResult:
    update: NomicUpdate
    rope_parameters: dict[str, Any]
    max_position: int  # L handed to get_rope
    max_model_len: int | None
    refusal: Refusal | None
    notes: tuple[Note, ...]


def st_loaded(st_config: Mapping[str, Any] | None, version: VllmVersion) -> bool:
    """Whether vLLM keeps an encoder config at all (≤ 0.21 needs both keys)."""
    if st_config is None:
        return False
    if version.st_needs_do_lower_case:
        return "max_seq_length" in st_config and "do_lower_case" in st_config
    return True


def nomic_update(
    cfg: ConfigObject,
    version: VllmVersion,
    rope_parameters: Mapping[str, Any] | None,
    st_config: Mapping[str, Any] | None,
    max_model_len: int,
    user_len: int | None,
    flat_overrides: Mapping[str, Any],
    any_overrides: bool,
    allow_long: bool,
) -> NomicResult:
    """Run after §4.1–4.2 with the max_model_len they produced (or were asked for)."""
    try:
        failures = assertion_failures(cfg)
    except LoadRefusal as exc:
        # The native class has no such field: vLLM fails reading it (SPEC §2.4.5).
        missing = Refusal(exc.error, exc.message, STEP, "missing_attribute")
        trained, trained_from = trained_positions(cfg, version)
        update = NomicUpdate(version.nomic_update, trained, trained_from, ())
        return NomicResult(update, dict(rope_parameters or {}), max_model_len, None, missing, ())
    refusal = Refusal("AssertionError", failures[0], STEP, "nomic_assertion") if failures else None
    trained, trained_from = trained_positions(cfg, version)
    notes: list[Note] = []
    override_len = flat_overrides.get("max_model_len")

    if version.nomic_update == "new":
        params = dict(rope_parameters or {})
        if not is_nested(params):
            # The user's own max_trained_positions inside rope_parameters wins.
            params = {"max_trained_positions": trained, **params}
        ignored = None
        if override_len is not None:
            ignored = check_length("max_model_len", override_len, minimum=1)
            notes.append(
                Note(
                    STEP, f"flat hf_overrides max_model_len={ignored} has no effect in vLLM ≥ 0.22"
                )
            )
        update = NomicUpdate(
            "new", trained, trained_from, failures, ignored_max_model_len_override=ignored
        )
        return NomicResult(update, params, max_model_len, max_model_len, refusal, tuple(notes))

    # Old: the rotary object is always built for T.
    clamped_from = None
    recheck: DerivedLength | None = None
    final: int | None = max_model_len
    if not any_overrides and user_len is None:
        if trained < max_model_len:
            notes.append(
                Note(
                    STEP,
                    "Nomic context extension is disabled. Changing max_model_len "
                    f"from {max_model_len} to {trained}.",
                )
            )
            clamped_from, final = max_model_len, trained
    elif not st_loaded(st_config, version):
        refusal = refusal or Refusal(
            "AttributeError", "'NoneType' object has no attribute 'pop'", STEP, "nomic_missing_st"
        )
    else:
        limited = cfg.update({"max_position_embeddings": trained})
        recheck, derive_notes = derive_max_len(limited, rope_parameters, None, version, None)
        notes.extend(derive_notes)
        if override_len is not None:
            requested = check_length("max_model_len", override_len, minimum=1)
        elif user_len is not None:
            requested = user_len
        else:
            requested = max_model_len
        message, check_notes = check_user_len(requested, recheck, limited, allow_long)
        notes.extend(check_notes)
        if message is not None:
            refusal = refusal or Refusal("ValueError", message, STEP, "max_model_len_too_long")
            final = None
        else:
            final = requested
    update = NomicUpdate(
        "old", trained, trained_from, failures, clamped_from=clamped_from, recheck_limit=recheck
    )
    if refusal is not None:
        final = None
    return NomicResult(update, dict(rope_parameters or {}), trained, final, refusal, tuple(notes))
