"""llama.cpp: the HF→GGUF converter as released in the llama-cpp-python 0.3.36 sdist
(vendor/llama.cpp @0c1e570) and the runtime that loads its GGUF (ENGINES.md §3).

- load_hparams: AutoConfig(...).to_dict(), or the raw config.json when that raises. The converter
  pins transformers 4.57.6, which has no nomic_bert: Nomic configs are read as raw JSON there;
  under transformers 5 the native NomicBertConfig.to_dict() (mpe 2048, θ 1000) is used.
- get_model_class: an architecture without a converter model class is refused.
- NomicBertModel.__init__ rewrites n_positions: (8192, T 2048) → 2048, (2048, 2048) → 512, any
  other pair is ValueError (T = max_trained_positions, default 2048); then asserts (causal is
  False, ...).
- GPTNeoXModel writes its own metadata: no rope.freq_base and no rope scaling.
- context_length = the first present of max_position_embeddings, n_ctx, n_positions, max_length,
  max_sequence_length, model_max_length; freq_base = rope_parameters.rope_theta, else the first of
  global_rope_theta, ..., rope_theta, rotary_emb_base.
- The runtime has no dynamic NTK: one base for every length; n_ctx past n_ctx_train only warns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ntkcli.configs import tables
from ntkcli.configs.config_object import is_number
from ntkcli.engines import transformers as tf_engine
from ntkcli.engines.base import (
    ConfigClassInfo,
    EngineId,
    EngineRefusal,
    EngineRequest,
    EngineResult,
    FixedVersions,
    LengthResult,
    LengthStatus,
    edited_config,
)
from ntkcli.engines.llamacpp_architectures import TEXT_ARCHITECTURES
from ntkcli.model import RawConfig
from ntkcli.numbers import compact

VERSION = "0.3.36"
# The transformers the converter runs under: its pin (requirements-convert_legacy_llama.txt), or
# the 5.x it was also run under (`--transformers 5`).
TRANSFORMERS = {4: "4.57.6", 5: "5.19.0"}
RAW_JSON = "raw config.json"
EVIDENCE_TF = {
    4: "llama.cpp converter of llama-cpp-python 0.3.36 as run under transformers 4.57.6 "
    "(its pin); runtime rules read from the source; computed here without either",
    5: "llama.cpp converter of llama-cpp-python 0.3.36 as run under transformers 5.19; "
    "runtime rules read from the source; computed here without either",
}
CONTEXT_KEYS = (
    "max_position_embeddings",
    "n_ctx",
    "n_positions",
    "max_length",
    "max_sequence_length",
    "model_max_length",
)
THETA_KEYS = (
    "global_rope_theta",
    "rope_global_theta",
    "rope_theta_global",
    "rope_theta",
    "rotary_emb_base",
)


class ConverterRaises(Exception):
    """What the converter raises, as it prints it; convert() adds the config class it read."""

    config_class: ConfigClassInfo

    def __init__(self, error: str, message: str) -> None:
        self.refusal = EngineRefusal(error, message)


def transformers_major(text: str | None) -> int:
    if text is None:
        return 4
    return 4 if text.strip().startswith("4") else 5


def load_hparams(
    config: Mapping[str, Any], major: int
) -> tuple[dict[str, Any], ConfigClassInfo, str]:
    """(hparams, the config class read, how they were read): AutoConfig(...).to_dict() under the
    converter's transformers, or the raw config.json when AutoConfig raises."""
    version = TRANSFORMERS[major]
    tf = tf_engine.load_config(config, major=major, table=version)
    if isinstance(tf, EngineRefusal):
        read = f"AutoConfig raised {tf.error} under transformers {version}: raw config.json"
        return dict(config), ConfigClassInfo(RAW_JSON, "own parser"), read
    hparams = tf.attributes()
    if major == 4:
        # to_dict() under 4.x carries every class default, rope_theta among them (the class-facts
        # table holds the ones that matter here); the object's own values win.
        facts = tables.class_facts(version, tf.model_type) or {}
        hparams = {**facts.get("defaults", {}), **hparams}
    if major == 5 and tf.data.partial_key != "partial_rotary_factor":
        # GPTNeoXConfig 5.x folds rotary_pct into rope_parameters: to_dict() has no rotary_pct.
        hparams.pop(tf.data.partial_key, None)
    read = f"{tf.class_name}.to_dict() under transformers {version}"
    return hparams, tf_engine.class_info(tf), read


# get_model_architecture (conversion/base.py): these top-level architectures are kept even when
# text_config names another one.
KEEP_TOP_LEVEL = (
    "StepVLForConditionalGeneration",
    "Sarashina2VisionForCausalLM",
    "Exaone4_5_ForConditionalGeneration",
    "Step3p7ForConditionalGeneration",
    "KimiK3ForConditionalGeneration",
)


def model_architecture(hparams: Mapping[str, Any]) -> str:
    """get_model_architecture then get_model_class (conversion/base.py, conversion/__init__.py):
    the architecture the converter converts as, or ConverterRaises as convert_hf_to_gguf ends."""
    arch: Any = None
    architectures = hparams.get("architectures")
    ssm = hparams.get("ssm_cfg")
    if isinstance(architectures, list) and architectures:
        arch = architectures[0]
    elif isinstance(ssm, Mapping):
        arch = str(ssm.get("layer", "Mamba")) + "ForCausalLM"
    text_config = hparams.get("text_config")
    if arch not in KEEP_TOP_LEVEL and isinstance(text_config, Mapping):
        text_architectures = text_config.get("architectures")
        if isinstance(text_architectures, list) and text_architectures:
            arch = text_architectures[0]
    if arch is None:
        raise ConverterRaises("ValueError", "Failed to detect model architecture")
    if not isinstance(arch, str) or arch not in TEXT_ARCHITECTURES:
        # main() catches get_model_class's NotImplementedError, logs this and exits 1
        raise ConverterRaises("NotImplementedError", f"Model {arch} is not supported")
    return arch


def _nomic(hparams: dict[str, Any]) -> None:
    """NomicBertModel.__init__ (conversion/bert.py): n_positions is required, max_trained_positions
    defaults to 2048."""
    if "n_positions" not in hparams:
        raise ConverterRaises("KeyError", "'n_positions'")
    n_pos, trained = hparams["n_positions"], hparams.get("max_trained_positions", 2048)
    if (n_pos, trained) == (8192, 2048):
        hparams["n_positions"] = 2048
    elif (n_pos, trained) == (2048, 2048):
        hparams["n_positions"] = 512
    else:
        raise ConverterRaises(
            "ValueError",
            f"unrecognized parameters: n_positions={n_pos}, max_trained_positions={trained}",
        )
    if "causal" not in hparams:
        raise ConverterRaises("KeyError", "'causal'")
    is_moe = bool(hparams.get("moe_every_n_layers"))
    checks = (
        hparams["causal"] is False,
        hparams.get("qkv_proj_bias") == is_moe,
        hparams.get("mlp_fc1_bias") == is_moe,
        hparams.get("mlp_fc2_bias") == is_moe,
        hparams.get("prenorm") is False,
        hparams.get("rotary_emb_fraction") == 1.0,
        hparams.get("rotary_emb_interleaved") is False,
        hparams.get("rotary_emb_scale_base") is None,
        hparams.get("activation_function") == ("gelu" if is_moe else "swiglu"),
    )
    if not all(checks):
        raise ConverterRaises("AssertionError", "")


def convert(config: Mapping[str, Any], major: int) -> dict[str, Any]:
    """The GGUF metadata the converter writes that matters here, or ConverterRaises."""
    hparams, config_class, read = load_hparams(config, major)
    try:
        return _convert(hparams, config_class, read)
    except ConverterRaises as exc:
        exc.config_class = config_class
        raise


def _convert(hparams: dict[str, Any], config_class: ConfigClassInfo, read: str) -> dict[str, Any]:
    architecture = model_architecture(hparams)
    model_type = hparams.get("model_type")
    if model_type == "nomic_bert":
        _nomic(hparams)
    if architecture == "GPTNeoXForCausalLM":
        return _gpt_neox(hparams, config_class, read)
    rope = _rope_dict(hparams)
    theta = rope.get("rope_theta")
    theta_key: str | None = "rope_parameters.rope_theta"
    if not is_number(theta):
        theta, theta_key = None, None
        for key in THETA_KEYS:
            if is_number(hparams.get(key)):
                theta, theta_key = hparams[key], key
                break
    context, context_key = None, None
    for key in CONTEXT_KEYS:
        if hparams.get(key) is not None:
            context, context_key = hparams[key], key
            break
    kind = _rope_type(rope)
    scaling: str | None = None
    factor = rope.get("factor")
    if kind == "linear":
        scaling = f"linear {compact(factor)}" if is_number(factor) else "linear"
    elif kind == "yarn":
        scaling = f"yarn {compact(factor)}" if is_number(factor) else "yarn"
    elif kind in ("longrope", "su"):
        scaling = "longrope"
    return {
        "config_class": config_class,
        "read": read,
        "context_length": context,
        "context_key": context_key,
        "freq_base": None if theta is None else float(theta),
        "theta_key": theta_key,
        "scaling": scaling,
        "rope_type": kind,
        "model_type": model_type,
    }


def _rope_dict(hparams: Mapping[str, Any]) -> dict[str, Any]:
    """TextModel.__init__: the config's rope_parameters, else rope_scaling ({} when neither is a
    dict)."""
    rope = hparams.get("rope_parameters")
    if not isinstance(rope, Mapping):
        rope = hparams.get("rope_scaling")
    return dict(rope) if isinstance(rope, Mapping) else {}


def _rope_type(rope: Mapping[str, Any]) -> Any:
    return rope.get("rope_type", rope.get("type"))


def _gpt_neox(hparams: dict[str, Any], config_class: ConfigClassInfo, read: str) -> dict[str, Any]:
    """GPTNeoXModel.set_gguf_parameters (conversion/gptneox.py) replaces TextModel's: it writes
    context_length = hparams["max_position_embeddings"] and the rope dimension from rotary_pct,
    and no rope.freq_base or rope scaling at all."""
    for key in ("max_position_embeddings", "rotary_pct"):
        # under transformers 5 GPTNeoXConfig.to_dict() has no rotary_pct (it is folded into
        # rope_parameters.partial_rotary_factor)
        if key not in hparams:
            raise ConverterRaises("KeyError", repr(key))
    return {
        "config_class": config_class,
        "read": read,
        "context_length": hparams["max_position_embeddings"],
        "context_key": "max_position_embeddings",
        "freq_base": None,
        "theta_key": None,
        "scaling": None,
        "rope_type": _rope_type(_rope_dict(hparams)),
        "model_type": hparams.get("model_type"),
    }


def refused_result(
    name: str,
    version: str,
    evidence: str,
    refusal: EngineRefusal,
    lengths: tuple[int, ...],
    notes: tuple[str, ...],
    config_class: ConfigClassInfo,
) -> EngineResult:
    return EngineResult(
        EngineId(name, version), config_class, None, None, refusal, None,
        None, None, None, tuple(LengthResult(n, None, False, 0, "refused") for n in lengths),
        "none", evidence, notes,
    )  # fmt: skip


def gguf(
    raw: RawConfig, request: EngineRequest
) -> tuple[dict[str, Any] | ConverterRaises, int, list[str]]:
    major = transformers_major(request.transformers)
    notes: list[str] = []
    if request.hf_overrides:
        notes.append("overrides applied to config.json as if the file had been edited")
    config = edited_config(raw.config, request.hf_overrides)
    try:
        return convert(config, major), major, notes
    except ConverterRaises as exc:
        return exc, major, notes


class LlamaCppEngine(FixedVersions):
    name = "llamacpp"
    label = "llama.cpp"
    versions = (VERSION,)

    def resolve(self, raw: RawConfig, request: EngineRequest, version: str) -> EngineResult:
        meta, major, notes = gguf(raw, request)
        evidence = EVIDENCE_TF[major]
        if isinstance(meta, ConverterRaises):
            return refused_result(
                self.name, version, evidence, meta.refusal, request.lengths, tuple(notes),
                meta.config_class,
            )  # fmt: skip
        return describe(self.name, version, evidence, meta, request, notes, None)


def describe(
    name: str,
    version: str,
    evidence: str,
    meta: Mapping[str, Any],
    request: EngineRequest,
    notes: list[str],
    num_ctx: tuple[int, str] | None,
) -> EngineResult:
    """The runtime on the converted GGUF; `num_ctx` is Ollama's clamped context (else None)."""
    train = meta["context_length"]
    base = meta["freq_base"]
    notes.append(f"hparams: {meta['read']}")
    if meta["rope_type"] == "dynamic":
        notes.append("rope_type dynamic: nothing is written to the GGUF (no dynamic NTK)")
    if meta["model_type"] == "nomic_bert":
        notes.append("rotary_scaling_factor is never read: the GGUF carries no scaling")
    if base is None:
        notes.append("no θ in the config: no rope.freq_base written (llama.cpp's default applies)")
    max_len, key = train, f"n_ctx_train ({meta['context_key']})"
    if num_ctx is not None:
        max_len, key = num_ctx
    lengths = []
    for n in request.lengths:
        if num_ctx is not None:
            used = min(n, num_ctx[0])
            status: LengthStatus = "truncated" if used < n else "accepted"
            lengths.append(
                LengthResult(
                    n, base, True, used, status, f"truncated to {used}" if used < n else None
                )
            )
        elif train is not None and n > train:
            note = f"n_ctx {n} > n_ctx_train {train}: llama.cpp only warns"
            lengths.append(LengthResult(n, base, True, n, "warned", note))
        else:
            lengths.append(LengthResult(n, base, True, n, "accepted"))
    rope_class = f"freq_base {compact(base)}" if base is not None else "freq_base default"
    rope_class += f", scaling {meta['scaling']}" if meta["scaling"] else ", no scaling"
    return EngineResult(
        engine=EngineId(name, version),
        config_class=meta["config_class"],
        max_len=max_len,
        max_len_key=key,
        refusal=None,
        rope_class=rope_class,
        base=base,
        scaled_base=base,
        cache_shape=None,
        lengths=tuple(lengths),
        scaling="fixed at load",
        evidence=evidence,
        notes=tuple(notes),
        extra={"n_ctx_train": train, "gguf_scaling": meta["scaling"]},
    )
