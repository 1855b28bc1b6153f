"""The config layer's class-facts tables (SPEC-loading §2'.3, §2'.7 D1–D3) and a differential test
of ntkcli's config-object emulation against the real `transformers.AutoConfig`.

- The shipped tables are read without transformers; a few facts are checked by value (§2'.3).
- With transformers installed (it is in CI), the table of the installed version is regenerated and
  compared with the shipped copy, and every fixture config is loaded by the real AutoConfig with
  trust_remote_code=False (never True: no code named by auto_map is ever run) and compared with
  `ntkcli.configs.config_object.ConfigObject`: class, rope_parameters, max_position_embeddings,
  head_dim, hidden_size, num_attention_heads, and the load error when there is one.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ntkcli import configs
from ntkcli.configs import config_object, generate
from ntkcli.configs.config_object import ConfigObject, LoadRefusal

HAVE_TRANSFORMERS = importlib.util.find_spec("transformers") is not None
needs_transformers = pytest.mark.skipif(
    not HAVE_TRANSFORMERS, reason="transformers is not installed"
)
ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "ntkcli" / "snapshots"
SHARED_CONFIGS = Path("/work/shared/configs")
ABSENT: Any = "<absent>"


# -- the shipped tables, read without transformers --------------------------------------------


def test_shipped_versions() -> None:
    # SPEC-loading §2'.2: 5.20.2 is vLLM 0.33's newest allowed; 5.24.0 was measured too; 5.19.0
    # is SGLang's pin; 4.57.6 covers transformers 4 under vLLM <= 0.23.
    assert configs.known_versions() == ("4.57.6", "5.19.0", "5.20.2", "5.24.0")
    assert configs.resolve("5") == "5.24.0"
    assert configs.resolve("4") == "4.57.6"
    assert configs.resolve("5.20") == "5.20.2"


def test_unknown_version_is_a_config_error() -> None:
    with pytest.raises(configs.tables.ConfigError, match=r"transformers '3'"):
        configs.table("3")


@pytest.mark.parametrize("version", ["5.20.2", "5.24.0"])
def test_class_defaults_by_value(version: str) -> None:
    # SPEC-loading §2'.3 (measured on 5.20.2 and 5.24.0), numbers written out from the table there.
    facts = {mt: configs.class_facts(version, mt) for mt in ("nomic_bert", "qwen2", "gte", "phi3")}
    nomic, qwen2, gte, phi3 = (facts[mt] for mt in ("nomic_bert", "qwen2", "gte", "phi3"))
    assert nomic is not None and qwen2 is not None and gte is not None and phi3 is not None
    assert nomic["class_name"] == "NomicBertConfig"
    assert nomic["attribute_map"] == {}  # R-A2: no n_positions alias
    assert nomic["rope_parameters"] == {"rope_theta": 1000.0, "rope_type": "default"}
    assert nomic["defaults"]["max_position_embeddings"] == 2048
    assert "n_positions" not in nomic["fields"] and "rotary_emb_base" not in nomic["fields"]
    assert qwen2["default_theta"] == 10000.0 and "head_dim" not in qwen2["fields"]
    assert gte["rope_parameters"] == {"rope_theta": 160000.0, "rope_type": "default"}
    assert gte["defaults"]["max_position_embeddings"] == 8192
    assert phi3["rope_parameters"]["partial_rotary_factor"] == 1.0
    assert phi3["defaults"]["original_max_position_embeddings"] == 4096
    # R-S5: su and yarn become longrope; the top-level L0 (4096) overwrites a yarn dict's.
    assert phi3["probes"]["yarn"] == {
        "original_max_position_embeddings": 4096,
        "rope_type": "longrope",
    }
    assert phi3["probes"]["su"] == {
        "original_max_position_embeddings": 1234,
        "rope_type": "longrope",
    }
    # E1: the field types of the strict check.
    assert nomic["fields"]["max_position_embeddings"] == "int"
    for remote in ("internlm2", "qwen", "new"):  # C3: remote only
        assert configs.class_facts(version, remote) == {"native": False}


def test_native_classes_per_version() -> None:
    # SPEC-loading §2'.1 C3: no native nomic_bert nor gte in transformers 4.
    assert "nomic_bert" not in configs.native_model_types("4")
    assert "gte" not in configs.native_model_types("4")
    assert {"nomic_bert", "gte"} <= configs.native_model_types("5.19.0")


@pytest.mark.parametrize("version", ["4.57.6", "5.19.0", "5.20.2", "5.24.0"])
def test_shipped_table_is_rendered_deterministically(version: str) -> None:
    text = (ROOT / "ntkcli" / "configs" / "data" / generate.file_name(version)).read_text("utf-8")
    assert generate.render(json.loads(text)) == text


# -- the hand-made emulation agrees with the shipped tables -------------------------------------

# Native in transformers 5 but without class data in the emulation (composite: text_config).
NOT_EMULATED = frozenset({"gemma3"})


def _rope_class(facts: Mapping[str, Any]) -> tuple[Any, Any]:
    rope = facts["rope_parameters"]
    if not facts["has_rope_parameters"]:
        return None, None
    if "full_attention" in rope:
        return rope["full_attention"]["rope_theta"], None
    return rope["rope_theta"], rope.get("partial_rotary_factor")


@pytest.mark.parametrize("version", ["5.20.2", "5.24.0"])
def test_native_emulation_matches_the_table(version: str) -> None:
    types = configs.table(version)["model_types"]
    assert set(config_object.NATIVE) | NOT_EMULATED == configs.native_model_types(version)
    assert {mt for mt, f in types.items() if not f["native"]} >= config_object.REMOTE_ONLY
    for model_type, data in config_object.NATIVE.items():
        facts = types[model_type]
        assert data.name == facts["class_name"], model_type
        for key, value in data.defaults.items():
            assert facts["defaults"].get(key, ABSENT) == value, (model_type, key)
        assert dict(data.aliases) == facts["attribute_map"], model_type
        theta, partial = _rope_class(facts)
        assert data.default_theta == theta, model_type
        assert data.partial_default == partial, model_type
        probes = facts.get("probes", {})
        top_level = probes.get("yarn", {}).get("original_max_position_embeddings")
        assert data.ompe_top_level == (top_level not in (None, generate.PROBE_L0)), model_type
        rewrites = {t: p["rope_type"] for t, p in probes.items() if p.get("rope_type") != t}
        assert dict(data.rewrites) == rewrites, model_type
        assert data.nested == ("full_attention" in (facts["rope_parameters"] or {})), model_type
        # head_dim: a field whose default is None is filled with hidden // heads at load; a
        # head_dim that is no field but set on the instance is DeepSeek's qk_rope_head_dim.
        field = "head_dim" in facts["fields"]
        rule = None
        if field and facts["field_defaults"].get("head_dim", 0) is None:
            rule = "hidden"
        elif not field and "head_dim" in facts["defaults"]:
            rule = "qk_rope_head_dim"
        assert data.head_dim_from == rule, model_type
    assert "internlm" in config_object.REMOTE_ONLY and "internlm2" in config_object.REMOTE_ONLY
    # SPEC-loading §2'.1 C3: under transformers 4 nomic_bert and gte have no native class.
    assert {"nomic_bert", "gte"} <= config_object.NOT_NATIVE_4


# -- with transformers installed: regenerate, and compare with the real AutoConfig ---------------


@needs_transformers
def test_regenerated_table_matches_the_shipped_copy(tmp_path: Path) -> None:
    import transformers

    version = transformers.__version__
    if version not in configs.known_versions():
        pytest.skip(
            f"no shipped table for transformers {version}: "
            "run python -m ntkcli.configs.generate --out ntkcli/configs/data"
        )
    assert generate.main(["--out", str(tmp_path)]) == 0
    fresh = (tmp_path / generate.file_name(version)).read_text("utf-8")
    shipped = ROOT / "ntkcli" / "configs" / "data" / generate.file_name(version)
    assert fresh == shipped.read_text("utf-8")


def _fixture_configs() -> Iterator[tuple[str, dict[str, Any]]]:
    roots = [SNAPSHOTS] + ([SHARED_CONFIGS] if SHARED_CONFIGS.is_dir() else [])
    for root in roots:
        for path in sorted(root.rglob("config.json")):
            values = json.loads(path.read_text("utf-8"))
            if isinstance(values, dict):
                yield f"{root.name}/{path.relative_to(root).parent}", values


LLAMA2: dict[str, Any] = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
}
LONG = [1.0] * 48
# SPEC-loading §6' config shapes (and the R-S/E cases of §2'.5–§2'.6 they exercise).
SHAPES: dict[str, dict[str, Any]] = {
    "llama2": LLAMA2,
    "llama2-ntk": {**LLAMA2, "rope_scaling": {"rope_type": "ntk", "alpha": 2}},
    "llama2-linear4": {**LLAMA2, "rope_scaling": {"type": "linear", "factor": 4.0}},
    "llama2-yarn4-no-l0": {**LLAMA2, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}},
    "llama2-dynamic-alpha-only": {**LLAMA2, "rope_scaling": {"rope_type": "dynamic", "alpha": 4}},
    # SPEC-loading §2'.6 E3: validate_architecture (Llama) refuses hidden % heads != 0, also
    # next to an explicit head_dim; heads 0 is a ZeroDivisionError either way.
    "llama2-heads-not-dividing": {**LLAMA2, "num_attention_heads": 3},
    "llama2-heads-not-dividing-head-dim": {**LLAMA2, "num_attention_heads": 3, "head_dim": 128},
    "llama2-zero-heads-head-dim": {**LLAMA2, "num_attention_heads": 0, "head_dim": 128},
    "mistral-heads-not-dividing": {
        "model_type": "mistral",
        "hidden_size": 4096,
        "num_attention_heads": 3,
        "head_dim": 128,
    },
    "llama2-no-mpe": {k: v for k, v in LLAMA2.items() if k != "max_position_embeddings"},
    "llama2-linear-null-factor": {
        **LLAMA2,
        "rope_scaling": {"rope_type": "linear", "factor": None},
    },
    "llama2-per-layer": {
        **LLAMA2,
        "layer_types": ["full_attention"] * 32,
        "rope_parameters": {"full_attention": {"rope_type": "default", "rope_theta": 10000.0}},
    },
    "llama31-llama3": {
        **LLAMA2,
        "max_position_embeddings": 131072,
        "rope_theta": 500000.0,
        "rope_scaling": {
            "rope_type": "llama3",
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192,
        },
    },
    "qwen2-head-dim": {
        "model_type": "qwen2",
        "hidden_size": 3584,
        "num_attention_heads": 28,
        "head_dim": 64,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000.0,
    },
    "qwen2-no-theta": {"model_type": "qwen2", "hidden_size": 3584, "num_attention_heads": 28},
    "qwen2-dict-default": {"model_type": "qwen2", "rope_parameters": {"rope_type": "default"}},
    "mistral-no-mpe": {"model_type": "mistral", "hidden_size": 4096, "num_attention_heads": 32},
    "phi3-128k-longrope": {
        "model_type": "phi3",
        "hidden_size": 3072,
        "num_attention_heads": 32,
        "max_position_embeddings": 131072,
        "original_max_position_embeddings": 4096,
        "rope_scaling": {"type": "longrope", "short_factor": LONG, "long_factor": LONG},
    },
    "phi3-top-level-l0": {
        "model_type": "phi3",
        "max_position_embeddings": 131072,
        "original_max_position_embeddings": 8192,
        "rope_scaling": {
            "type": "longrope",
            "short_factor": LONG,
            "long_factor": LONG,
            "original_max_position_embeddings": 4096,
        },
    },
    "phi3-legacy-yarn": {
        "model_type": "phi3",
        "rope_scaling": {"type": "yarn", "factor": 2.0, "short_factor": LONG, "long_factor": LONG},
    },
    "phi3-legacy-su": {
        "model_type": "phi3",
        "rope_scaling": {"type": "su", "short_factor": LONG, "long_factor": LONG},
    },
    "gemma3-text-linear8": {
        "model_type": "gemma3_text",
        "max_position_embeddings": 131072,
        "rope_scaling": {"rope_type": "linear", "factor": 8.0},
    },
    "gpt-neox-no-rotary-pct": {"model_type": "gpt_neox", "hidden_size": 6144},
    "gpt-neox-rotary-pct": {"model_type": "gpt_neox", "rotary_pct": 0.5, "rotary_emb_base": 5e4},
    "gpt-neox-flat-rope-theta": {"model_type": "gpt_neox", "rope_theta": 3e4},
    "gpt-neox-pct-and-partial": {
        "model_type": "gpt_neox",
        "rotary_pct": 0.5,
        "partial_rotary_factor": 0.75,
    },
    "gpt-neox-dict-and-base": {
        "model_type": "gpt_neox",
        "rope_parameters": {"rope_type": "default"},
        "rotary_emb_base": 5e4,
    },
    "phi2-no-partial": {"model_type": "phi", "hidden_size": 2560, "num_attention_heads": 32},
    "deepseek-v3": {
        "model_type": "deepseek_v3",
        "max_position_embeddings": 163840,
        "qk_rope_head_dim": 64,
        "rope_scaling": {
            "type": "yarn",
            "factor": 40,
            "original_max_position_embeddings": 4096,
            "beta_fast": 32,
            "beta_slow": 1,
            "mscale": 1.0,
            "mscale_all_dim": 1.0,
        },
    },
    "nomic-v2-moe-shape": {
        "model_type": "nomic_bert",
        "rotary_emb_base": 10000,
        "n_positions": 2048,
        "max_trained_positions": 2048,
    },
    "gemma3-composite": {
        "model_type": "gemma3",
        "text_config": {
            "model_type": "gemma3_text",
            "rope_scaling": {"rope_type": "linear", "factor": 8.0},
        },
    },
    "gemma3-text-legacy-type-linear": {
        "model_type": "gemma3_text",
        "rope_scaling": {"type": "linear", "factor": 8.0},
    },
    "gemma3-text-only-full": {
        "model_type": "gemma3_text",
        "rope_parameters": {"full_attention": {"rope_type": "linear", "factor": 8.0}},
    },
    "gemma3-text-flat-rope-parameters": {
        "model_type": "gemma3_text",
        "rope_parameters": {"rope_type": "linear", "factor": 8.0},
    },
    "gemma3-text-nested-and-scaling": {
        "model_type": "gemma3_text",
        "rope_parameters": {
            "full_attention": {"rope_type": "default", "rope_theta": 1e6},
            "sliding_attention": {"rope_type": "default", "rope_theta": 1e4},
        },
        "rope_scaling": {"rope_type": "linear", "factor": 8.0},
    },
    "deepseek-v3-qk-rope-32": {"model_type": "deepseek_v3", "qk_rope_head_dim": 32},
    "llama-odd-head-dim": {**LLAMA2, "head_dim": 7},
    "llama-zero-heads": {**LLAMA2, "num_attention_heads": 0},
    "nomic-native-small": {
        "model_type": "nomic_bert",
        "hidden_size": 100,
        "num_attention_heads": 10,
    },
    "gte-default": {"model_type": "gte"},
    "qwen3-default": {"model_type": "qwen3"},
    "deepseek-v3-default": {"model_type": "deepseek_v3"},
    "phi3-default": {"model_type": "phi3"},
    "gemma3-text-default": {
        "model_type": "gemma3_text",
        "rope_theta": 5e5,
        "rope_local_base_freq": 2e4,
    },
    "bert-default": {"model_type": "bert"},
}
CASES = dict(_fixture_configs()) | {f"shape/{k}": v for k, v in SHAPES.items()}


def known_gap(values: Mapping[str, Any]) -> str | None:
    """Where the emulation is known to differ from the real AutoConfig (transformers 5.20/5.24)."""
    if values.get("model_type") == "gemma3":
        return "the composite Gemma3Config (text_config) has no class data in the emulation"
    return None


COMPARED = ("max_position_embeddings", "head_dim", "hidden_size", "num_attention_heads")


def _real(values: Mapping[str, Any], tmp_path: Path) -> dict[str, Any]:
    """What the real AutoConfig builds (never trust_remote_code=True), or the error it raises."""
    from transformers import AutoConfig

    (tmp_path / "config.json").write_text(json.dumps(values), encoding="utf-8")
    logging.getLogger("transformers").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cfg = AutoConfig.from_pretrained(str(tmp_path), trust_remote_code=False)
    except Exception as exc:  # the type is what is compared
        return {"error": type(exc).__name__}
    out = {"class": type(cfg).__name__, "rope_parameters": getattr(cfg, "rope_parameters", None)}
    out |= {key: getattr(cfg, key, ABSENT) for key in COMPARED}
    return out


def _emulated(values: Mapping[str, Any]) -> dict[str, Any]:
    try:
        cfg = ConfigObject(values, trust_remote_code=False, transformers_major=5)
    except LoadRefusal as exc:
        return {"error": exc.error}
    out = {"class": cfg.class_name, "rope_parameters": cfg.rope_parameters}
    out |= {key: cfg.get(key, ABSENT) for key in COMPARED}
    return out


@needs_transformers
@pytest.mark.parametrize("name", sorted(CASES))
def test_emulation_matches_real_autoconfig(name: str, tmp_path: Path) -> None:
    values = CASES[name]
    real = _real(values, tmp_path)
    emulated = _emulated(values)
    if "error" in real or "error" in emulated:
        real, emulated = {"error": real.get("error")}, {"error": emulated.get("error")}
    reason = known_gap(values)
    if reason is not None and emulated != real:
        pytest.xfail(reason)
    assert emulated == real


def test_transformers_4_has_no_native_nomic_bert() -> None:
    # SPEC-loading §2'.1 C2.4/C3: transformers 4.57.6 has no nomic_bert class, so AutoConfig
    # refuses the model type without trust_remote_code (ValueError), with or without auto_map.
    with pytest.raises(LoadRefusal) as caught:
        ConfigObject({"model_type": "nomic_bert"}, transformers_major=4)
    assert caught.value.error == "ValueError"
    assert ConfigObject({"model_type": "nomic_bert"}).class_name == "NomicBertConfig"
