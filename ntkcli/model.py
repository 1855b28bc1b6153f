"""Frozen dataclasses passed between the layers of ntkcli.

Units: every length is a number of token positions; bases (θ, θ') are plain RoPE bases; bytes are
bytes. Nothing here computes anything beyond trivial derived properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ntkcli.fields import INTERNAL, Prop, json_field

SourceKind = Literal["local", "cache", "hub", "bundled"]
Severity = Literal["error", "warning", "info"]
VllmLine = Literal["old", "new"]

# A RoPE base as Python computes it: a float, or a complex number when a negative inner term is
# raised to a fractional power (SPEC §4.5), or None when no formula applies.
Base = float | complex


@dataclass(frozen=True)
class Source:
    """Where a config came from."""

    kind: SourceKind = field(metadata=json_field(description="Where the config was read from."))
    path: str = field(metadata=json_field(description="The config.json that was read."))
    revision: str | None = field(
        default=None, metadata=json_field(description="Commit sha, when known.")
    )
    snapshot: str | None = field(
        default=None,
        metadata=json_field(description='Bundled snapshots: "real" or "reconstructed".'),
    )
    note: str | None = field(
        default=None, metadata=json_field(description="Provenance, or why this source was used.")
    )


@dataclass(frozen=True)
class RawConfig:
    """A config as read from disk or the Hub, untouched: plain JSON, never remote code."""

    model: str = field(metadata=json_field(description="The model as given (Hub id or path)."))
    source: Source
    config: Mapping[str, Any] = field(metadata=INTERNAL)
    # sentence-transformers config, if any
    st_config: Mapping[str, Any] | None = field(default=None, metadata=INTERNAL)
    # its file name (sentence_bert_config.json, ...)
    st_file: str | None = field(
        default=None,
        metadata=json_field(omit="always", props=(Prop("sentence_transformers", "st_info"),)),
    )

    @property
    def st_info(self) -> SentenceTransformersFile:
        """The sentence-transformers file read beside config.json, if any."""
        length = self.st_config.get("max_seq_length") if self.st_config else None
        return SentenceTransformersFile(self.st_file, length)


@dataclass(frozen=True)
class SentenceTransformersFile:
    """The sentence-transformers file beside config.json."""

    file: str | None = field(metadata=json_field(description="Its name; null when there is none."))
    max_seq_length: Any = field(
        metadata=json_field(description="Its max_seq_length, as written.", unit="tokens")
    )


@dataclass(frozen=True)
class VllmVersion:
    """Switches that differ between vLLM releases (SPEC §8, SPEC-loading §2'.2). Data, not code:
    one row per release in ntkcli/vllm/versions.py."""

    # "old" = ≤ 0.21.x, "new" = ≥ 0.22.0 (PR #41277), for §4.3 and §4.5 only
    line: VllmLine = field(
        metadata=json_field("vllm_line", description="old (≤ 0.21) or new (≥ 0.22) rules.")
    )
    # what the user asked for: "new", "old", "0.22.1", ...
    label: str = field(metadata=json_field("vllm_version", description="vLLM as asked for."))
    # §4.5: old = constant inner term α²−α+1 and ceil(L·α) rows; new = α·L/T − (α−1) and L rows.
    dynamic_ntk_uses_trained_length: bool = field(metadata=INTERNAL)
    # §4.3: new = T from the config and L = max_model_len; old = L = T and the clamp/re-check.
    nomic_update: VllmLine = field(metadata=INTERNAL)
    # §4.1.6: up to 0.31.x the ST file counts only with both max_seq_length and do_lower_case.
    st_needs_do_lower_case: bool = field(metadata=INTERNAL)
    # §4.1.4: from 0.30.0 yarn, deepseek_yarn and deepseek_llama_scaling are excluded from the
    # factor loop.
    yarn_skips_factor: bool = field(metadata=INTERNAL)
    # §4.1.5: up to 0.29.x the derived length is replaced by yarn's L₀ before the factor.
    yarn_uses_original_length: bool = field(metadata=INTERNAL)
    # the release whose rules are modelled
    release: str = field(
        default="0.33.0",
        metadata=json_field("vllm", description="The vLLM release modelled (0.33.0)."),
    )
    # False for 0.26/0.27 (modelled by the nearest checked rule)
    checked: bool = field(
        default=True,
        metadata=json_field(
            "vllm_checked", description="False when that release's rules were not checked."
        ),
    )
    transformers_allowed: str = field(default=">=5.16.1,<5.21.0", metadata=INTERNAL)
    # ≤ 0.23: transformers 4 and the R-T4 RoPE patch
    transformers4_allowed: bool = field(default=False, metadata=INTERNAL)
    qwen_served: bool = field(default=False, metadata=INTERNAL)  # QWenLMHeadModel up to 0.23.0
    # 0.33.0 serves GPT-NeoX, Phi, … through its Transformers backend (G5); 0.31/0.32 unchecked.
    transformers_backend: bool = field(default=True, metadata=INTERNAL)
    # Factor loop `{"": rp}` vs iter_rope_parameters, YaRN/DeepSeek kwargs, Gemma3 fallback:
    # measured on 0.22 and 0.33 only; releases in between take the nearest ("0.22" or "0.33").
    code_era: Literal["0.22", "0.33"] = field(default="0.33", metadata=INTERNAL)
    # what is assumed (patch release, unchecked release, ...)
    notes: tuple[str, ...] = field(default=(), metadata=INTERNAL)


@dataclass(frozen=True)
class Request:
    """What the user asked vLLM to do with the config."""

    vllm: VllmVersion = field(metadata=json_field(flatten=True))
    max_model_len: int | None = field(
        default=None,
        metadata=json_field(
            "requested_max_model_len",
            unit="tokens",
            description="What --max-model-len asked for; null when nothing was.",
        ),
    )
    hf_overrides: Mapping[str, Any] = field(
        default_factory=dict, metadata=json_field(description="The --hf-overrides object.")
    )
    # VLLM_ALLOW_LONG_MAX_MODEL_LEN=1
    allow_long_max_model_len: bool = field(default=False, metadata=INTERNAL)
    dtype: str = field(default="float32", metadata=INTERNAL)
    # vLLM's --trust-remote-code (default off, SPEC §2.2)
    trust_remote_code: bool = field(
        default=False, metadata=json_field(description="As vLLM's --trust-remote-code.")
    )
    # the transformers major (or a minor such as "5.19") assumed
    transformers: str = field(default="5", metadata=INTERNAL)


@dataclass(frozen=True)
class Note:
    """Something vLLM would log, or an assumption ntkcli made, tied to a pipeline step."""

    step: str
    message: str


@dataclass(frozen=True)
class Refusal:
    """vLLM would stop with this exception (SPEC §4.2, §4.3, §4.4)."""

    error: str = field(
        metadata=json_field(description="The exception vLLM raises (ValueError, KeyError, ...).")
    )
    message: str = field(metadata=json_field(description="Its message, as vLLM prints it."))
    step: str = field(metadata=json_field(description="The pipeline step that raises it."))
    # Why, for code: checks key on this, never on the message text. A RefusalCause, or
    # "load:<cause>" for what transformers raises while building the config (configs.LoadRefusal).
    cause: str = field(
        metadata=json_field(
            omit="always",
            props=(Prop("stage", "stage", description="Where in vLLM it is raised."),),
        )
    )

    @property
    def verb(self) -> str:
        """ "refuses" or "crashes" (refusal_verb); "stops" where vLLM checks nothing and ntkcli
        stops because nothing vLLM would build works (a derived length ≤ 0)."""
        return "stops" if self.cause == "unusable_length" else refusal_verb(self.error)

    @property
    def summary(self) -> str:
        """A table cell: "refuses (ValueError)", "crashes (AttributeError)", "unusable length"."""
        return "unusable length" if self.verb == "stops" else f"{self.verb} ({self.error})"

    def sentence(self, who: str = "vLLM") -> str:
        """ "vLLM would crash: AttributeError: …"; for a length vLLM does not check, what ntkcli
        does instead."""
        if self.verb == "stops":
            return f"{who}: {self.message}"
        return f"{who} {would(self.verb)}: {self.error}: {self.message}"

    @property
    def stage(self) -> str:
        """Where in vLLM it is raised: load, patch_rope_parameters, length, model_config_update,
        model_code or get_rope (SPEC §4 order)."""
        return STAGES.get(self.step, self.step)


# Exceptions a program raises on purpose to turn an input down: a check (`raise ValueError`,
# an `assert`, pydantic's validation). Any other exception (AttributeError, KeyError, TypeError,
# ZeroDivisionError, RuntimeError, …) is code that crashes on the input it did not expect.
REFUSING_ERRORS = frozenset({"ValueError", "AssertionError", "ValidationError", "Error"})


def refusal_verb(error: str) -> str:
    """What the engine does, said plainly: "refuses" (a check) or "crashes" (an unexpected
    exception), from the exception's type name ("AttributeError", "ValueError: …")."""
    name = error.split(":", 1)[0].strip().rsplit(".", 1)[-1]
    return "refuses" if name in REFUSING_ERRORS else "crashes"


def would(verb: str) -> str:
    """ "refuses" → "would refuse" (crashes, stops: likewise), for "vLLM would crash: …"."""
    return {"refuses": "would refuse", "crashes": "would crash"}.get(verb, "would stop")


# Pipeline step name → stage (the names users see in JSON).
STAGES: Mapping[str, str] = {
    "load config": "load",
    "normalise RoPE": "patch_rope_parameters",
    "hf_overrides": "patch_rope_parameters",
    "derive max length": "length",
    "NomicBert config update": "model_config_update",
    "model config update": "model_config_update",
    "model code": "model_code",
    "get_rope": "get_rope",
}


# Why vLLM stops, one name per place in the pipeline that can refuse.
RefusalCause = Literal[
    "conflicting_rope_types",  # §3.3: type and rope_type differ
    "missing_rope_type",  # §3.1: a dict override spelled with "type" → KeyError
    "unusable_length",  # the derived length is ≤ 0 (ntkcli's own check)
    "max_model_len_too_long",  # §4.2, and the old Nomic re-check of §4.3
    "nomic_assertion",  # §4.3: an assert of the NomicBert update
    "nomic_missing_st",  # §4.3 old: the re-check needs a sentence-transformers file
    "unknown_rope_type",  # §4.4
    "partial_rotary_factor",  # §4.4: outside (0, 1]
    "dynamic_without_factor",  # §4.4: neither alpha nor factor
    "zero_division",  # §4.5: d = 2 in d / (d − 2)
    "negative_arange",  # §4.5 old: arange of L·α < 0
    "missing_rope_key",  # §4.4: a builder reads rope_parameters[key] (KeyError)
    "null_factor",  # §4.4.7 (G4): a null factor / alpha reaches the rotary class
    "int_linear_factor",  # §4.4': an int linear factor is not iterable
    "unhashable_rope_parameters",  # §4.4.2 (G1): a dict value in get_rope's cache key
    "longrope_not_neox",  # Phi3LongRoPE needs neox style
    "longrope_factor_length",  # short/long factor length ≠ d/2
    "missing_attribute",  # §2.4.5: the native class lacks a Nomic-only key (AttributeError)
    "model_assertion",  # §4.4': GteNew / Snowflake / Jina update asserts
    "not_served",  # §4.4': QWenLMHeadModel after 0.23.0
    "length_overflow",  # §4.1: int(derived) of an infinite derived length
    "partial_rotary_factor_type",  # §4.4.4: a non-numeric partial factor in get_rope's check
]


@dataclass(frozen=True)
class DerivedLength:
    """SPEC §4.1: the maximum length vLLM derives from the config."""

    key: str | None = field(
        metadata=json_field(description="The config key that gave the length (null: none).")
    )
    config_value: int | None = field(
        metadata=json_field(unit="tokens", description="Its value as written.")
    )
    factor: float = field(
        metadata=json_field(description="The RoPE factor multiplied in (1.0 when not applied).")
    )
    factor_applied: bool
    value: float = field(metadata=json_field(unit="tokens", description="After the factor."))
    st_length: int | None = field(
        metadata=json_field(
            "sentence_transformers_length",
            unit="tokens",
            description="sentence-transformers max_seq_length, if read.",
        )
    )
    st_replaced: bool = field(
        metadata=json_field(
            "sentence_transformers_replaced",
            description="True when that length replaced the derived one.",
        )
    )
    final: float = field(
        metadata=json_field(unit="tokens", description="What max_model_len is checked against.")
    )
    # True when no key was present and 2048 (or the user's value) was used
    fallback: bool = field(
        default=False, metadata=json_field(description="True when no length key was present.")
    )

    @property
    def message_value(self) -> str:
        """The derived length exactly as vLLM prints it in its refusal message."""
        # An int when the factor step was skipped (Gemma3, no rope dict) or ST replaced it (§4.2.2).
        if self.st_replaced or not self.factor_applied:
            return repr(int(self.final))
        return repr(float(self.final))


@dataclass(frozen=True)
class NomicUpdate:
    """SPEC §4.3: what the NomicBert config update did."""

    line: VllmLine = field(metadata=json_field("behaviour"))
    trained_positions: int = field(
        metadata=json_field("max_trained_positions", unit="tokens", description="T.")
    )
    # "max_trained_positions", "class default", "max_position_embeddings", ...
    trained_from: str = field(metadata=json_field("max_trained_positions_from"))
    assertion_failures: tuple[str, ...] = ()
    clamped_from: int | None = field(
        default=None,
        metadata=json_field(unit="tokens", description="old: max_model_len before the clamp."),
    )
    recheck_limit: DerivedLength | None = field(
        default=None, metadata=json_field(description="old: the re-derived limit.")
    )
    ignored_max_model_len_override: int | None = field(
        default=None,
        metadata=json_field(unit="tokens", description="new: a flat max_model_len override."),
    )


@dataclass(frozen=True)
class Rotary:
    """SPEC §4.4–§4.5: the rotary object vLLM builds, as numbers."""

    rope_class: str = field(metadata=json_field(description="vLLM's rotary class."))
    rope_type: str = field(metadata=json_field(description="The normalised rope_type."))
    head_size: int = field(metadata=json_field(description="H, the attention head size."))
    rotary_dim: int = field(metadata=json_field(description="d, the rotated dimensions."))
    max_position: int = field(  # L, get_rope's max_position
        metadata=json_field(unit="tokens", description="L, get_rope's max_position.")
    )
    base: float = field(metadata=json_field(description="θ, the RoPE base get_rope sees."))
    factor: float | None = field(metadata=json_field(description="α, the scaling factor."))
    trained_positions: int | None = field(  # T for the dynamic class, None otherwise
        metadata=json_field("max_trained_positions", unit="tokens", description="T (dynamic).")
    )
    inner: float | None = field(  # the dynamic-NTK inner term, when the formula applies
        metadata=json_field("inner_term", description="The dynamic-NTK inner term.")
    )
    exponent: float | None = field(metadata=json_field(description="d / (d − 2)."))
    scaled_base: Base | None = field(  # θ'; equals θ for classes that do not rescale the base
        metadata=json_field(description="θ', the base the cos/sin cache is built with.")
    )
    # None when ntkcli does not model that class's cache
    cache_rows: int | None = field(
        metadata=json_field(
            omit="always",
            props=(
                Prop("cache_shape", "cache_shape", description="(rows, d) of the cos/sin cache."),
                Prop("cache_bytes", "cache_bytes", unit="bytes"),
            ),
        )
    )
    dtype: str = field(metadata=json_field("cache_dtype", description="The cache's dtype."))
    # True when θ' comes from the dynamic-NTK formula
    dynamic_formula: bool = field(metadata=INTERNAL)
    # False when vLLM refuses before building it (shown for information)
    built: bool = field(
        default=True,
        metadata=json_field(
            "cache_built", empty=False, description="False when vLLM refuses before building it."
        ),
    )
    note: str | None = field(default=None, metadata=json_field("rotary_note"))
    # Class-specific numbers (SPEC-loading "Rotary classes"): the cos/sin multiplier (YaRN,
    # DeepSeek, Phi3 LongRoPE), NTK's effective base, the first inverse frequencies (float64),
    # and how the rows add up ("4096 + 131072", one block per linear factor, ...).
    mscale: float | None = field(
        default=None, metadata=json_field(description="The cos/sin multiplier.")
    )
    effective_base: Base | None = None
    inv_freq_head: tuple[float, ...] = field(
        default=(),
        metadata=json_field(empty=(), description="The first inverse frequencies (float64)."),
    )
    rows_detail: str | None = field(
        default=None,
        metadata=json_field("cache_rows_detail", description="How the cache rows add up."),
    )
    is_neox_style: bool = True

    @property
    def cache_shape(self) -> tuple[int, int] | None:
        """(rows, d) of the cos/sin cache."""
        return None if self.cache_rows is None else (self.cache_rows, self.rotary_dim)

    @property
    def cache_bytes(self) -> int | None:
        """The cos/sin cache's size in the model dtype."""
        if self.cache_rows is None:
            return None
        return self.cache_rows * self.rotary_dim * DTYPE_BYTES.get(self.dtype, 4)


# Defaults shared by the core and the CLI's option declarations (kept here, in a module every
# command imports anyway, so declaring an option never imports torch-adjacent code).
DEFAULT_MAX_BYTES = 1 << 30  # diff: memory budget for real caches, 1 GiB (issue #3)
DEFAULT_POINTS = 120  # plot: log-spaced lengths in a range
MAX_POINTS = 200
# Budgets of the per-dimension and per-length loops (issue 15): real rotary dims are ≤ 512, so
# per-dimension work (wavelengths, Δ angle) past MAX_ROTARY_DIM is skipped with a note; lists of
# lengths given on the command line are capped at MAX_LENGTHS (diff, compare), a usage error.
MAX_ROTARY_DIM = 65_536
MAX_LENGTHS = 64
MAX_LENGTH = 2**31 - 1  # the largest length anywhere: vLLM keeps positions in int32
DEFAULT_THETA = 10000.0  # θ when a config names none: PretrainedConfig's and vLLM's default
CONFIG_FILE = "config.json"  # the file a model directory or Hub repo is read from
DTYPES = ("float32", "float16", "bfloat16")  # model dtypes of the cos/sin cache

DTYPE_BYTES: Mapping[str, int] = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}


@dataclass(frozen=True)
class ModelCode:
    """SPEC-loading §4.4': what the architecture's vLLM model code passes to get_rope."""

    architecture: str | None  # the architecture whose code is modelled (None: generic Llama-like)
    module: str = field(metadata=json_field(description="The vLLM model file modelled."))
    head_size: int | None
    max_position: int | None = field(  # L, get_rope's max_position
        metadata=json_field(unit="tokens", description="L, get_rope's max_position.")
    )
    is_neox_style: bool
    # θ the model code set because the dict had no rope_theta
    theta_filled: float | None = field(default=None, metadata=json_field("rope_theta_filled"))
    transformers_backend: bool = False  # served by transformers' own RoPE (0.33, G5)
    checked: bool = True  # False when the argument choice was only read, or is ntkcli's guess
    note: str | None = None


@dataclass(frozen=True)
class Finding:
    """One validation result (SPEC §7)."""

    id: str = field(metadata=json_field(description="The rule id (R01 ...)."))
    severity: Severity
    message: str
    hint: str


# What the per-layer-type rotaries of `inspect --format json` show (Gemma3).
LAYER_ROTARY_KEYS = (
    "rope_class",
    "rope_type",
    "head_size",
    "rotary_dim",
    "max_position",
    "base",
    "scaled_base",
    "cache_shape",
    "mscale",
    "cache_built",
)


@dataclass(frozen=True)
class Resolution:
    """Everything vLLM would resolve for one config and one request, with every intermediate."""

    raw: RawConfig = field(metadata=json_field(flatten=True))
    request: Request = field(metadata=json_field(flatten=True))
    model_type: str
    architectures: tuple[str, ...]
    normalised_rope: Mapping[str, Any] = field(  # §3 result, before dict overrides
        metadata=json_field("normalised_rope_parameters", description="Before dict overrides.")
    )
    rope_parameters: Mapping[str, Any] = field(  # as passed to get_rope
        metadata=json_field(description="The RoPE parameters as passed to get_rope.")
    )
    derived: DerivedLength | None
    max_model_len: int | None = field(  # None when vLLM would refuse
        metadata=json_field(unit="tokens", description="What vLLM serves; null: it refuses.")
    )
    # the length vLLM was asked for (or picked) before any refusal
    requested_len: int | None = field(
        metadata=json_field(
            "checked_max_model_len",
            unit="tokens",
            description="The length vLLM checked (asked for, or picked by vLLM).",
        )
    )
    refusal: Refusal | None
    nomic: NomicUpdate | None
    # None when no rotary object can be described at all
    rotary: Rotary | None = field(metadata=json_field(flatten=True))
    notes: tuple[Note, ...] = ()
    findings: tuple[Finding, ...] = ()
    # config after flat overrides
    config_values: Mapping[str, Any] = field(default_factory=dict, metadata=INTERNAL)
    # SPEC §2.2: the config class AutoConfig builds ("NomicBertConfig", origin native/remote;
    # known False: a remote class ntkcli has no data for) and the transformers assumed.
    config_class: str | None = field(
        default=None, metadata=json_field("name", group="config_class")
    )
    config_origin: str | None = field(
        default=None, metadata=json_field("origin", group="config_class")
    )
    config_class_known: bool = field(
        default=True, metadata=json_field("known", group="config_class")
    )
    transformers: str = field(
        default="5", metadata=json_field(description="The transformers major assumed.")
    )
    transformers_label: str = "5.20.2"
    model_code: ModelCode | None = field(  # SPEC-loading §4.4'
        default=None,
        metadata=json_field(
            props=(Prop("served_by_transformers_backend", "served_by_transformers_backend"),)
        ),
    )
    # one per layer type (Gemma3)
    layer_rotaries: tuple[tuple[str, Rotary], ...] = field(
        default=(), metadata=json_field(mapping="", keys=LAYER_ROTARY_KEYS)
    )

    @property
    def served_by_transformers_backend(self) -> bool:
        """True when vLLM serves the model through its Transformers backend."""
        return self.model_code is not None and self.model_code.transformers_backend
