"""Frozen dataclasses passed between the layers of ntkcli.

Units: every length is a number of token positions; bases (θ, θ') are plain RoPE bases; bytes are
bytes. Nothing here computes anything beyond trivial derived properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SourceKind = Literal["local", "cache", "hub", "bundled"]
Severity = Literal["error", "warning", "info"]
VllmLine = Literal["old", "new"]

# A RoPE base as Python computes it: a float, or a complex number when a negative inner term is
# raised to a fractional power (SPEC §4.5), or None when no formula applies.
Base = float | complex


@dataclass(frozen=True)
class Source:
    """Where a config came from."""

    kind: SourceKind
    path: str  # the config.json that was read
    revision: str | None = None  # commit sha when known (cache, Hub, some snapshots)
    snapshot: str | None = None  # "real" or "reconstructed" for bundled snapshots
    note: str | None = None  # provenance / why this source was used


@dataclass(frozen=True)
class RawConfig:
    """A config as read from disk or the Hub, untouched: plain JSON, never remote code."""

    model: str
    source: Source
    config: Mapping[str, Any]
    st_config: Mapping[str, Any] | None = None  # sentence-transformers config, if any
    st_file: str | None = None  # its file name (sentence_bert_config.json, ...)


@dataclass(frozen=True)
class VllmVersion:
    """Switches that differ between vLLM releases (SPEC §8, SPEC-loading §2'.2). Data, not code:
    one row per release in ntkcli/vllm/versions.py."""

    line: VllmLine  # "old" = ≤ 0.21.x, "new" = ≥ 0.22.0 (PR #41277), for §4.3 and §4.5 only
    label: str  # what the user asked for: "new", "old", "0.22.1", ...
    # §4.5: old = constant inner term α²−α+1 and ceil(L·α) rows; new = α·L/T − (α−1) and L rows.
    dynamic_ntk_uses_trained_length: bool
    # §4.3: new = T from the config and L = max_model_len; old = L = T and the clamp/re-check.
    nomic_update: VllmLine
    # §4.1.6: up to 0.31.x the ST file counts only with both max_seq_length and do_lower_case.
    st_needs_do_lower_case: bool
    # §4.1.4: from 0.30.0 yarn, deepseek_yarn and deepseek_llama_scaling are excluded from the
    # factor loop.
    yarn_skips_factor: bool
    # §4.1.5: up to 0.29.x the derived length is replaced by yarn's L₀ before the factor.
    yarn_uses_original_length: bool
    release: str = "0.33.0"  # the release whose rules are modelled
    checked: bool = True  # False for 0.26/0.27 (modelled by the nearest checked rule)
    transformers_allowed: str = ">=5.16.1,<5.21.0"  # Requires-Dist of that release
    transformers4_allowed: bool = False  # ≤ 0.23: transformers 4 and the R-T4 RoPE patch
    qwen_served: bool = False  # QWenLMHeadModel served up to 0.23.0
    # 0.33.0 serves GPT-NeoX, Phi, … through its Transformers backend (G5); 0.31/0.32 unchecked.
    transformers_backend: bool = True
    # Factor loop `{"": rp}` vs iter_rope_parameters, YaRN/DeepSeek kwargs, Gemma3 fallback:
    # measured on 0.22 and 0.33 only; releases in between take the nearest ("0.22" or "0.33").
    code_era: Literal["0.22", "0.33"] = "0.33"
    notes: tuple[str, ...] = ()  # what is assumed (patch release, unchecked release, ...)


@dataclass(frozen=True)
class Request:
    """What the user asked vLLM to do with the config."""

    vllm: VllmVersion
    max_model_len: int | None = None
    hf_overrides: Mapping[str, Any] = field(default_factory=dict)
    allow_long_max_model_len: bool = False  # VLLM_ALLOW_LONG_MAX_MODEL_LEN=1
    dtype: str = "float32"
    trust_remote_code: bool = False  # vLLM's --trust-remote-code (default off, SPEC §2.2)
    transformers: str = "5"  # the transformers major (or a minor such as "5.19") assumed


@dataclass(frozen=True)
class Note:
    """Something vLLM would log, or an assumption ntkcli made, tied to a pipeline step."""

    step: str
    message: str


@dataclass(frozen=True)
class Refusal:
    """vLLM would stop with this exception (SPEC §4.2, §4.3, §4.4)."""

    error: str  # "ValueError", "KeyError", "AttributeError", "AssertionError", ...
    message: str
    step: str
    # Why, for code: checks key on this, never on the message text. A RefusalCause, or
    # "load:<cause>" for what transformers raises while building the config (configs.LoadRefusal).
    cause: str

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

    key: str | None  # config key that gave the length (None: no key, fallback)
    config_value: int | None  # its value as written
    factor: float  # RoPE factor multiplied in (1.0 when not applied)
    factor_applied: bool
    value: float  # after the factor (a float in vLLM, printed as such in its messages)
    st_length: int | None  # sentence-transformers max_seq_length, if read
    st_replaced: bool  # True when that length replaced the derived one
    final: float  # what vLLM compares max_model_len against (int when the ST length won)
    fallback: bool = False  # True when no key was present and 2048 (or the user's value) was used

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

    line: VllmLine
    trained_positions: int  # T
    trained_from: str  # "max_trained_positions", "class default", "max_position_embeddings", ...
    assertion_failures: tuple[str, ...] = ()
    clamped_from: int | None = None  # old: max_model_len before the clamp
    recheck_limit: DerivedLength | None = None  # old: the re-derived limit
    ignored_max_model_len_override: int | None = None  # new: flat hf_overrides max_model_len


@dataclass(frozen=True)
class Rotary:
    """SPEC §4.4–§4.5: the rotary object vLLM builds, as numbers."""

    rope_class: str
    rope_type: str
    head_size: int
    rotary_dim: int
    max_position: int  # L, get_rope's max_position
    base: float  # θ as get_rope sees it
    factor: float | None  # α
    trained_positions: int | None  # T for the dynamic class, None otherwise
    inner: float | None  # the dynamic-NTK inner term, when the formula applies
    exponent: float | None  # d / (d − 2)
    scaled_base: Base | None  # θ'; equals θ for classes that do not rescale the base
    cache_rows: int | None  # None when ntkcli does not model that class's cache
    dtype: str
    dynamic_formula: bool  # True when θ' comes from the dynamic-NTK formula
    built: bool = True  # False when vLLM refuses before building it (shown for information)
    note: str | None = None
    # Class-specific numbers (SPEC-loading "Rotary classes"): the cos/sin multiplier (YaRN,
    # DeepSeek, Phi3 LongRoPE), NTK's effective base, the first inverse frequencies (float64),
    # and how the rows add up ("4096 + 131072", one block per linear factor, ...).
    mscale: float | None = None
    effective_base: Base | None = None
    inv_freq_head: tuple[float, ...] = ()
    rows_detail: str | None = None
    is_neox_style: bool = True

    @property
    def cache_shape(self) -> tuple[int, int] | None:
        return None if self.cache_rows is None else (self.cache_rows, self.rotary_dim)

    @property
    def cache_bytes(self) -> int | None:
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
    module: str  # vLLM model file, e.g. "llama.py"; "Transformers backend" when vLLM uses it
    head_size: int | None
    max_position: int | None  # L, get_rope's max_position
    is_neox_style: bool
    theta_filled: float | None = None  # θ the model code set because the dict had no rope_theta
    transformers_backend: bool = False  # served by transformers' own RoPE (0.33, G5)
    checked: bool = True  # False when the argument choice was only read, or is ntkcli's guess
    note: str | None = None


@dataclass(frozen=True)
class Finding:
    """One validation result (SPEC §7)."""

    id: str
    severity: Severity
    message: str
    hint: str


@dataclass(frozen=True)
class Resolution:
    """Everything vLLM would resolve for one config and one request, with every intermediate."""

    raw: RawConfig
    request: Request
    model_type: str
    architectures: tuple[str, ...]
    normalised_rope: Mapping[str, Any]  # §3 result, before dict overrides
    rope_parameters: Mapping[str, Any]  # as passed to get_rope
    derived: DerivedLength | None
    max_model_len: int | None  # None when vLLM would refuse
    requested_len: int | None  # the length vLLM was asked for (or picked) before any refusal
    refusal: Refusal | None
    nomic: NomicUpdate | None
    rotary: Rotary | None  # None when no rotary object can be described at all
    notes: tuple[Note, ...] = ()
    findings: tuple[Finding, ...] = ()
    config_values: Mapping[str, Any] = field(default_factory=dict)  # config after flat overrides
    # SPEC §2.2: the config class AutoConfig builds ("NomicBertConfig", origin native/remote;
    # known False: a remote class ntkcli has no data for) and the transformers assumed.
    config_class: str | None = None
    config_origin: str | None = None
    config_class_known: bool = True
    transformers: str = "5"
    transformers_label: str = "5.20.2"
    model_code: ModelCode | None = None  # SPEC-loading §4.4'
    layer_rotaries: tuple[tuple[str, Rotary], ...] = ()  # one per layer type (Gemma3)
