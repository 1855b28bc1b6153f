"""Generate the class-facts table of one transformers version (SPEC-loading §2'.7, D1).

Run with the transformers to describe installed (no torch needed):

    python -m ntkcli.configs.generate --out ntkcli/configs/data

It writes `transformers-<version>.json`: per model type, whether transformers has a native config
class, the class name, its `attribute_map`, `default_theta`, the defaults a no-argument instance
holds for the keys that matter, the declared fields with their type annotations (for the strict
type check, E1), the RoPE dict a no-argument instance ends with, and two probes of the class's own
RoPE conversion (Phi3's rewrites and its top-level `original_max_position_embeddings`).

transformers is imported only inside functions; nothing of it runs when ntkcli runs. Only native
classes are instantiated: no code named by `auto_map` is ever imported.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import logging
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# The model types ntkcli's engines care about (SPEC-loading §2'.1 C3, §2'.3), native or not.
MODEL_TYPES = (
    "bert",
    "deepseek_v3",
    "gemma3",
    "gemma3_text",
    "gpt_neox",
    "gte",
    "internlm",
    "internlm2",
    "llama",
    "mistral",
    "new",
    "nomic_bert",
    "phi",
    "phi3",
    "qwen",
    "qwen2",
    "qwen3",
    "qwen3_5_moe_text",
    "xlm-roberta",
)
# Keys whose no-argument value is recorded (absent from the record: the instance has no attribute).
DEFAULT_KEYS = (
    "head_dim",
    "hidden_size",
    "layer_types",
    "max_position_embeddings",
    "num_attention_heads",
    "num_hidden_layers",
    "original_max_position_embeddings",
    "partial_rotary_factor",
    "qk_rope_head_dim",
    "rope_local_base_freq",
    "rope_scaling",
    "rope_theta",
    "rotary_emb_base",
    "rotary_pct",
    "sliding_window",
)
# Probe of the class's own conversion (R-S3, R-S5): a yarn/su dict complete enough to pass the
# longrope validator too, with an L0 that differs from every class default.
PROBE_L0 = 1234
PROBE_TYPES = ("su", "yarn")
FORMAT = 1


def type_text(annotation: Any) -> str:
    """A field annotation as text without module prefixes: `int | None`, `RopeParameters | dict`."""
    if isinstance(annotation, str):
        text = annotation
    elif isinstance(annotation, type):
        text = annotation.__name__
    else:
        text = str(annotation)
    text = text.replace("typing.", "")
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", text)


def jsonable(value: Any) -> Any:
    """A value as JSON data; anything else (a class, a dtype) as its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return type_text(type(value))


def declared_fields(cls: type) -> dict[str, str]:
    """Name → annotation text of every declared field (transformers 5 dataclasses, 4 __init__)."""
    if dataclasses.is_dataclass(cls):
        return {f.name: type_text(f.type) for f in dataclasses.fields(cls)}
    out: dict[str, str] = {}
    for name, param in inspect.signature(cls).parameters.items():
        if name == "self" or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            continue
        empty = param.annotation is inspect.Parameter.empty
        out[name] = "" if empty else type_text(param.annotation)
    return out


def field_defaults(cls: type) -> dict[str, Any]:
    """The declared default of each key of DEFAULT_KEYS that is a field (before __post_init__)."""
    if dataclasses.is_dataclass(cls):
        out = {}
        for f in dataclasses.fields(cls):
            if f.name not in DEFAULT_KEYS:
                continue
            if f.default is not dataclasses.MISSING:
                out[f.name] = jsonable(f.default)
            elif f.default_factory is not dataclasses.MISSING:
                out[f.name] = jsonable(f.default_factory())
        return out
    params = inspect.signature(cls).parameters
    return {
        name: jsonable(p.default)
        for name, p in params.items()
        if name in DEFAULT_KEYS and p.default is not inspect.Parameter.empty
    }


def class_default_theta(cls: type) -> Any:
    """`default_theta` (transformers 5), else the `rope_theta` default (transformers 4)."""
    if hasattr(cls, "default_theta"):
        return jsonable(cls.default_theta)
    if dataclasses.is_dataclass(cls):
        return None
    param = inspect.signature(cls).parameters.get("rope_theta")
    if param is None or param.default is inspect.Parameter.empty:
        return None
    return jsonable(param.default)


def probe(cls: type, rope_type: str) -> dict[str, Any]:
    """What the class's conversion makes of a `rope_type` dict: its type and L0, or the error."""
    rope = {
        "rope_type": rope_type,
        "factor": 2.0,
        "original_max_position_embeddings": PROBE_L0,
        "short_factor": [1.0] * 48,
        "long_factor": [1.0] * 48,
    }
    try:
        instance = cls(rope_parameters=dict(rope))
    except Exception as exc:  # the probe records the error; nothing depends on its type
        return {"error": type(exc).__name__}
    got = getattr(instance, "rope_parameters", None)
    if not isinstance(got, Mapping):
        return {"rope_parameters": jsonable(got)}
    return {
        "rope_type": jsonable(got.get("rope_type")),
        "original_max_position_embeddings": jsonable(got.get("original_max_position_embeddings")),
    }


def class_facts(model_type: str) -> dict[str, Any]:
    """The facts of the native class of `model_type` (D1), or `{"native": false}`."""
    from transformers import CONFIG_MAPPING

    if model_type not in CONFIG_MAPPING:
        return {"native": False}
    cls = CONFIG_MAPPING[model_type]
    instance = cls()
    fields = declared_fields(cls)
    defaults = {k: jsonable(getattr(instance, k)) for k in DEFAULT_KEYS if hasattr(instance, k)}
    sub_configs = getattr(cls, "sub_configs", None) or {}
    facts: dict[str, Any] = {
        "native": True,
        "class_name": cls.__name__,
        "attribute_map": jsonable(dict(getattr(cls, "attribute_map", {}) or {})),
        "default_theta": class_default_theta(cls),
        "defaults": defaults,
        "field_defaults": field_defaults(cls),
        "fields": fields,
        "has_rope_parameters": hasattr(instance, "rope_parameters"),
        "rope_parameters": jsonable(getattr(instance, "rope_parameters", None)),
        "own_rope_conversion": "convert_rope_params_to_dict" in vars(cls),
        "sub_configs": {k: type_text(v.__name__) for k, v in sorted(sub_configs.items())},
    }
    if "rope_parameters" in fields and not sub_configs:
        facts["probes"] = {t: probe(cls, t) for t in PROBE_TYPES}
    return facts


def build_table(model_types: Sequence[str] = MODEL_TYPES) -> dict[str, Any]:
    """The whole table for the installed transformers."""
    import transformers

    logging.getLogger("transformers").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        classes = {mt: class_facts(mt) for mt in model_types}
    return {
        "format": FORMAT,
        "generator": "python -m ntkcli.configs.generate",
        "probe_original_max_position_embeddings": PROBE_L0,
        "transformers": transformers.__version__,
        "model_types": classes,
    }


def render(table: Mapping[str, Any]) -> str:
    """Deterministic text: sorted keys, indent 1, floats as JSON writes them."""
    return json.dumps(table, indent=1, sort_keys=True, allow_nan=False) + "\n"


def file_name(version: str) -> str:
    return f"transformers-{version}.json"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to write the table to")
    args = parser.parse_args(argv)
    table = build_table()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / file_name(str(table["transformers"]))
    path.write_text(render(table), encoding="utf-8")
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
