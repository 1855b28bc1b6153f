"""The engine interface: every serving engine answers the same question for one config.

An `Engine` has a name, the versions it models (data) and `resolve(raw, request, version)`,
which returns an `EngineResult`: the longest input the engine serves and which key or file gave
it, whether it refuses the config, the RoPE it builds, and the base it uses for an input of each
requested length (accepted, truncated or rejected). The JSON contract of `--format json` is
this dataclass, field for field (written by serialize/generic.py from the field metadata).

One module per engine implements it; engines/registry.py maps names to implementations.
Nothing here imports torch or transformers: every engine is pure Python over the config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ntkcli.fields import INTERNAL, json_field
from ntkcli.model import Base, RawConfig

LengthStatus = Literal["accepted", "truncated", "rejected", "warned", "refused"]
DEFAULT_LENGTHS = (512, 2048, 4096, 8192)


@dataclass(frozen=True)
class EngineRequest:
    """What the user asks every engine, in one vocabulary: `max_model_len` is the user's length
    limit whatever the engine calls it (SGLang --context-length, Ollama num_ctx, ...), and
    `hf_overrides` the config overrides (SGLang --json-model-override-args; for engines with no
    such flag, applied to config.json as if the file had been edited)."""

    lengths: tuple[int, ...] = DEFAULT_LENGTHS
    max_model_len: int | None = None
    hf_overrides: Mapping[str, Any] = field(default_factory=dict)
    allow_long_max_model_len: bool = False
    transformers: str | None = None  # "4" / "5": the transformers a converter runs under
    dtype: str = "float32"
    trust_remote_code: bool = False  # AutoConfig's flag (vLLM's, SGLang's --trust-remote-code)


@dataclass(frozen=True)
class EngineId:
    name: str
    version: str


@dataclass(frozen=True)
class ConfigClassInfo:
    name: str
    origin: Literal["native", "remote", "own parser"]


@dataclass(frozen=True)
class EngineRefusal:
    """The engine fails to load or serve this config: the exception as it prints it."""

    error: str
    message: str


@dataclass(frozen=True)
class LengthResult:
    """What the engine does with one input of `len` tokens."""

    len: int = field(metadata=json_field(unit="tokens", description="The input's length."))
    base: Base | str | None = (
        field(  # θ' in force for that input; a string when no single base applies
            metadata=json_field(description="θ' in force for that input (a text: no single base).")
        )
    )
    accepted: bool  # served (possibly truncated or with a warning)
    tokens_used: int = field(  # tokens that reach the model (len, or the truncation length)
        metadata=json_field(unit="tokens", description="Tokens that reach the model.")
    )
    status: LengthStatus
    note: str | None = None


@dataclass(frozen=True)
class EngineResult:
    engine: EngineId
    config_class: ConfigClassInfo
    max_len: int | None = field(  # the longest input the engine serves (None: no limit of its own)
        metadata=json_field(unit="tokens", description="The longest input the engine serves.")
    )
    max_len_key: str | None  # the key or file that gave it
    refusal: EngineRefusal | None
    rope_class: str | None
    base: float | None = field(metadata=json_field(description="θ, the RoPE base."))  # θ
    scaled_base: Base | str | None = field(  # θ' fixed at load; None when decided per input
        metadata=json_field(description="θ' fixed at load; null when decided per input.")
    )
    cache_shape: tuple[int, int] | None = field(
        metadata=json_field(description="(rows, rotated dims) of the cos/sin cache.")
    )
    lengths: tuple[LengthResult, ...]
    scaling: str  # "fixed at load" | "per forward" | "per batch" | "none"
    evidence: str  # how the rules were obtained ("read from the source at tag v1.9.3, ...")
    notes: tuple[str, ...] = ()
    # engine-specific keys (vLLM's own)
    extra: Mapping[str, Any] = field(default_factory=dict, metadata=INTERNAL)


class Engine(Protocol):
    """One serving engine. `versions` are the releases it models, the first is the default."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str:  # how tables name it: "SGLang", "TEI", ...
        ...

    @property
    def versions(self) -> tuple[str, ...]: ...

    def check_version(self, text: str) -> str | None:
        """The canonical version for `text`, or None when this engine does not model it."""
        ...

    def resolve(self, raw: RawConfig, request: EngineRequest, version: str) -> EngineResult: ...


def edited_config(config: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """config.json as if the user had edited it: each override key replaces the JSON's value
    (engines without an override flag: TEI, the llama.cpp converter, transformers)."""
    edited = dict(config)
    edited.update(overrides)
    return edited


class FixedVersions:
    """check_version for engines that model a fixed list of releases."""

    versions: tuple[str, ...]

    def check_version(self, text: str) -> str | None:
        value = text.strip().lower().lstrip("v")
        return value if value in self.versions else None
