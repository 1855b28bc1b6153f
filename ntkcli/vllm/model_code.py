"""SPEC-loading §4.4': what each architecture's vLLM model code passes to get_rope (head size,
max_position, rope parameters, θ default, neox style), and the model-specific config updates
of vllm/model_executor/models/config.py other than NomicBert (GteNew, Snowflake GTE, Jina).

One function per architecture family in a registry keyed by the architecture name; the first
entry of `architectures` decides, as in vLLM's registry. Architectures 0.33 serves through its
Transformers backend get no get_rope call at all (G5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from ntkcli.configs.config_object import ConfigObject, check_length
from ntkcli.errors import ConfigError
from ntkcli.model import ModelCode, Note, Refusal, VllmVersion
from ntkcli.vllm.rope_params import is_nested

STEP = "model code"
UPDATE_STEP = "model config update"
BACKEND_NOTE = "served by transformers' own RoPE; vLLM get_rope formulas do not apply"


@dataclass(frozen=True)
class Layer:
    """One get_rope call: which layer type it serves and the rope parameters it passes."""

    label: str | None  # None for a model with one rotary object; "full_attention", ...
    params: Mapping[str, Any] | None


@dataclass(frozen=True)
class CodeResult:
    code: ModelCode
    layers: tuple[Layer, ...] = ()
    refusal: Refusal | None = None
    notes: tuple[Note, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CodeInput:
    cfg: ConfigObject
    architecture: str | None
    rope_parameters: Mapping[str, Any] | None
    version: VllmVersion


def _length(cfg: ConfigObject, name: str, default: Any) -> int:
    return check_length(name, cfg.get(name, default))


def hidden_over_heads(cfg: ConfigObject) -> int:
    hidden = cfg.get("hidden_size", None)
    heads = cfg.get("num_attention_heads", None)
    if hidden is None or heads is None:
        missing = "hidden_size" if hidden is None else "num_attention_heads"
        raise ConfigError(
            f"config.json: '{missing}' is missing, so the head size is unknown",
            hint="is this a transformer config? set head_dim, or hidden_size and "
            "num_attention_heads",
        )
    return cfg.length("hidden_size", minimum=1) // cfg.length("num_attention_heads", minimum=1)


def _one(x: CodeInput, module: str, head: int, length: int, **kw: Any) -> CodeResult:
    return CodeResult(
        ModelCode(x.architecture, module, head, length, True, **kw),
        (Layer(None, x.rope_parameters),),
    )


# The per-architecture builders take their module (and defaults) as arguments, bound with
# functools.partial in ARCHITECTURES: closures built at import would hide their code from
# mutation testing.
def _llama_like(x: CodeInput, module: str) -> CodeResult:
    head_dim = x.cfg.get("head_dim", None)
    head = check_length("head_dim", head_dim, minimum=1) if head_dim else hidden_over_heads(x.cfg)
    return _one(x, module, head, _length(x.cfg, "max_position_embeddings", 8192))


def _with_default_theta(x: CodeInput, module: str, head: int) -> CodeResult:
    """Qwen2/Qwen3: set_default_rope_theta(config, 1e6) only when the dict lacks rope_theta."""
    params = dict(x.rope_parameters or {})
    filled = None
    if not is_nested(params) and "rope_theta" not in params:
        params["rope_theta"] = filled = 1000000.0
    length = check_length("max_position_embeddings", x.cfg.get("max_position_embeddings"))
    code = ModelCode(x.architecture, module, head, length, True, theta_filled=filled)
    return CodeResult(code, (Layer(None, params),))


def _qwen2(x: CodeInput) -> CodeResult:
    # Qwen2 ignores head_dim: hidden // heads always (measured).
    return _with_default_theta(x, "qwen2.py", hidden_over_heads(x.cfg))


def _qwen3(x: CodeInput) -> CodeResult:
    head_dim = x.cfg.get("head_dim", None)
    head = check_length("head_dim", head_dim, minimum=1) if head_dim else hidden_over_heads(x.cfg)
    result = _with_default_theta(x, "qwen3.py", head)
    return replace(result, code=replace(result.code, checked=False))


def _gemma3(x: CodeInput) -> CodeResult:
    """rope_parameters[layer_type] per layer type (0.33: a direct index, KeyError when missing;
    0.21/0.22: a dict not keyed by layer type goes whole to the global layers and the sliding
    layers get {default, rope_local_base_freq})."""
    cfg = x.cfg
    head = check_length("head_dim", cfg.get("head_dim", None) or hidden_over_heads(cfg))
    length = check_length("max_position_embeddings", cfg.get("max_position_embeddings"))
    code = ModelCode(x.architecture, "gemma3.py", head, length, True)
    params = dict(x.rope_parameters or {})
    types = cfg.get("layer_types", None)
    labels = ["full_attention", "sliding_attention"]
    if isinstance(types, list) and all(isinstance(t, str) for t in types) and types:
        labels = [t for t in labels if t in types] or labels
    layers = []
    nested = is_nested(params) and any(k in params for k in labels)
    for label in labels:
        if nested or x.version.code_era == "0.33":
            if label not in params:
                refusal = Refusal("KeyError", repr(label), STEP, "missing_rope_key")
                return CodeResult(code, (), refusal)
            value = params[label]
            layers.append(Layer(label, dict(value) if isinstance(value, dict) else value))
        elif label == "full_attention":
            layers.append(Layer(label, params))
        else:
            local = cfg.get("rope_local_base_freq", 10000.0)
            layers.append(Layer(label, {"rope_type": "default", "rope_theta": local}))
    return CodeResult(code, tuple(layers))


def _backend_or(x: CodeInput, module: str, default_length: int) -> CodeResult:
    """GPT-NeoX, Phi: vLLM's own model code through 0.30.0, the Transformers backend in 0.33."""
    if x.version.transformers_backend:
        code = ModelCode(
            x.architecture,
            "Transformers backend",
            None,
            None,
            True,
            transformers_backend=True,
            note=BACKEND_NOTE,
        )
        return CodeResult(code, ())
    head = hidden_over_heads(x.cfg)
    length = _length(x.cfg, "max_position_embeddings", default_length)
    return _one(x, module, head, length, checked=x.version.release <= "0.30.0")


def _internlm2(x: CodeInput) -> CodeResult:
    length = _length(x.cfg, "max_position_embeddings", 8192)
    return _one(x, "internlm2.py", hidden_over_heads(x.cfg), length, checked=False)


def _qwen1(x: CodeInput) -> CodeResult:
    if not x.version.qwen_served:
        # 0.33 _PREVIOUSLY_SUPPORTED_MODELS (from reading the source; message wording approximated).
        code = ModelCode(x.architecture, "qwen.py", None, None, True, checked=False)
        message = (
            "Model architecture QWenLMHeadModel was supported in vLLM until v0.23.0, and is not "
            "supported anymore. Please use an older version of vLLM if you want to use this "
            "model architecture."
        )
        return CodeResult(code, (), Refusal("ValueError", message, STEP, "not_served"))
    length = check_length("max_position_embeddings", x.cfg.get("max_position_embeddings"))
    return _one(x, "qwen.py", hidden_over_heads(x.cfg), length, checked=False)


def _deepseek(x: CodeInput) -> CodeResult:
    """MLA: head = qk_rope_head_dim, neox False, a non-default rope_type rewritten in place."""
    head = check_length("qk_rope_head_dim", x.cfg.get("qk_rope_head_dim", 64), minimum=1)
    length = _length(x.cfg, "max_position_embeddings", 8192)
    params = dict(x.rope_parameters or {})
    rope_type = params.get("rope_type", "default")
    notes = []
    if rope_type != "default":
        if x.version.code_era == "0.33":
            new = (
                "deepseek_llama_scaling"
                if params.get("attention_factor") == 1.0
                else "deepseek_yarn"
            )
        else:
            new = (
                "deepseek_yarn"
                if params.get("apply_yarn_scaling", True) is not False
                else (rope_type)
            )
        params["rope_type"] = new
        if new != rope_type:
            notes.append(
                Note(STEP, f"DeepSeek model code rewrites rope_type {rope_type!r} to {new!r}")
            )
    code = ModelCode(x.architecture, "deepseek_v2.py", head, length, False, checked=False)
    return CodeResult(code, (Layer(None, params),), notes=tuple(notes))


def _assert_class(x: CodeInput, expected: str) -> Refusal | None:
    if x.cfg.class_name != expected:
        return Refusal(
            "AssertionError",
            f"assert config.__class__.__name__ == '{expected}' "
            f"(the config class is {x.cfg.class_name!r})",
            UPDATE_STEP,
            "model_assertion",
        )
    act = x.cfg.get("hidden_act", None)
    if act != "gelu" and expected != "XLMRobertaFlashConfig":
        return Refusal(
            "AssertionError",
            f"assert config.hidden_act == 'gelu' (got {act!r})"[:200],
            UPDATE_STEP,
            "model_assertion",
        )
    return None


def _gte_params(x: CodeInput, head: int) -> dict[str, Any]:
    """partial_rotary_factor := rotary_emb_dim / head_dim (default 1.0)."""
    params = dict(x.rope_parameters or {})
    dim = x.cfg.get("rotary_emb_dim", None)
    params["partial_rotary_factor"] = (
        check_length("rotary_emb_dim", dim, minimum=1) / head if dim else 1.0
    )
    return params


def _gte_like(x: CodeInput, expected: str, round_up: bool = False) -> CodeResult:
    """bert_with_rope.py (GteNew, Snowflake GTE, Jina)."""
    head = hidden_over_heads(x.cfg)
    length = check_length("max_position_embeddings", x.cfg.get("max_position_embeddings"))
    note = None
    if round_up and length % 8:
        # Jina: rounded up to a multiple of 8 unless enforce_eager (8194 → 8200).
        rounded = (length + 7) // 8 * 8
        note = f"max_position_embeddings {length} rounded up to {rounded} (not enforce_eager)"
        length = rounded
    code = ModelCode(
        x.architecture, "bert_with_rope.py", head, length, True, checked=False, note=note
    )
    refusal = _assert_class(x, expected)
    return CodeResult(code, (Layer(None, _gte_params(x, head)),), refusal)


def _xlm_roberta(x: CodeInput) -> CodeResult:
    if x.cfg.get("position_embedding_type", None) != "rotary":
        return _no_rope(x)
    return _gte_like(x, "XLMRobertaFlashConfig", round_up=True)


def _no_rope(x: CodeInput) -> CodeResult:
    code = ModelCode(
        x.architecture, "absolute positions", None, None, True, note="no RoPE: absolute positions"
    )
    return CodeResult(code)


def _generic(x: CodeInput) -> CodeResult:
    result = _llama_like(x, "llama.py")
    note = (
        f"ntkcli has no model-code data for {x.architecture}; modelled like LlamaForCausalLM"
        if x.architecture
        else "no architectures in config.json; modelled like LlamaForCausalLM"
    )
    return replace(result, code=replace(result.code, checked=False, note=note))


ARCHITECTURES: Mapping[str, Callable[[CodeInput], CodeResult]] = {
    "LlamaForCausalLM": partial(_llama_like, module="llama.py"),
    "LlamaModel": partial(_llama_like, module="llama.py"),
    "MistralForCausalLM": partial(_llama_like, module="mistral.py"),
    "MistralModel": partial(_llama_like, module="llama.py"),
    "Phi3ForCausalLM": partial(_llama_like, module="phi3.py"),
    "Qwen2ForCausalLM": _qwen2,
    "Qwen2Model": _qwen2,
    "Qwen3ForCausalLM": _qwen3,
    "Qwen3Model": _qwen3,
    "Gemma3ForCausalLM": _gemma3,
    "Gemma3ForConditionalGeneration": _gemma3,
    "GPTNeoXForCausalLM": partial(_backend_or, module="gpt_neox.py", default_length=8192),
    "PhiForCausalLM": partial(_backend_or, module="phi.py", default_length=2048),
    "InternLM2ForCausalLM": _internlm2,
    "QWenLMHeadModel": _qwen1,
    "DeepseekV3ForCausalLM": _deepseek,
    "GteNewModel": partial(_gte_like, expected="NewConfig"),
    "GteModel": partial(_gte_like, expected="GteConfig"),
    "XLMRobertaModel": _xlm_roberta,
    "BertModel": _no_rope,
}


def model_code(
    cfg: ConfigObject,
    architectures: tuple[str, ...],
    rope_parameters: Mapping[str, Any] | None,
    version: VllmVersion,
) -> CodeResult:
    architecture = architectures[0] if architectures else None
    build = ARCHITECTURES.get(architecture or "", _generic)
    return build(CodeInput(cfg, architecture, rope_parameters, version))
