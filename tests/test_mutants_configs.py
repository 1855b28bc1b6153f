"""The class facts the config layer builds from the shipped table, checked against SPEC-loading
§2'.3 (class defaults) and §2'.4 (aliases), value by value (issue 14).

`_class_data` runs at import time to build NATIVE; calling it here is what lets mutation testing
see a wrong fact (a module-level table is never rebuilt inside one test process).
"""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.configs.config_object import ConfigObject, LoadRefusal, _class_data

# SPEC-loading §2'.3, one row per class: (class, max_position_embeddings, hidden, heads,
# default θ, partial default).
ROWS: dict[str, tuple[str, int, int, int, float | None, float | None]] = {
    "nomic_bert": ("NomicBertConfig", 2048, 768, 12, 1000.0, None),
    "llama": ("LlamaConfig", 2048, 4096, 32, 10000.0, None),
    "qwen2": ("Qwen2Config", 32768, 4096, 32, 10000.0, None),
    "qwen3": ("Qwen3Config", 32768, 4096, 32, 10000.0, None),
    "mistral": ("MistralConfig", 131072, 4096, 32, 10000.0, None),
    "phi3": ("Phi3Config", 4096, 3072, 32, 10000.0, 1.0),
    "gemma3_text": ("Gemma3TextConfig", 131072, 2304, 8, 1000000.0, None),
    "gpt_neox": ("GPTNeoXConfig", 2048, 6144, 64, 10000.0, 0.25),
    "phi": ("PhiConfig", 2048, 2048, 32, 10000.0, 0.5),
    "deepseek_v3": ("DeepseekV3Config", 4096, 7168, 128, 10000.0, None),
    "gte": ("GteConfig", 8192, 768, 12, 160000.0, None),
    "bert": ("BertConfig", 512, 768, 12, None, None),
    "xlm-roberta": ("XLMRobertaConfig", 512, 768, 12, None, None),
}


@pytest.mark.parametrize("model_type", sorted(ROWS))
def test_class_row(model_type: str) -> None:
    name, mpe, hidden, heads, theta, partial = ROWS[model_type]
    data = _class_data(model_type)
    assert data.name == name
    assert data.defaults["max_position_embeddings"] == mpe
    assert data.defaults["hidden_size"] == hidden
    assert data.defaults["num_attention_heads"] == heads
    assert data.default_theta == theta
    assert data.partial_default == partial


@pytest.mark.parametrize(
    ("model_type", "extra"),
    [
        # SPEC-loading §2'.3 "other" / head_dim columns.
        ("mistral", {"sliding_window": 4096}),
        ("qwen3", {"head_dim": 128}),
        ("gemma3_text", {"head_dim": 256}),
        ("phi3", {"original_max_position_embeddings": 4096}),
        ("deepseek_v3", {"qk_rope_head_dim": 64}),
    ],
)
def test_class_extra_defaults(model_type: str, extra: dict[str, Any]) -> None:
    defaults = _class_data(model_type).defaults
    for key, value in extra.items():
        assert defaults[key] == value


def test_phi3_quirks() -> None:
    # SPEC §3.3.3: Phi3's top-level L₀ overwrites the dict's; §3.3.5: su and yarn → longrope.
    data = _class_data("phi3")
    assert data.ompe_top_level is True
    assert dict(data.rewrites) == {"su": "longrope", "yarn": "longrope"}
    assert data.nested is False


def test_llama_has_no_quirks() -> None:
    # SPEC-loading §2'.3/§2'.4: Llama: no aliases, flat dict, no rewrite, no top-level L₀.
    data = _class_data("llama")
    assert (dict(data.aliases), dict(data.rewrites)) == ({}, {})
    assert (data.ompe_top_level, data.nested, data.local_theta) == (False, False, None)


def test_gemma3_text_is_nested_with_a_local_theta() -> None:
    # SPEC-loading §2'.3: nested {full_attention: 1e6, sliding_attention: 1e4}.
    data = _class_data("gemma3_text")
    assert (data.nested, data.default_theta, data.local_theta) == (True, 1000000.0, 10000.0)
    assert data.partial_default is None


def test_deepseek_v3_aliases() -> None:
    # SPEC-loading §2'.4 R-A2: deepseek_v3 aliases only expert and MTP names.
    assert dict(_class_data("deepseek_v3").aliases) == {
        "num_local_experts": "n_routed_experts",
        "num_mtp_layers": "num_nextn_predict_layers",
    }


def test_a_remote_only_type_has_no_native_class() -> None:
    # SPEC-loading §2'.3: internlm2 is remote-only.
    with pytest.raises(LookupError):
        _class_data("internlm2")


@pytest.mark.parametrize(
    ("hidden", "heads", "head_dim"),
    [(4096, 3, None), (4096, 3, 128), (100, 3, 32), (64, -3, 8), (-64, 3, 8), (64, 5, None)],
)
def test_llama_heads_must_divide_hidden(hidden: int, heads: int, head_dim: int | None) -> None:
    # SPEC-loading §2'.6 E3 (SPEC §3.5.3): LlamaConfig's validate_architecture raises ValueError
    # if hidden_size % num_attention_heads != 0, wrapped by the strict dataclass (measured with
    # transformers 5.24.0, Python's % for negative values).
    values: dict[str, Any] = {
        "model_type": "llama",
        "hidden_size": hidden,
        "num_attention_heads": heads,
    }
    if head_dim is not None:
        values["head_dim"] = head_dim
    with pytest.raises(LoadRefusal) as caught:
        ConfigObject(values, transformers_major=5)
    assert caught.value.error == "StrictDataclassClassValidationError"
    assert caught.value.message == (
        "Class validation error for validator 'validate_architecture': ValueError: The hidden "
        f"size ({hidden}) is not a multiple of the number of attention heads ({heads})."
    )


@pytest.mark.parametrize("head_dim", [None, 128])
def test_llama_zero_heads_is_a_zero_division(head_dim: int | None) -> None:
    # LlamaConfig: head_dim = hidden // heads in __post_init__ ("integer division or modulo by
    # zero"), and with an explicit head_dim validate_architecture's hidden % heads ("integer modulo
    # by zero"; measured with transformers 5.24.0).
    values: dict[str, Any] = {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 0}
    if head_dim is not None:
        values["head_dim"] = head_dim
    with pytest.raises(LoadRefusal) as caught:
        ConfigObject(values, transformers_major=5)
    assert caught.value.error == "ZeroDivisionError"
    assert caught.value.message == (
        "integer modulo by zero" if head_dim else "integer division or modulo by zero"
    )


@pytest.mark.parametrize(
    "values",
    [
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32},
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "head_dim": 96},
        {"model_type": "mistral", "hidden_size": 4096, "num_attention_heads": 3, "head_dim": 128},
        {"model_type": "qwen2", "hidden_size": 4096, "num_attention_heads": 3},
    ],
)
def test_dividing_heads_or_other_classes_load(values: dict[str, Any]) -> None:
    # SPEC-loading §2'.6 E3: only Llama's class has that validator; transformers 4 has none.
    ConfigObject(values, transformers_major=5)
    ConfigObject(
        {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 3}, transformers_major=4
    )
