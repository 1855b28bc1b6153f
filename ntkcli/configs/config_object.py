"""The config object `transformers.AutoConfig.from_pretrained` builds (SPEC §2.2–§2.4,
SPEC-loading §2'.1–§2'.6), beneath every engine that loads through transformers.

`ConfigObject` (get, has, in_json, declared, rope_parameters, update, with_rope_parameters):
class choice (C2), the class defaults
that matter (2'.3), aliases (R-A1–R-A3), load-time RoPE standardisation (R-S1–R-S6) and the load
errors (E2, C2.4). The class facts (names, defaults, default θ, partial factors, Phi3's rewrites
and top-level L0, Gemma3's nesting, which model types are native) come from the config layer's
table generated from transformers 5.20.2 (ntkcli/configs/data; 5.24.0 has the same facts) and,
for the native set under transformers 4, from 4.57.6. No code named by auto_map is ever imported
or run.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from ntkcli.configs import tables as configs
from ntkcli.errors import ConfigError
from ntkcli.model import DEFAULT_THETA, MAX_LENGTH

MISSING: Any = object()
MAX_SANE_LENGTH = MAX_LENGTH


class LoadRefusal(Exception):
    """transformers raises while building the config object (AutoConfig.from_pretrained)."""

    def __init__(self, error: str, message: str, cause: str) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message
        self.cause = cause


@dataclass(frozen=True)
class ClassData:
    """One config class: its name, defaults, aliases and RoPE conversion quirks."""

    name: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    default_theta: float | None = DEFAULT_THETA  # None: the class has no rope_parameters (BERT)
    partial_default: float | None = None  # phi3 1.0, phi 0.5, gpt_neox 0.25 (rotary_pct)
    ompe_top_level: bool = False  # phi3: a top-level original_max_position_embeddings field
    rewrites: Mapping[str, str] = field(default_factory=dict)  # phi3: su, yarn → longrope
    nested: bool = False  # gemma3: rope_parameters keyed by layer type
    rope_only_if_keys: bool = False  # generic PretrainedConfig: standardise only with RoPE keys
    theta_key: str = "rope_theta"  # gpt_neox: rotary_emb_base (a top-level rope_theta is ignored)
    partial_key: str = "partial_rotary_factor"  # gpt_neox: rotary_pct
    local_theta: float | None = None  # gemma3: sliding_attention's default θ
    head_dim_from: str | None = None  # "hidden" (hidden // heads) or "qk_rope_head_dim" if null
    heads_divide_hidden: bool = False  # llama: validate_architecture (SPEC-loading §2'.6 E3)


# The transformers whose class facts the emulation uses: vLLM 0.33's newest allowed (SPEC-loading
# §2'.2); tests/test_configs_tables.py checks them against the real AutoConfig.
TABLE_VERSION = "5.20.2"
TABLE_VERSION_4 = "4.57.6"
_LENGTHS = ("max_position_embeddings", "hidden_size", "num_attention_heads")
# Per model type: the class defaults the emulation keeps (their values come from the table), and
# the conversion quirks that are code in transformers (SPEC-loading D2).
_KEPT: Mapping[str, tuple[tuple[str, ...], Mapping[str, Any]]] = {
    "nomic_bert": (_LENGTHS, {"head_dim_from": "hidden"}),
    "llama": (_LENGTHS, {"head_dim_from": "hidden", "heads_divide_hidden": True}),
    "mistral": ((*_LENGTHS, "sliding_window"), {"head_dim_from": "hidden"}),
    "qwen2": (_LENGTHS, {}),
    "qwen3": ((*_LENGTHS, "head_dim"), {}),
    "qwen3_5_moe_text": ((*_LENGTHS, "head_dim"), {}),
    "phi3": ((*_LENGTHS, "original_max_position_embeddings"), {}),
    "gemma3_text": ((*_LENGTHS, "head_dim"), {}),
    # GPTNeoXConfig.convert_rope_params_to_dict: θ from rotary_emb_base, partial from rotary_pct.
    "gpt_neox": (_LENGTHS, {"theta_key": "rotary_emb_base", "partial_key": "rotary_pct"}),
    "phi": (_LENGTHS, {}),
    "deepseek_v3": ((*_LENGTHS, "qk_rope_head_dim"), {"head_dim_from": "qk_rope_head_dim"}),
    "gte": (_LENGTHS, {}),
    "bert": (_LENGTHS, {}),
    "xlm-roberta": (_LENGTHS, {}),
}


def _class_data(model_type: str, version: str = TABLE_VERSION) -> ClassData:
    """One native class from the shipped table (SPEC-loading §2'.3, §2'.7 D1)."""
    facts = configs.class_facts(version, model_type)
    if facts is None or not facts.get("native"):
        raise LookupError(f"transformers {version} has no native class for {model_type}")
    keys, quirks = _KEPT[model_type]
    rope = facts["rope_parameters"]  # None when the class has none (has_rope_parameters false)
    nested = isinstance(rope, Mapping) and "full_attention" in rope
    theta: float | None = None
    partial: float | None = None
    local: float | None = None
    if nested:
        theta = rope["full_attention"]["rope_theta"]
        local = rope["sliding_attention"]["rope_theta"]
    elif isinstance(rope, Mapping):
        theta = rope["rope_theta"]
        partial = rope.get("partial_rotary_factor")
    probe_l0 = configs.table(version)["probe_original_max_position_embeddings"]
    probes: Mapping[str, Mapping[str, Any]] = facts.get("probes", {})
    rewrites = {t: p["rope_type"] for t, p in probes.items() if p.get("rope_type") not in (None, t)}
    top_l0 = probes.get("yarn", {}).get("original_max_position_embeddings")
    return ClassData(
        facts["class_name"],
        {key: facts["defaults"][key] for key in keys},
        aliases=dict(facts["attribute_map"]),
        default_theta=theta,
        partial_default=partial,
        ompe_top_level=top_l0 not in (None, probe_l0),
        rewrites=rewrites,
        nested=nested,
        local_theta=local,
        **quirks,
    )


def _native_class(model_type: str) -> ClassData | None:
    """The emulated native class of `model_type`, built from the table on first use (building
    all of them at import cost start-up for the one a config names)."""
    return _class_data(model_type) if model_type in _KEPT else None


# Cached at module level rather than with a decorator, so that mutation testing (which skips
# decorated functions) reaches the builders.
native_class = functools.cache(_native_class)


def _native_class_in(version: str, model_type: str) -> ClassData | None:
    """The emulated native class of `model_type` in another shipped transformers table (the
    engines that pin their own transformers: SGLang's 5.19.0, the llama.cpp converter's
    4.57.6)."""
    if version == TABLE_VERSION:
        return native_class(model_type)
    if model_type not in _KEPT or model_type not in configs.native_model_types(version):
        return None
    return _class_data(model_type, version)


native_class_in = functools.cache(_native_class_in)


def _not_native_in(version: str) -> frozenset[str]:
    """The model types of the table that transformers knows only through remote code (C3)."""
    return frozenset(configs.table(version)["model_types"]) - configs.native_model_types(version)


_not_native = functools.cache(_not_native_in)


def __getattr__(name: str) -> Any:
    """NATIVE (every emulated native class), REMOTE_ONLY (internlm, internlm2, qwen, new) and
    NOT_NATIVE_4 (under transformers 4, vLLM <= 0.23, also nomic_bert, gte and
    qwen3_5_moe_text), computed when first read."""
    if name == "NATIVE":
        return {mt: native_class(mt) for mt in _KEPT}
    if name == "REMOTE_ONLY":
        return _not_native(TABLE_VERSION)
    if name == "NOT_NATIVE_4":
        return _not_native(TABLE_VERSION_4)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# SPEC §2.3: Nomic's remote class (configuration_hf_nomic_bert.NomicBertConfig, a GPT2Config).
NOMIC_REMOTE = ClassData(
    "NomicBertConfig",
    {
        "max_trained_positions": 2048,
        "rotary_emb_fraction": 0.0,
        "rotary_emb_base": 10000,
        "rotary_emb_scale_base": None,
        "rotary_emb_interleaved": False,
        "rotary_scaling_factor": None,
        "qkv_proj_bias": True,
        "mlp_fc1_bias": True,
        "mlp_fc2_bias": True,
        "activation_function": "gelu_new",
        "n_positions": 1024,
        "n_embd": 768,
        "n_head": 12,
        "n_layer": 12,
        "n_inner": None,
        "layer_norm_epsilon": 1e-5,
    },
    aliases={
        "hidden_size": "n_embd",
        "num_attention_heads": "n_head",
        "num_hidden_layers": "n_layer",
        "max_position_embeddings": "n_positions",
    },
    default_theta=None,
    rope_only_if_keys=True,
)
GENERIC = ClassData("PretrainedConfig", rope_only_if_keys=True)

# E2: required keys per rope_type (transformers modeling_rope_utils.py _validate_*).
REQUIRED_KEYS: Mapping[str, frozenset[str]] = {
    "default": frozenset({"rope_type"}),
    "linear": frozenset({"rope_type", "factor"}),
    "dynamic": frozenset({"rope_type", "factor"}),
    "yarn": frozenset({"rope_type", "factor", "original_max_position_embeddings"}),
    "longrope": frozenset(
        {"rope_type", "short_factor", "long_factor", "original_max_position_embeddings"}
    ),
    "llama3": frozenset(
        {
            "rope_type",
            "factor",
            "original_max_position_embeddings",
            "low_freq_factor",
            "high_freq_factor",
            "rope_theta",
        }
    ),
    "proportional": frozenset({"rope_type", "rope_theta"}),
}
L0_TYPES = frozenset({"llama3", "yarn", "longrope"})
ROPE_KEYS = ("rope_scaling", "rope_parameters", "rope_theta", "partial_rotary_factor")


def is_number(value: object) -> TypeGuard[int | float]:
    """A JSON number (bool is not one)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def primary_rope(params: Mapping[str, Any] | None) -> tuple[Mapping[str, Any] | None, bool]:
    """(the parameters of the first layer type, nested?) for per-layer-type rope dicts (R-S6)."""
    if params and all(isinstance(v, Mapping) for v in params.values()):
        return next(iter(params.values())), True
    return params, False


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _remote_name(auto_map: Any) -> str | None:
    if not isinstance(auto_map, Mapping):
        return None
    ref = auto_map.get("AutoConfig")
    return ref if isinstance(ref, str) else None


class ConfigObject:
    """What AutoConfig.from_pretrained(model, trust_remote_code=...) returns, as data."""

    def __init__(
        self,
        values: Mapping[str, Any],
        *,
        trust_remote_code: bool = False,
        transformers_major: int = 5,
        table_version: str | None = None,
    ) -> None:
        model_type = values.get("model_type", "")
        if not isinstance(model_type, str):
            raise ConfigError(
                f"config.json: 'model_type' must be a string, got {_describe(model_type)}",
                hint="fix 'model_type' in config.json",
            )
        self.model_type = model_type
        self.transformers_major = transformers_major
        self.remote_ref = _remote_name(values.get("auto_map"))
        self.known = True
        # table_version: the transformers whose class facts apply (default: vLLM's, with the
        # native set of 4.57.6 under transformers 4).
        if table_version is None:
            not_native = _not_native(TABLE_VERSION if transformers_major == 5 else TABLE_VERSION_4)
            native = None if model_type in not_native else native_class(model_type)
        else:
            not_native = _not_native(table_version)
            native = (
                None if model_type in not_native else native_class_in(table_version, model_type)
            )
        if self.remote_ref is not None and trust_remote_code:
            self.origin = "remote"
            name = self.remote_ref.rpartition(".")[2]
            module = self.remote_ref.rpartition("--")[2]  # "repo--module.Class": another repo
            if module == "configuration_hf_nomic_bert.NomicBertConfig":
                self.data = NOMIC_REMOTE
            else:
                self.known = False
                self.data = ClassData(name, rope_only_if_keys=True)
        elif native is not None:
            self.origin = "native"
            self.data = native
        elif model_type in not_native or self.remote_ref is not None:
            # C2.4: transformers refuses a model type with no native class (from reading the
            # source; not executed).
            raise LoadRefusal(
                "ValueError",
                f"The checkpoint you are trying to load has model type `{model_type}` but "
                "Transformers does not recognize this architecture. This could be because of an "
                "issue with the checkpoint, or because your version of Transformers is out of "
                "date."
                + (
                    " It looks like the config file uses custom code: load it with "
                    "trust_remote_code=True."
                    if self.remote_ref
                    else ""
                ),
                "no_native_class",
            )
        else:
            # A model type ntkcli has no class data for, without auto_map: transformers has a
            # native class for it (or would refuse); best effort with the generic behaviour.
            self.origin = "native"
            self.known = model_type == ""
            self.data = ClassData(GENERIC.name, rope_only_if_keys=True)
        self.class_name = self.data.name
        self._json = dict(values)
        # R-A3: the alias is applied after its canonical key, so it wins when both are set.
        resolved: dict[str, Any] = {}
        for key, value in values.items():
            resolved[self.data.aliases.get(key, key)] = value
        for alias, canonical in self.data.aliases.items():
            if alias in values:
                resolved[canonical] = values[alias]
        self._values = resolved
        self._overridden: frozenset[str] = frozenset()
        self._computed: dict[str, Any] = {}
        self._computed = self._computed_at_load()
        for name in INT_FIELDS:
            if name in resolved and resolved[name] is None and self.declared(name):
                raise _field_type_error(name)
        if native is not None and self.origin == "native" and transformers_major == 5:
            self._validate_architecture()
        self._rope: dict[str, Any] | None = None
        standardised = not self.data.rope_only_if_keys and self.data.default_theta is not None
        if standardised or self.has_rope_keys():
            self._rope = self._standardise_at_load() if transformers_major == 5 else self._v4_rope()
            self._values.pop("rope_scaling", None)
            self._values.pop("rope_parameters", None)
            if transformers_major == 5:
                self._values.pop(self.data.theta_key, None)  # R-S2: consumed
                if native is not None and self.origin == "native" and self._rope is not None:
                    _validate_even_rotary_dim(self._rope, self.get("head_dim", None))

    def _computed_at_load(self) -> dict[str, Any]:
        """head_dim that __post_init__ fills in when it is absent or null: hidden_size //
        num_attention_heads (Llama, Mistral, NomicBert) or qk_rope_head_dim (DeepSeek-V3).
        Computed once, at load: a later flat override of hidden_size does not change it.
        Values it cannot divide are left to the model code's own checks."""
        rule = self.data.head_dim_from
        if rule is None or self._values.get("head_dim") is not None:
            return {}
        # Every class with a rule declares the fields it reads (SPEC-loading §2'.3): never missing.
        if rule == "qk_rope_head_dim":
            value = self.get("qk_rope_head_dim")
            ok = isinstance(value, int) and not isinstance(value, bool)
            return {"head_dim": value} if ok else {}
        hidden = self.get("hidden_size")
        heads = self.get("num_attention_heads")
        ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (hidden, heads))
        if ints and heads == 0:
            # LlamaConfig.__post_init__: head_dim = hidden_size // num_attention_heads.
            raise LoadRefusal(
                "ZeroDivisionError", "integer division or modulo by zero", "zero_heads"
            )
        if not ints or heads < 0:
            return {}
        self._values.pop("head_dim", None)
        return {"head_dim": hidden // heads}

    def _validate_architecture(self) -> None:
        """E3: LlamaConfig's validate_architecture refuses a hidden_size that is not a multiple
        of num_attention_heads, even next to an explicit head_dim; the strict dataclass wraps the
        ValueError (measured with transformers 5.24.0). Runs after __post_init__'s head_dim."""
        if not self.data.heads_divide_hidden:
            return
        hidden = self.get("hidden_size")  # both are fields of LlamaConfig: never missing
        heads = self.get("num_attention_heads")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (hidden, heads)):
            return
        if heads == 0:
            raise LoadRefusal("ZeroDivisionError", "integer modulo by zero", "zero_heads")
        if hidden % heads:
            raise LoadRefusal(
                "StrictDataclassClassValidationError",
                "Class validation error for validator 'validate_architecture': ValueError: The "
                f"hidden size ({hidden}) is not a multiple of the number of attention heads "
                f"({heads}).",
                "heads_divide_hidden",
            )

    # -- attribute access (getattr semantics) ---------------------------------------------------
    def _key(self, name: str) -> str:
        return self.data.aliases.get(name, name)

    def where(self, name: str) -> str:
        """Where the value came from, for messages: hf_overrides or config.json."""
        return "hf_overrides" if self._key(name) in self._overridden else "config.json"

    def length(self, name: str, default: Any = MISSING, *, minimum: int = 0) -> int:
        """getattr(config, name[, default]) checked as an integer length."""
        return check_length(name, self.get(name, default), minimum=minimum, where=self.where(name))

    def in_json(self, name: str) -> bool:
        return self._key(name) in self._values

    def declared(self, name: str) -> bool:
        return self._key(name) in self.data.defaults

    def has(self, name: str) -> bool:
        return (
            self.in_json(name)
            or self.declared(name)
            or self._key(name) in self._computed
            or (name == "rope_parameters" and (self._rope is not None))
        )

    def get(self, name: str, default: Any = MISSING) -> Any:
        if name == "rope_parameters":
            return self._rope
        key = self._key(name)
        if key in self._values:
            return self._values[key]
        if key in self._computed:
            return self._computed[key]
        if key in self.data.defaults:
            return self.data.defaults[key]
        if default is MISSING:
            raise LoadRefusal(
                "AttributeError",
                f"'{self.class_name}' object has no attribute '{name}'",
                "missing_attribute",
            )
        return default

    @property
    def rope_parameters(self) -> dict[str, Any] | None:
        return None if self._rope is None else dict(self._rope)

    def has_rope_keys(self) -> bool:
        return any(k in self._values for k in ROPE_KEYS)

    def attributes(self) -> dict[str, Any]:
        out = {**self.data.defaults, **self._computed, **self._values}
        if self._rope is not None:
            out["rope_parameters"] = self._rope
        return out

    def update(self, values: Mapping[str, Any]) -> ConfigObject:
        """config.update(flat_overrides): setattr through the aliases, no re-standardisation."""
        clone = self._clone()
        for key, value in values.items():
            if key in INT_FIELDS and value is None and self.declared(key):
                raise _field_type_error(key)
            clone._values[clone._key(key)] = value
        clone._overridden = self._overridden | {self._key(k) for k in values}
        return clone

    def with_rope_parameters(self, params: Mapping[str, Any] | None) -> ConfigObject:
        clone = self._clone()
        clone._rope = None if params is None else dict(params)
        return clone

    def _clone(self) -> ConfigObject:
        clone = object.__new__(ConfigObject)
        clone.__dict__.update(self.__dict__)
        clone._values = dict(self._values)
        clone._rope = None if self._rope is None else dict(self._rope)
        return clone

    # -- R-S1–R-S6 ------------------------------------------------------------------------------
    def _json_dict(self) -> dict[str, Any]:
        scaling = self._values.get("rope_scaling")
        params = self._values.get("rope_parameters")
        for key, value in (("rope_scaling", scaling), ("rope_parameters", params)):
            if value is not None and not isinstance(value, Mapping):
                raise ConfigError(
                    f"config.json: '{key}' must be an object (JSON dict) or null, got "
                    f"{_describe(value)}",
                    hint=f"fix '{key}' in config.json",
                )
        return dict(scaling) if scaling else dict(params or {})

    def _standardise_at_load(self) -> dict[str, Any]:
        data = self.data
        rp = self._json_dict()  # also checks that both keys hold dicts
        top_theta = self._values.get(data.theta_key)
        if data.nested:
            return self._gemma3(top_theta)
        default_theta = data.default_theta if data.default_theta is not None else DEFAULT_THETA
        rp.setdefault("rope_theta", top_theta if top_theta is not None else default_theta)
        partial = self._values.get(data.partial_key)
        if data.partial_key in self._values and data.partial_key == "partial_rotary_factor":
            rp.setdefault("partial_rotary_factor", partial)
        elif data.partial_default is not None:
            rp.setdefault(
                "partial_rotary_factor", partial if partial is not None else data.partial_default
            )
        self._fill_type_and_l0(rp, data.ompe_top_level)
        rope_type = rp["rope_type"]
        if isinstance(rope_type, str) and rope_type in data.rewrites:
            rp["rope_type"] = data.rewrites[rope_type]
        _validate(rp)
        return rp

    def _fill_type_and_l0(self, rp: dict[str, Any], top_level_wins: bool) -> None:
        if "rope_type" not in rp:
            rp["rope_type"] = rp.get("type", "default")
        rope_type = rp["rope_type"]
        if isinstance(rope_type, str) and rope_type in L0_TYPES:
            if top_level_wins:
                rp["original_max_position_embeddings"] = self.get(
                    "original_max_position_embeddings"
                )
            else:
                rp.setdefault(
                    "original_max_position_embeddings", self.get("max_position_embeddings", None)
                )

    def _gemma3(self, top_theta: Any) -> dict[str, Any]:
        """R-S6, as Gemma3TextConfig.convert_rope_params_to_dict does it: a JSON rope_parameters
        is taken as given (a flat one keeps its keys next to the layer dicts, which the model code
        never reads), else one default dict per layer type; a JSON rope_scaling is merged into
        full_attention with dict.update (so a legacy `type` stays next to rope_type 'default');
        rope_theta goes to full_attention, rope_local_base_freq to sliding_attention."""
        params = self._values.get("rope_parameters")
        scaling = self._values.get("rope_scaling")
        if isinstance(params, Mapping):
            out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in params.items()}
        else:
            out = {"sliding_attention": {"rope_type": "default"}}
            out["full_attention"] = {"rope_type": "default"}
        if isinstance(scaling, Mapping):
            full = out.get("full_attention")
            if not isinstance(full, dict):
                raise LoadRefusal("KeyError", "'full_attention'", "gemma3_rope_scaling")
            full.update(scaling)
        thetas = (
            ("full_attention", top_theta, self.data.default_theta),
            ("sliding_attention", self._values.get("rope_local_base_freq"), self.data.local_theta),
        )
        for layer, theta, default in thetas:
            if out.get(layer) is None:
                out[layer] = {"rope_type": "default"}
            sub = out[layer]
            if isinstance(sub, dict):
                sub.setdefault("rope_theta", theta if theta is not None else default)
                self._fill_type_and_l0(sub, False)
                _validate(sub)
        return out

    def _v4_rope(self) -> dict[str, Any] | None:
        """transformers 4 keeps the JSON dict as is (vLLM's R-T4 patch does the rest)."""
        rp = self._json_dict()
        return rp or None


# E1: int-typed fields of the native classes (a null raises the strict dataclass check).
INT_FIELDS = ("max_position_embeddings", "hidden_size", "num_attention_heads")


def _field_type_error(name: str) -> LoadRefusal:
    """E1 (measured with huggingface_hub 2.4.0 for max_position_embeddings: null)."""
    return LoadRefusal(
        "StrictDataclassFieldValidationError",
        f"Validation error for field '{name}': TypeError: Field '{name}' expected int, "
        "got NoneType",
        "field_type",
    )


def _validate(rp: Mapping[str, Any]) -> None:
    """E2: missing required keys raise KeyError; unknown types only warn."""
    rope_type = rp.get("rope_type")
    try:
        required = REQUIRED_KEYS.get(rope_type)  # type: ignore[arg-type]
    except TypeError as exc:  # a dict as rope_type: ROPE_VALIDATION_FUNCTIONS.get(dict)
        raise LoadRefusal("TypeError", str(exc), "rope_type_unhashable") from None
    if required is None:
        return
    missing = required - set(rp)
    if missing:
        raise LoadRefusal(
            "KeyError",
            f"\"Missing required keys in `rope_parameters` for 'rope_type'='{rope_type}': "
            f'{_set_repr(missing)}"',
            "missing_rope_keys",
        )


def _validate_even_rotary_dim(rope: Mapping[str, Any], head_dim: Any) -> None:
    """E3: validate_rope (transformers 5.20/5.24 modeling_rope_utils.py) refuses a fully rotated
    odd head_dim above 4; the strict dataclass wraps the ValueError (measured)."""
    if not isinstance(head_dim, int) or isinstance(head_dim, bool) or head_dim <= 4:
        return
    if not head_dim % 2:
        return
    nested = all(k in ("full_attention", "sliding_attention") for k in rope)
    layers = dict(rope) if nested and rope else {"full_attention": rope}
    for layer_type, params in layers.items():
        if not isinstance(params, Mapping):
            continue
        partial = params.get("partial_rotary_factor", 1.0)
        if not isinstance(partial, (int, float)) or int(head_dim * partial) != head_dim:
            continue
        raise LoadRefusal(
            "StrictDataclassClassValidationError",
            "Class validation error for validator 'validate_rope': ValueError: RoPE requires an "
            f"even rotary dimension, but got `head_dim`={head_dim} with "
            f"`partial_rotary_factor`={partial} for `{layer_type}`.",
            "odd_head_dim",
        )


def _set_repr(keys: frozenset[str]) -> str:
    return "{" + ", ".join(repr(k) for k in sorted(keys)) + "}"


def check_length(name: str, value: Any, *, minimum: int = 0, where: str = "config.json") -> int:
    """An integer length as a config holds it; ConfigError naming the key otherwise."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(
            f"{where}: '{name}' must be an integer length, got {_describe(value)}",
            hint=f"fix '{name}' in the config or override it with --hf-overrides",
        )
    if not minimum <= value <= MAX_SANE_LENGTH:
        raise ConfigError(
            f"{where}: '{name}' must be an integer from {minimum} to {MAX_SANE_LENGTH}, got "
            f"{value}",
            hint=f"fix '{name}' in the config or override it with --hf-overrides",
        )
    return value
