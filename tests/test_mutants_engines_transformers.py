"""transformers 5.19 native (ENGINES.md §4), function by function (issue 14): θ, the rotary dim,
the rotary module and its base per forward, the engine's answer. Expected values written out
from ENGINES.md §4 and SPEC-loading.md 2'.3 / 2'.5 (section named per test)."""

from __future__ import annotations

from typing import Any

from ntkcli.configs.config_object import ConfigObject
from ntkcli.engines import transformers as tf
from ntkcli.engines.base import EngineRefusal, EngineRequest
from ntkcli.model import RawConfig, Source
from tests.conftest import LLAMA2 as CONFTEST_LLAMA2

NOMIC_REMOTE = {"AutoConfig": "configuration_hf_nomic_bert.NomicBertConfig"}
LLAMA2: dict[str, Any] = {  # ENGINES.md §6 llama2_dynamic2
    **CONFTEST_LLAMA2,
    "rope_scaling": {"type": "dynamic", "factor": 2.0},
}


def _cfg(config: dict[str, Any], major: int = 5, remote: bool = False) -> ConfigObject:
    table = "4.57.6" if major == 4 else tf.TABLE
    cfg = tf.load_config(config, major=major, table=table, trust_remote_code=remote)
    assert isinstance(cfg, ConfigObject), cfg
    return cfg


def _raw(config: dict[str, Any]) -> RawConfig:
    return RawConfig("m", Source("local", "m/config.json"), config)


# -- θ (SPEC-loading 2'.5 R-S2; 2'.3) --------------------------------------------------------------
def test_theta_from_rope_parameters_under_transformers_5() -> None:
    # R-S2: the top-level rope_theta is folded into rope_parameters
    assert tf.theta(_cfg({"model_type": "llama", "rope_theta": 500000.0})) == 500000.0


def test_theta_top_level_under_transformers_4() -> None:
    # 4.x keeps the top-level rope_theta (no rope_parameters)
    cfg = _cfg({"model_type": "llama", "rope_theta": 500000.0}, major=4)
    assert cfg.rope_parameters is None
    assert tf.theta(cfg) == 500000.0


def test_theta_of_a_class_without_rope_parameters() -> None:
    # 2'.3: BERT has no rope_parameters; a rotary_emb_base key is not a BERT field: θ 10000
    assert tf.theta(_cfg({"model_type": "bert", "rotary_emb_base": 7.0})) == 10000.0
    # a remote class without any θ key: PretrainedConfig's 10000
    remote = {"model_type": "foo", "auto_map": {"AutoConfig": "x.FooConfig"}}
    assert tf.theta(_cfg(remote, remote=True)) == 10000.0


def test_theta_of_nomic_remote_class_is_rotary_emb_base() -> None:
    config = {"model_type": "nomic_bert", "auto_map": NOMIC_REMOTE, "rotary_emb_base": 1000.0}
    assert tf.theta(_cfg(config, remote=True)) == 1000.0


# -- the rotary dim (2'.3, R-S2) ------------------------------------------------------------------
def test_rotary_dim_partial_factor_in_rope_parameters() -> None:
    # 2'.3: phi 2048/32 = 64, partial 0.5 (class default) → 32; gpt_neox 6144/64 = 96, 0.25 → 24
    assert tf.rotary_dim(_cfg({"model_type": "phi"})) == 32
    assert tf.rotary_dim(_cfg({"model_type": "gpt_neox"})) == 24
    assert tf.rotary_dim(_cfg({"model_type": "llama", "partial_rotary_factor": 0.5})) == 64


def test_rotary_dim_top_level_partial_under_transformers_4() -> None:
    # 4.x: no rope_parameters; the JSON's partial_rotary_factor is a plain attribute (4096/32·½)
    cfg = _cfg({"model_type": "llama", "partial_rotary_factor": 0.5}, major=4)
    assert tf.rotary_dim(cfg) == 64
    assert tf.rotary_dim(_cfg({"model_type": "llama"}, major=4)) == 128


# -- the rotary module (ENGINES.md §4(c)) ----------------------------------------------------------
def test_forward_rope_without_rope_parameters_is_default() -> None:
    # Nomic's remote class never builds rope_parameters: default RoPE at θ = rotary_emb_base
    config = {"model_type": "nomic_bert", "auto_map": NOMIC_REMOTE, "rotary_emb_base": 1000.0}
    rope = tf.forward_rope(_cfg(config, remote=True))
    assert (rope.rope_class, rope.rope_type, rope.theta) == (
        "NomicBertRotaryEmbedding", "default", 1000.0
    )  # fmt: skip


def test_forward_rope_generic_class_uses_modeling_rope_utils() -> None:
    # a model type with no class data: PretrainedConfig, the generic rotary module, θ 10000
    rope = tf.forward_rope(_cfg({"model_type": "somethingnew", "hidden_size": 64}))
    assert rope.rope_class == "RotaryEmbedding (modeling_rope_utils)"
    assert (rope.rope_type, rope.theta) == ("default", 10000.0)


def test_dynamic_base_needs_mpe_factor_and_dim() -> None:
    """Without max_position_embeddings, α or d there is no dynamic base to give."""
    whole = dict(rope_class="LlamaRotaryEmbedding", rope_type="dynamic", theta=10000.0)
    assert tf.ForwardRope(**whole, rotary_dim=128, mpe=4096, factor=None).base_at(8192) is None
    assert tf.ForwardRope(**whole, rotary_dim=128, mpe=None, factor=2.0).base_at(8192) is None
    assert tf.ForwardRope(**whole, rotary_dim=None, mpe=4096, factor=2.0).base_at(8192) is None
    # §6 llama2_dynamic2 at 8192: 30527.7367488067 (SPEC §6); fixed_base is None (per forward)
    rope = tf.ForwardRope(**whole, rotary_dim=128, mpe=4096, factor=2.0)
    assert rope.base_at(8192) == 30527.7367488067
    assert rope.base_at(4096) == 10000.0
    assert tf.fixed_base(rope) is None


def test_fixed_bases_by_rope_type() -> None:
    """default and linear: θ; yarn: θ·α^(d/(d−2)) (§6 qwen2_yarn4: 4088994); others: no base."""

    def rope(kind: str, factor: float | None = 4.0) -> tf.ForwardRope:
        return tf.ForwardRope("R", kind, 1000000.0, 128, 32768, factor)

    assert tf.fixed_base(rope("default")) == 1000000.0
    assert tf.fixed_base(rope("linear")) == 1000000.0
    assert round(tf.fixed_base(rope("yarn"))) == 4088994  # type: ignore[arg-type]
    assert tf.fixed_base(rope("yarn", None)) == "yarn: no single base"
    assert tf.fixed_base(rope("llama3")) == "llama3: no single base"
    assert rope("linear").base_at(8192) == 1000000.0


# -- the engine's answer ---------------------------------------------------------------------------
def test_resolve_refusal_keeps_the_version_asked() -> None:
    result = tf.TransformersEngine().resolve(_raw({"hidden_size": 8}), EngineRequest(), "5.19.0")
    assert result.engine.version == "5.19.0"
    assert result.refusal == EngineRefusal(
        "ValueError", "Unrecognized model: config.json has no model_type"
    )


def test_resolve_notes_the_overrides() -> None:
    request = EngineRequest(hf_overrides={"rope_theta": 500000.0})
    result = tf.TransformersEngine().resolve(_raw(LLAMA2), request, "5.19.0")
    assert result.base == 500000.0
    assert result.extra == {"max_position_embeddings": 4096}
    (note,) = result.notes
    assert note.startswith("overrides applied to config.json") and note.endswith("edited")
    plain = tf.TransformersEngine().resolve(_raw(LLAMA2), EngineRequest(), "5.19.0")
    assert plain.notes == ()


def test_rope_types_transformers_knows() -> None:
    """ROPE_INIT_FUNCTIONS' types are built (no refusal); any other is a KeyError (§4(e))."""
    base = _cfg({"model_type": "llama"})
    for kind in ("default", "dynamic", "linear", "yarn", "llama3", "longrope", "proportional"):
        rope = tf.forward_rope(base.with_rope_parameters({"rope_type": kind, "factor": 2.0}))
        assert (rope.rope_type, rope.refusal) == (kind, None)
    ntk = tf.forward_rope(base.with_rope_parameters({"rope_type": "ntk", "factor": 2.0}))
    assert ntk.refusal == EngineRefusal("KeyError", "'ntk'")


def test_per_layer_rope_parameters_note() -> None:
    # 2'.5 R-S6: gemma3_text's rope_parameters are keyed by layer type
    rope = tf.forward_rope(_cfg({"model_type": "gemma3_text"}))
    assert rope.note is not None and rope.note.startswith("per-layer rope parameters")
    assert rope.note.endswith("the first layer type is described")
    assert tf.forward_rope(_cfg({"model_type": "llama"})).note is None


def test_remote_note_names_the_class_and_the_best_effort() -> None:
    config = {"model_type": "foo", "auto_map": {"AutoConfig": "x.FooConfig"}}
    (note,) = tf.remote_note(_cfg(config, remote=True))
    assert note.startswith("remote config class x.FooConfig:")
    assert note.endswith("RoPE described from the config's keys (best effort)")
    assert tf.remote_note(_cfg({"model_type": "llama"})) == ()


def test_load_config_needs_a_model_type_string() -> None:
    # AutoConfig: "Unrecognized model ... Should have a `model_type` key" (ENGINES.md §4)
    refusal = EngineRefusal("ValueError", "Unrecognized model: config.json has no model_type")
    for value in (5, "", None):
        assert tf.load_config({"model_type": value}) == refusal


def test_head_dim_json_value_hidden_over_heads_and_nomic() -> None:
    # 2'.3: llama takes a JSON head_dim; native NomicBert always divides hidden by heads (768/12)
    assert tf.head_dim(_cfg({"model_type": "llama", "head_dim": 96})) == 96
    assert tf.head_dim(_cfg({"model_type": "nomic_bert", "head_dim": 32})) == 64
    # integer division, as the model code does: 100 // 8 = 12
    generic = {"model_type": "somethingnew", "hidden_size": 100, "num_attention_heads": 8}
    assert tf.head_dim(_cfg(generic)) == 12
    assert tf.head_dim(_cfg({"model_type": "somethingnew", "num_attention_heads": 8})) is None
    assert tf.head_dim(_cfg({"model_type": "somethingnew", "hidden_size": 64})) is None
