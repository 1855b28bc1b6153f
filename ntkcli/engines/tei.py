"""HF text-embeddings-inference 1.9.3 and HEAD (ENGINES.md §2). TEI is Rust: these rules come
from reading its source at tag v1.9.3 (0667015) and at HEAD (0d124dc), not from running it.

- Config: its own serde parser over the raw JSON (architectures and model_type required).
  v1.9.3: `max_position_embeddings: usize` with alias n_positions, so both keys present is
  "duplicate field" and neither is "missing field". HEAD: both optional, mpe :=
  max_position_embeddings ?? max_trained_positions ?? bail (the n_positions alias is gone).
- Max input: ST max_seq_length, else mpe − offset (pad_token_id + 1 for roberta-likes), capped by
  --max-batch-tokens (16384); --auto-truncate (default on) truncates a longer input.
- Nomic: plain cache of n_positions rows at θ = rotary_emb_base; with rotary_scaling_factor set,
  a scaled cache at θ' = (θ·(α·n_positions/T − (α−1)))^⌊d/(d−2)⌋ in f32; the scaled cache is used
  for the whole batch iff batch max_length > T.
- Other models: rope_scaling parsed as an untagged enum (Llama3, then Ntk); only gte and mistral
  read it; Llama refuses it; Qwen2/Qwen3 have no such field and ignore it.
Overrides are applied to config.json as if the file had been edited (TEI has no override flag).
Hostile values get TEI's own answer: a failed serde parse or check is an "Error" (TEI refuses),
Rust code that panics on the value (integer division by zero, an index out of bounds) a "panic"
(TEI crashes); f32 arithmetic never panics (a zero divisor gives inf, `as i32` saturates).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ntkcli.configs.config_object import is_number
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
from ntkcli.model import RawConfig
from ntkcli.numbers import compact

VERSIONS = ("1.9.3", "head")
TAGS = {"1.9.3": "tag v1.9.3 (0667015)", "head": "HEAD 0d124dc"}
MAX_BATCH_TOKENS = 16384
SUPPORTED = (
    "bert", "camembert", "deberta-v2", "distilbert", "gemma3_text", "gte", "new", "mpnet",
    "mistral", "modernbert", "nomic_bert", "qwen2", "qwen3", "bidirectional_pplx_qwen3",
    "roberta", "xlm-roberta", "llama", "llama_bidirec",
)  # fmt: skip
OFFSET_TYPES = ("roberta", "xlm-roberta", "camembert")
NOMIC_REQUIRED = (
    "prenorm", "rotary_emb_fraction", "qkv_proj_bias", "rotary_emb_base",
    "rotary_emb_interleaved", "mlp_fc1_bias", "mlp_fc2_bias", "n_embd", "n_head", "n_inner",
    "n_layer", "n_positions", "activation_function", "vocab_size", "type_vocab_size",
    "layer_norm_epsilon",
)  # fmt: skip
READS_ROPE_SCALING = ("gte", "new", "mistral")
LLAMA_TYPES = ("llama", "llama_bidirec")
CUDA_ONLY = ("qwen2", "mistral", *LLAMA_TYPES)  # ENGINES §2(c): Qwen2, Llama, Mistral
# ENGINES §2(c): θ = rope_theta, else rope_parameters.rope_theta, else an error (the models
# that read rope_theta; modernbert has theta fields of its own).
THETA_TYPES = (
    "gemma3_text", "gte", "new", "mistral", "qwen2", "qwen3", "bidirectional_pplx_qwen3",
    *LLAMA_TYPES,
)  # fmt: skip
NO_THETA = "Neither `rope_theta` nor `rope_parameters.rope_theta` are defined in the `config.json`"
I32_MAX = 2**31 - 1


def f32(x: float) -> float:
    """Round to the nearest IEEE single, as Rust's f32 arithmetic does after each operation;
    beyond the f32 range, ±inf (native "f" packing is the C cast, as Rust's f64 → f32 cast and
    f32 overflow give)."""
    result: float = struct.unpack("f", struct.pack("f", x))[0]
    return result


def div32(a: float, b: float) -> float:
    """a / b in f32: IEEE division, so a zero divisor gives ±inf (0/0: NaN), never a panic."""
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        same_sign = math.copysign(1.0, a) == math.copysign(1.0, b)
        return math.inf if same_sign else -math.inf
    return f32(a / b)


def as_i32(x: float) -> int:
    """Rust's `x as i32`: truncation toward zero, saturating at the i32 range, NaN → 0."""
    return 0 if math.isnan(x) else int(max(-(2**31), min(I32_MAX, x)))


def powi32(x: float, n: int) -> float:
    """x.powi(n) in f32 (compiler-rt's __powisf2): square-and-multiply over the bits of |n|,
    then for n < 0 the reciprocal."""
    if n < 0:
        return div32(1.0, powi32(x, -n))
    result, factor, bits = 1.0, x, n
    while bits:
        if bits & 1:
            result = f32(result * factor)
        bits >>= 1
        if bits:
            factor = f32(factor * factor)
    return result


def nomic_exponent(d: int) -> tuple[float, int]:
    """(d/(d−2) in f32, that value `as i32`): d = 2 divides by zero in f32 (inf, cast to
    i32::MAX); d = 0 gives −0.0, cast to 0."""
    ratio = div32(float(d), float(d - 2))
    return ratio, as_i32(ratio)


def nomic_scaled_base(theta: float, alpha: float, n_positions: int, trained: int, d: int) -> float:
    """(θ·(α·n_positions/T − (α − 1))).powi((d/(d−2)) as i32), every step in f32."""
    exponent = nomic_exponent(d)[1]
    t, a = f32(theta), f32(alpha)
    inner = f32(div32(f32(a * f32(n_positions)), f32(trained)) - f32(a - 1.0))
    return powi32(f32(t * inner), exponent)


@dataclass(frozen=True)
class _Served:
    """What every TEI answer shares once the config is parsed: the engine, the config class, the
    longest input and where it comes from, the evidence and the notes gathered so far."""

    engine: EngineId
    cls: ConfigClassInfo
    max_input: int
    key: str
    evidence: str
    notes: list[str]

    def length(self, n: int, base: float | None) -> LengthResult:
        """An input of n tokens, truncated (--auto-truncate) to the longest input."""
        used = min(n, self.max_input)
        status: LengthStatus = "truncated" if used < n else "accepted"
        text = f"truncated to {used}" if used < n else None
        return LengthResult(n, base, True, used, status, text)

    def result(self, **rope: Any) -> EngineResult:
        """The EngineResult with the shared fields; `rope` gives the RoPE-specific ones."""
        return EngineResult(
            engine=self.engine,
            config_class=self.cls,
            max_len=self.max_input,
            max_len_key=self.key,
            refusal=None,
            evidence=self.evidence,
            notes=tuple(self.notes),
            **rope,
        )


class TeiRaises(Exception):
    """TEI stops: "Error" for a check or a failed parse (it refuses), "panic" for Rust code that
    panics on the value (it crashes)."""

    def __init__(self, message: str, error: str = "Error") -> None:
        super().__init__(message)
        self.refusal = EngineRefusal(error, message)


def divide_by_zero(expression: str) -> TeiRaises:
    """Rust's integer division panics on a zero divisor (debug and release builds alike)."""
    return TeiRaises(f"attempt to divide by zero ({expression})", "panic")


def _required_usize(config: Mapping[str, Any], key: str) -> int:
    """A `usize` field as serde reads it: a non-negative integer (null is not one)."""
    value = config.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        shown = "null" if value is None else repr(value)
        raise TeiRaises(f"invalid type: {shown}, expected usize for `{key}`")
    return value


def _usize(config: Mapping[str, Any], key: str) -> int | None:
    """An `Option<usize>` field: null and missing are None."""
    return None if config.get(key) is None else _required_usize(config, key)


def _f32_field(config: Mapping[str, Any], key: str) -> float:
    """An `f32` field as serde reads it: a JSON number, read as f64 (beyond that range the
    parse fails), then cast to f32 (beyond its range, ±inf); null is not one."""
    value = config.get(key)
    if not is_number(value):
        shown = "null" if value is None else repr(value)
        raise TeiRaises(f"invalid type: {shown}, expected f32 for `{key}`")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the f64 range
        raise TeiRaises("Failed to parse `config.json`: number out of range") from None
    return f32(number)


def router_mpe(config: Mapping[str, Any], version: str) -> tuple[int, str]:
    """router/src/lib.rs ModelConfig: (max_position_embeddings, the key it came from)."""
    for key in ("architectures", "model_type"):
        if key not in config:
            raise TeiRaises(f"Failed to parse `config.json`: missing field `{key}`")
    if version == "1.9.3":
        both = "max_position_embeddings" in config and "n_positions" in config
        if both:
            raise TeiRaises(
                "Failed to parse `config.json`: duplicate field `max_position_embeddings`"
            )
        for key in ("max_position_embeddings", "n_positions"):
            if key in config:
                return _required_usize(config, key), key
        raise TeiRaises("Failed to parse `config.json`: missing field `max_position_embeddings`")
    for key in ("max_position_embeddings", "max_trained_positions"):
        value = _usize(config, key)
        if value is not None:
            return value, key
    raise TeiRaises(
        "At least any of `max_position_embeddings` or `max_trained_positions` must be set "
        "in `config.json`"
    )


def parse_rope_scaling(value: Any) -> tuple[str, float] | None:
    """layers/rotary.rs RopeScaling, untagged: Llama3 first, then Ntk; extra keys ignored."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TeiRaises("data did not match any variant of untagged enum RopeScaling")
    kind = value.get("rope_type", value.get("type"))
    factor = value.get("factor")
    if isinstance(kind, str) and is_number(factor):
        llama3 = ("high_freq_factor", "low_freq_factor", "original_max_position_embeddings")
        if all(is_number(value.get(k)) for k in llama3):
            return "Llama3", float(factor)
        return "Ntk", float(factor)
    raise TeiRaises("data did not match any variant of untagged enum RopeScaling")


class TeiEngine(FixedVersions):
    name = "tei"
    label = "TEI"
    versions = VERSIONS

    def resolve(self, raw: RawConfig, request: EngineRequest, version: str) -> EngineResult:
        evidence = f"TEI rules read from the source at {TAGS[version]}, not executed"
        config = edited_config(raw.config, request.hf_overrides)
        notes: list[str] = []
        if request.hf_overrides:
            notes.append("overrides applied to config.json as if the file had been edited")
        model_type = str(config.get("model_type"))
        cls = ConfigClassInfo(f"ModelConfig ({model_type})", "own parser")
        try:
            return self._resolve(raw, config, request, version, evidence, cls, notes)
        except TeiRaises as exc:
            return EngineResult(
                EngineId(self.name, version), cls, None, None, exc.refusal, None, None, None,
                None, tuple(LengthResult(n, None, False, 0, "refused") for n in request.lengths),
                "none", evidence, tuple(notes),
            )  # fmt: skip

    def _max_input(
        self, raw: RawConfig, config: Mapping[str, Any], mpe: int, mpe_key: str
    ) -> tuple[int, str]:
        st_len = (raw.st_config or {}).get("max_seq_length")
        if isinstance(st_len, int) and not isinstance(st_len, bool):
            base, key = st_len, raw.st_file or "sentence_bert_config.json"
        else:
            offset = 0
            if config.get("model_type") in OFFSET_TYPES:
                pad = config.get("pad_token_id")
                offset = pad + 1 if isinstance(pad, int) else 0
            base, key = mpe - offset, mpe_key if not offset else f"{mpe_key} − {offset}"
        if base > MAX_BATCH_TOKENS:
            return MAX_BATCH_TOKENS, f"{key}, capped by --max-batch-tokens {MAX_BATCH_TOKENS}"
        return base, key

    def _resolve(
        self,
        raw: RawConfig,
        config: Mapping[str, Any],
        request: EngineRequest,
        version: str,
        evidence: str,
        cls: ConfigClassInfo,
        notes: list[str],
    ) -> EngineResult:
        mpe, mpe_key = router_mpe(config, version)
        model_type = config.get("model_type")
        if model_type not in SUPPORTED:
            raise TeiRaises(f"unknown variant `{model_type}`")
        max_input, key = self._max_input(raw, config, mpe, mpe_key)
        if request.max_model_len is not None and request.max_model_len < max_input:
            max_input, key = request.max_model_len, "--max-input-length"
        notes.append(
            f"--auto-truncate (default on): longer inputs are truncated to {max_input} tokens"
        )
        engine = EngineId(self.name, version)
        if model_type == "nomic_bert":
            nomic = ConfigClassInfo("NomicConfig", "own parser")
            served = _Served(engine, nomic, max_input, key, evidence, notes)
            return self._nomic(config, request, version, served, (mpe, mpe_key))
        served = _Served(engine, cls, max_input, key, evidence, notes)
        return self._other(config, request, served, mpe)

    def _nomic(
        self,
        config: Mapping[str, Any],
        request: EngineRequest,
        version: str,
        served: _Served,
        router: tuple[int, str],
    ) -> EngineResult:
        notes = served.notes
        for field in NOMIC_REQUIRED:
            if field not in config:
                raise TeiRaises(f"Failed to parse `config.json`: missing field `{field}`")
        # The parse: the number fields ntkcli reads must be of their serde types.
        n_positions = _required_usize(config, "n_positions")
        n_embd, n_head = _required_usize(config, "n_embd"), _required_usize(config, "n_head")
        n_layer = _required_usize(config, "n_layer")
        theta = _f32_field(config, "rotary_emb_base")
        alpha = (
            None
            if config.get("rotary_scaling_factor") is None
            else _f32_field(config, "rotary_scaling_factor")
        )  # Option<f32>
        if version == "1.9.3":
            # `max_trained_positions: usize` with a serde default: missing is 2048, null fails
            t_key = "max_trained_positions"
            trained = _required_usize(config, t_key) if t_key in config else 2048
        else:
            # HEAD: T = mpe ?? max_trained_positions ?? 2048 (ENGINES §2(a)), the router's mpe
            # rule; the 2048 never applies, since the router bails when both are missing.
            _usize(config, "max_trained_positions")  # Option<usize>: null is None
            trained, t_key = router
        # The load: valid(), then each layer's attention (n_embd / n_head), then layers[0].
        if (
            config.get("prenorm")
            or config.get("rotary_emb_fraction") != 1.0
            or config.get("rotary_emb_interleaved")
            or not (
                isinstance(config.get("type_vocab_size"), int) and config["type_vocab_size"] > 0
            )
        ):
            raise TeiRaises("Model is not supported: NomicConfig.valid() is false")
        if n_layer == 0:
            # no layer divides; the rotary dim is read from encoder.layers[0]
            raise TeiRaises("index out of bounds: the len is 0 but the index is 0", "panic")
        if n_head == 0:
            raise divide_by_zero("n_embd / n_head")
        d = n_embd // n_head
        scaled: float | None = None
        if alpha is not None:
            scaled = nomic_scaled_base(theta, alpha, n_positions, trained, d)
            ratio, exponent = nomic_exponent(d)
            cast = "truncated" if math.isfinite(ratio) else "saturated"
            notes.append(
                f"scaled base {compact(scaled)} from the integer exponent "
                f"(d/(d−2) = {ratio:.4f} {cast} to {exponent}), in f32"
            )
        notes.append(f"T = {trained} ({t_key}); rope_parameters are not read")
        lengths = []
        for n in request.lengths:
            # One input per batch: batch max_length = the tokens it keeps.
            long = scaled is not None and min(n, served.max_input) > trained
            lengths.append(served.length(n, scaled if long else theta))
        if scaled is not None:
            notes.append(
                f"per batch: the scaled cache serves the whole batch when its longest input is "
                f"over {trained} tokens, so a short input batched with a long one gets θ' too"
            )
        return served.result(
            rope_class="NomicBertModel rotary (plain + scaled cache)"
            if scaled is not None
            else "NomicBertModel rotary",
            base=theta,
            scaled_base=None,
            cache_shape=(n_positions, d),
            lengths=tuple(lengths),
            scaling="per batch (batch max_length > T)" if scaled is not None else "none",
            extra={"trained_positions": trained, "scaled_cache_base": scaled},
        )

    def _other(
        self, config: Mapping[str, Any], request: EngineRequest, served: _Served, mpe: int
    ) -> EngineResult:
        notes = served.notes
        model_type = config.get("model_type")
        if model_type in LLAMA_TYPES and isinstance(config.get("eos_token_id"), list):
            raise TeiRaises("invalid type: sequence, expected usize for `eos_token_id`")
        if model_type in THETA_TYPES:
            # the RoPE models' config structs: `hidden_size` and `num_attention_heads: usize`
            for key in ("hidden_size", "num_attention_heads"):
                if key not in config:
                    raise TeiRaises(f"Failed to parse `config.json`: missing field `{key}`")
                _required_usize(config, key)
        scaling = None
        if model_type in READS_ROPE_SCALING or model_type in LLAMA_TYPES:
            scaling = parse_rope_scaling(config.get("rope_scaling"))
            if scaling is not None and model_type in LLAMA_TYPES:
                raise TeiRaises("Rope scaling is not supported for FlashLlama yet")
        elif config.get("rope_scaling") is not None:
            notes.append(f"{model_type}: the config struct has no rope_scaling field: ignored")
        hidden, heads = config.get("hidden_size"), config.get("num_attention_heads")
        if heads == 0 and model_type != "distilbert":
            # every layer's attention divides by it at load (distilbert: n_heads), even where
            # head_dim is set: `head_dim.unwrap_or(hidden_size / num_attention_heads)` is eager
            raise divide_by_zero("hidden_size / num_attention_heads")
        theta_value = config.get("rope_theta")
        if not is_number(theta_value):
            params = config.get("rope_parameters")
            theta_value = params.get("rope_theta") if isinstance(params, Mapping) else None
        if not is_number(theta_value) and model_type in THETA_TYPES:
            raise TeiRaises(NO_THETA)  # §2(c): no θ is an error
        head = config.get("head_dim")
        if not is_number(head):
            head = hidden // heads if is_number(hidden) and is_number(heads) and heads else None
        if not is_number(theta_value) or head is None:
            # Encoder models with learned positions (bert, ...) have no RoPE.
            plain = tuple(served.length(n, None) for n in request.lengths)
            return served.result(
                rope_class=None,
                base=None,
                scaled_base=None,
                cache_shape=None,
                lengths=plain,
                scaling="none",
            )
        theta = float(theta_value)
        base: float = theta
        rope_class = "RotaryEmbedding"
        if scaling is not None and scaling[0] == "Ntk":
            base = theta * scaling[1]
            rope_class = "RotaryEmbedding, Ntk"
            notes.append(
                f"Ntk: inv_freq = (θ·α)^(−2i/d) / α^(2/d) at every length (θ·α = {compact(base)})"
            )
        elif scaling is not None:
            rope_class = "RotaryEmbedding, Llama3"
        if model_type in CUDA_ONLY:
            notes.append("loads only on CUDA (flash): cache columns d/2")
        d = int(head)
        lengths = [served.length(n, base) for n in request.lengths]
        return served.result(
            rope_class=rope_class,
            base=theta,
            scaled_base=base,
            cache_shape=(mpe, d // 2),
            lengths=tuple(lengths),
            scaling="fixed at load",
        )
