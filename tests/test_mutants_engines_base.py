"""Tests that kill mutants of the engine interface (engines/base.py), the engine registry
(engines/registry.py) and the vLLM adapter (engines/vllm.py), issue 14.

Expected values are written out from the spec (SPEC.md for vLLM, ENGINES.md for the versions the
other engines model), section in the comment, never computed by the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.engines import base, registry
from ntkcli.engines import vllm as vllm_engine
from ntkcli.engines.base import EngineRefusal, EngineRequest, EngineResult, LengthResult
from ntkcli.errors import UsageError
from ntkcli.model import RawConfig, Source
from tests.conftest import LLAMA2 as CONFTEST_LLAMA2

LLAMA2: dict[str, Any] = {**CONFTEST_LLAMA2, "num_key_value_heads": 32}
NO_LENGTH_KEYS: dict[str, Any] = {
    "model_type": "not_a_transformers_type",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "num_attention_heads": 32,
}
# ENGINES.md: the versions each engine models (section headings §1-§4): SGLang 0.5.23, TEI
# v1.9.3 and HEAD, llama-cpp-python 0.3.36, Ollama 0.33.0, transformers 5.19.0, ST 6.2; vLLM
# "new" (0.33.0) and "old" (0.21.0), SPEC §8.
KNOWN = (
    "vllm (new / old), sglang (0.5.23), tei (1.9.3 / head), llamacpp (0.3.36), "
    "ollama (0.33.0), transformers (5.19.0), sentence-transformers (6.2)"
)


# -- base.py ----------------------------------------------------------------------------------
def test_request_defaults() -> None:
    request = EngineRequest()
    assert request.lengths == (512, 2048, 4096, 8192)  # ENGINES.md §6: N = 512/2048/4096/8192
    assert request.max_model_len is None
    assert dict(request.hf_overrides) == {}
    assert request.allow_long_max_model_len is False
    assert request.transformers is None
    assert request.dtype == "float32"
    assert request.trust_remote_code is False


def test_edited_config_replaces_each_key() -> None:
    config = {"a": 1, "rope_scaling": {"factor": 2.0, "rope_theta": 5.0}}
    edited = base.edited_config(config, {"rope_scaling": {"factor": 4.0}, "b": 2})
    assert edited == {"a": 1, "rope_scaling": {"factor": 4.0}, "b": 2}  # replaced, not merged
    assert config == {"a": 1, "rope_scaling": {"factor": 2.0, "rope_theta": 5.0}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5.23", "0.5.23"),
        ("v0.5.23", "0.5.23"),
        ("  V0.5.23 ", "0.5.23"),
        ("0.5.24", None),
        ("vv0.5.23", "0.5.23"),  # lstrip drops every leading v
        ("0.5.23v", None),
    ],
)
def test_fixed_versions_check_version(text: str, expected: str | None) -> None:
    class Engine(base.FixedVersions):
        versions = ("0.5.23", "head")

    assert Engine().check_version(text) == expected


def test_fixed_versions_is_case_insensitive() -> None:
    class Engine(base.FixedVersions):
        versions = ("1.9.3", "head")

    assert Engine().check_version("HEAD") == "head"


# -- registry.py ------------------------------------------------------------------------------
def test_known_lists_every_engine_and_its_versions() -> None:
    assert registry.known() == KNOWN


@pytest.mark.parametrize(
    ("text", "name", "version"),
    [
        ("sglang", "sglang", "0.5.23"),
        (" SGLang ", "sglang", "0.5.23"),
        ("tei@head", "tei", "head"),
        ("tei", "tei", "1.9.3"),
        ("TEI@v1.9.3", "tei", "1.9.3"),
        ("llama.cpp", "llamacpp", "0.3.36"),
        ("llama-cpp", "llamacpp", "0.3.36"),
        ("LLAMA.CPP", "llamacpp", "0.3.36"),
        ("st", "sentence-transformers", "6.2"),
        ("vllm@old", "vllm", "old"),
        ("vllm@0.22.0", "vllm", "0.22.0"),
        ("vllm", "vllm", "new"),
    ],
)
def test_parse_engine(text: str, name: str, version: str) -> None:
    engine, checked = registry.parse_engine(text)
    assert (engine.name, checked) == (name, version)


def test_parse_engine_unknown() -> None:
    with pytest.raises(UsageError) as info:
        registry.parse_engine("vlm")
    assert info.value.message == "--engine 'vlm': unknown engine"
    assert info.value.hint == f"known engines: {KNOWN}"
    with pytest.raises(UsageError) as info:
        registry.parse_engine("vlm", "--engines")
    assert info.value.message == "--engines 'vlm': unknown engine"


def test_parse_engine_version_not_modelled() -> None:
    with pytest.raises(UsageError) as info:
        registry.parse_engine("tei@2.0")
    assert info.value.message == "--engine 'tei@2.0': TEI version '2.0' is not modelled"
    assert info.value.hint == "tei versions: 1.9.3, head"
    with pytest.raises(UsageError) as info:
        registry.parse_engine("sglang@0.4", "--engines")
    assert info.value.message == "--engines 'sglang@0.4': SGLang version '0.4' is not modelled"
    assert info.value.hint == "sglang versions: 0.5.23"


def test_parse_engine_empty_version_is_the_default() -> None:
    engine, version = registry.parse_engine("tei@")
    assert (engine.name, version) == ("tei", "1.9.3")


@pytest.mark.parametrize("text", ["all", " ALL "])
def test_parse_engines_all(text: str) -> None:
    chosen = [(e.name, v) for e, v in registry.parse_engines(text)]
    assert chosen == [
        ("vllm", "new"),
        ("sglang", "0.5.23"),
        ("tei", "1.9.3"),
        ("tei", "head"),
        ("llamacpp", "0.3.36"),
        ("ollama", "0.33.0"),
        ("transformers", "5.19.0"),
        ("sentence-transformers", "6.2"),
    ]


def test_parse_engines_list_dedupes_and_skips_empty_parts() -> None:
    chosen = registry.parse_engines("vllm, tei@head,,vllm@new, sglang ,")
    assert [(e.name, v) for e, v in chosen] == [
        ("vllm", "new"),
        ("tei", "head"),
        ("sglang", "0.5.23"),
    ]


def test_parse_engines_passes_the_option_name() -> None:
    with pytest.raises(UsageError) as info:
        registry.parse_engines("vllm,nope")
    assert info.value.message == "--engines 'nope': unknown engine"
    with pytest.raises(UsageError) as info:
        registry.parse_engines("nope", "--with")
    assert info.value.message == "--with 'nope': unknown engine"


@pytest.mark.parametrize("text", ["", ",", " , "])
def test_parse_engines_none_given(text: str) -> None:
    with pytest.raises(UsageError) as info:
        registry.parse_engines(text)
    assert info.value.message == "--engines: no engine given"
    assert info.value.hint == f"known engines: {KNOWN}"
    with pytest.raises(UsageError) as info:
        registry.parse_engines(text, "--with")
    assert info.value.message == "--with: no engine given"


# -- vllm.py ----------------------------------------------------------------------------------
def run(
    config: dict[str, Any],
    version: str = "new",
    st: dict[str, Any] | None = None,
    st_file: str | None = None,
    **request: Any,
) -> EngineResult:
    raw = RawConfig("m", Source("local", "m/config.json"), config, st, st_file)
    return vllm_engine.VllmEngine().resolve(raw, EngineRequest(**request), version)


def test_vllm_engine_identity() -> None:
    engine = vllm_engine.VllmEngine()
    assert (engine.name, engine.label, engine.versions) == ("vllm", "vLLM", ("new", "old"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("new", "new"),
        ("OLD", "old"),
        ("0.22.0", "0.22.0"),
        ("0.33.1", "0.33.1"),
        ("9.9.9", None),
        ("x", None),
    ],
)
def test_vllm_check_version(text: str, expected: str | None) -> None:
    assert vllm_engine.VllmEngine().check_version(text) == expected


def test_vllm_llama2_new() -> None:
    # SPEC §4.1.1: max_position_embeddings 4096; §6: plain RoPE θ 10000, cache 4096 × 128
    r = run(LLAMA2)
    assert (r.engine.name, r.engine.version) == ("vllm", "0.33.0")  # "new" is 0.33.0 (SPEC §8)
    assert (r.config_class.name, r.config_class.origin) == ("LlamaConfig", "native")
    assert (r.max_len, r.max_len_key, r.refusal) == (4096, "max_position_embeddings", None)
    assert (r.rope_class, r.base, r.scaled_base, r.cache_shape) == (
        "RotaryEmbedding",
        10000.0,
        10000.0,
        (4096, 128),
    )
    assert r.scaling == "fixed at load (by max_model_len)"
    assert r.evidence == vllm_engine.EVIDENCE
    assert r.notes == ()
    # an input of max_model_len tokens is served; a longer one is rejected
    assert r.lengths == (
        LengthResult(512, 10000.0, True, 512, "accepted"),
        LengthResult(2048, 10000.0, True, 2048, "accepted"),
        LengthResult(4096, 10000.0, True, 4096, "accepted"),
        LengthResult(
            8192,
            10000.0,
            False,
            0,
            "rejected",
            "longer than max_model_len 4096: the request is rejected",
        ),
    )
    resolution = r.extra["resolution"]
    assert resolution.max_model_len == 4096


def test_vllm_llama2_dynamic_old() -> None:
    # SPEC §6 Llama-style row, old: θ' 30527.7367488067, cache 8192 × 128, max_model_len 8192
    r = run(
        {**LLAMA2, "rope_scaling": {"type": "dynamic", "factor": 2.0}}, "old", lengths=(8192, 8193)
    )
    assert (r.engine.version, r.max_len, r.cache_shape) == ("0.21.0", 8192, (8192, 128))
    assert (r.rope_class, r.base) == ("DynamicNTKScalingRotaryEmbedding", 10000.0)
    assert r.scaled_base == pytest.approx(30527.7367488067, rel=1e-12)
    assert [row.status for row in r.lengths] == ["accepted", "rejected"]
    assert r.lengths[0].base == pytest.approx(30527.7367488067, rel=1e-12)


def test_vllm_user_max_model_len() -> None:
    r = run(LLAMA2, max_model_len=2048, lengths=(2048, 2049))
    assert (r.max_len, r.max_len_key, r.refusal) == (2048, "--max-model-len", None)
    assert [row.status for row in r.lengths] == ["accepted", "rejected"]
    assert r.lengths[1].note == "longer than max_model_len 2048: the request is rejected"


def test_vllm_refusal_refuses_every_input() -> None:
    # SPEC §4.2.2: 8192 > the derived 4096 → ValueError
    r = run(LLAMA2, max_model_len=8192)
    assert r.refusal is not None and r.refusal.error == "ValueError"
    assert r.refusal.message.startswith(
        "User-specified max_model_len (8192) is greater than the derived"
    )
    assert "max_position_embeddings=4096.0" in r.refusal.message
    assert (r.max_len, r.max_len_key) == (None, "--max-model-len")
    assert r.lengths == tuple(
        LengthResult(n, 10000.0, False, 0, "refused") for n in (512, 2048, 4096, 8192)
    )


def test_vllm_allow_long_and_the_request_fields() -> None:
    # SPEC §4.2.3: VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 only warns
    r = run(
        LLAMA2,
        "old",
        transformers="4",
        dtype="bfloat16",
        trust_remote_code=True,
        allow_long_max_model_len=True,
        max_model_len=9000,
        hf_overrides={"rope_theta": 500.0},
    )
    assert (r.max_len, r.refusal, r.base) == (9000, None, 500.0)
    assert len(r.notes) == 1 and r.notes[0].startswith("User-specified max_model_len (9000)")
    request = r.extra["resolution"].request
    assert (request.dtype, request.trust_remote_code, request.allow_long_max_model_len) == (
        "bfloat16",
        True,
        True,
    )
    assert dict(request.hf_overrides) == {"rope_theta": 500.0}
    assert request.max_model_len == 9000
    assert request.vllm.release == "0.21.0"
    assert r.extra["resolution"].transformers == "4"


def test_vllm_transformers_defaults_to_5() -> None:
    assert run(LLAMA2).extra["resolution"].transformers == "5"
    # vLLM 0.33 requires transformers 5 (SPEC §8): asking for 4 is a usage error
    with pytest.raises(UsageError):
        run(LLAMA2, transformers="4")


def test_vllm_no_length_key_is_default_2048() -> None:
    # SPEC §4.1.3: none of the keys → 2048 with a warning
    r = run(NO_LENGTH_KEYS)
    assert (r.max_len, r.max_len_key) == (2048, "default 2048")
    assert (r.config_class.name, r.config_class.origin) == ("PretrainedConfig", "native")
    assert len(r.notes) == 1 and "Assuming the model's maximum length is 2048" in r.notes[0]


@pytest.mark.parametrize(
    ("st_file", "key"),
    [
        (None, "sentence_bert_config.json max_seq_length"),
        ("sentence_xlnet_config.json", "sentence_xlnet_config.json max_seq_length"),
    ],
)
def test_vllm_st_length_replaces_the_derived_one(st_file: str | None, key: str) -> None:
    # SPEC §4.1.6 (from 0.32.0 max_seq_length alone): ST 1000 replaces the derived 4096
    r = run(LLAMA2, st={"max_seq_length": 1000}, st_file=st_file)
    assert (r.max_len, r.max_len_key) == (1000, key)


def test_vllm_load_refusal() -> None:
    # SPEC §3.5 (transformers 5 validation): dynamic without factor is refused at load
    r = run({**LLAMA2, "rope_scaling": {"type": "dynamic"}})
    assert r.refusal is not None and r.refusal.error == "KeyError"
    assert isinstance(r.refusal, EngineRefusal)
    assert (r.max_len, r.max_len_key) == (None, None)
    assert (r.rope_class, r.base, r.scaled_base, r.cache_shape) == (None, None, None, None)
    assert r.config_class.name == "PretrainedConfig"
    assert [row.status for row in r.lengths] == ["refused"] * 4
    assert [row.base for row in r.lengths] == [None] * 4


def test_vllm_remote_class() -> None:
    r = run({**LLAMA2, "auto_map": {"AutoConfig": "c.XConfig"}}, trust_remote_code=True)
    assert (r.config_class.name, r.config_class.origin) == ("XConfig", "remote")
    assert r.notes[0].startswith("remote config class c.XConfig")
