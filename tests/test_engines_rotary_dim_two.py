"""A rotary dim of 2 under transformers and sentence-transformers: transformers' own answer, never
an ntkcli internal error.

Dynamic NTK: the rotary module's __init__ runs the dynamic function once (seq_len = mpe), whose
exponent e = d / (d − 2) (SPEC §1) of two ints is Python's ZeroDivisionError: the model is never
built, so no length is served (ENGINES.md §4(c)/(d)). YaRN builds without error; with d = 2 its
one frequency is θ^0 = 1 whatever θ, so there is no effective base to show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ntkcli.engines.base import EngineRefusal, EngineRequest
from ntkcli.engines.sentence_transformers import SentenceTransformersEngine
from ntkcli.engines.transformers import TransformersEngine
from ntkcli.model import RawConfig, Source
from tests.conftest import cli, cli_subprocess, write_model

LLAMA_D2: dict[str, Any] = {  # hidden 64 over 32 heads: d = 2
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 64,
    "num_attention_heads": 32,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
    "rope_scaling": {"rope_type": "dynamic", "factor": 2.0},
}
QWEN_YARN_D2: dict[str, Any] = {
    "model_type": "qwen2",
    "architectures": ["Qwen2ForCausalLM"],
    "hidden_size": 64,
    "num_attention_heads": 32,
    "head_dim": 2,
    "max_position_embeddings": 131072,
    "rope_theta": 1000000.0,
    "rope_scaling": {
        "rope_type": "yarn",
        "factor": 4.0,
        "original_max_position_embeddings": 32768,
    },
}
ZERO = EngineRefusal("ZeroDivisionError", "division by zero")
NOTE = "raised when the model is built: with a rotary dim of 2 the exponent d/(d−2) divides by zero"
LENGTHS = (512, 2048, 4096, 8192)


def _raw(config: dict[str, Any]) -> RawConfig:
    return RawConfig("m", Source("local", "m/config.json"), config)


def _resolve(engine: Any, config: dict[str, Any]) -> Any:
    return engine.resolve(_raw(config), EngineRequest(lengths=LENGTHS), engine.versions[0])


def test_transformers_dynamic_d2_is_transformers_zero_division_at_init() -> None:
    result = _resolve(TransformersEngine(), LLAMA_D2)
    assert result.refusal == ZERO
    # raised at init: N ≤ mpe is not served either
    assert [row.status for row in result.lengths] == ["refused"] * 4
    assert [row.base for row in result.lengths] == [None] * 4
    assert result.scaled_base is None
    assert result.base == 10000.0
    assert result.rope_class == "LlamaRotaryEmbedding, dynamic"
    assert NOTE in result.notes


def test_sentence_transformers_dynamic_d2_is_the_same_crash() -> None:
    # ST builds the transformers model: the same ZeroDivisionError, even though it truncates to
    # mpe (where transformers would rotate with θ)
    result = _resolve(SentenceTransformersEngine(), LLAMA_D2)
    assert result.refusal == ZERO
    assert [row.status for row in result.lengths] == ["refused"] * 4
    assert NOTE in result.notes
    assert result.max_len == 4096


def test_dynamic_d3_and_partial_factor_to_d2() -> None:
    # d = 3 (hidden 96 / 32) has an exponent 3/1: served, θ up to mpe
    d3 = _resolve(TransformersEngine(), {**LLAMA_D2, "hidden_size": 96})
    assert d3.refusal is None
    assert d3.lengths[2].base == 10000.0
    # head 4 · partial 0.5 = 2: the rotary dim, not the head dim, is what divides by zero
    partial = {**LLAMA_D2, "hidden_size": 128, "partial_rotary_factor": 0.5}
    assert _resolve(TransformersEngine(), partial).refusal == ZERO


def test_dynamic_with_factor_null_stays_a_type_error() -> None:
    # factor · seq_len is evaluated before the exponent: None gives the TypeError first
    config = {**LLAMA_D2, "rope_scaling": {"rope_type": "dynamic", "factor": None}}
    result = _resolve(TransformersEngine(), config)
    assert result.refusal is not None
    assert result.refusal.error == "TypeError"


def test_yarn_d2_has_no_single_base_and_is_served() -> None:
    for engine in (TransformersEngine(), SentenceTransformersEngine()):
        result = _resolve(engine, QWEN_YARN_D2)
        assert result.refusal is None
        assert result.scaled_base == "yarn: no single base"
        assert [row.status for row in result.lengths] == ["accepted"] * 4
        assert [row.base for row in result.lengths] == ["yarn: no single base"] * 4


def test_yarn_d4_keeps_the_effective_base() -> None:
    # θ·α^(d/(d−2)) with d 4, α 4: 10^6 · 4^2 = 1.6e7
    result = _resolve(TransformersEngine(), {**QWEN_YARN_D2, "head_dim": 4})
    assert result.scaled_base == 16000000.0


def test_cli_in_process(tmp_path: Path) -> None:
    model = write_model(tmp_path, LLAMA_D2)
    for engine in ("transformers", "sentence-transformers"):
        run = cli("inspect", model, "--engine", engine, "--format", "json")
        assert run.exit_code == 0, run.stderr
        data = run.json()
        assert data["refusal"] == {"error": "ZeroDivisionError", "message": "division by zero"}
        assert [row["status"] for row in data["lengths"]] == ["refused"] * 4


def test_cli_subprocess_no_internal_error(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    llama = write_model(tmp_path / "a", LLAMA_D2)
    qwen = write_model(tmp_path / "b", QWEN_YARN_D2)
    for model in (llama, qwen):
        for engine in ("transformers", "sentence-transformers"):
            run = cli_subprocess("inspect", model, "--engine", engine, env={"NO_COLOR": "1"})
            assert run.exit_code == 0, run.stderr
            assert "internal error" not in run.stderr and "Traceback" not in run.stderr
            if model == llama:
                assert "crashes: ZeroDivisionError: division by zero" in run.stdout
            else:
                assert "yarn: no single base" in run.stdout


def test_yarn_without_a_usable_rotary_dim_has_no_single_base() -> None:
    # the effective base θ·α^(d/(d−2)) needs a rotary dim other than 0 and 2 (and a known one)
    from ntkcli.engines.transformers import ForwardRope

    def yarn(dim: int | None) -> Any:
        return ForwardRope("Qwen2RotaryEmbedding", "yarn", 1000000.0, dim, 32768, 4.0).fixed_base()

    for dim in (None, 0, 2):
        assert yarn(dim) == "yarn: no single base", dim
    assert yarn(4) == 16000000.0  # 10^6 · 4^(4/2)
    assert yarn(1) == 250000.0  # 10^6 · 4^(1/(1 − 2))


def test_a_load_refusal_is_still_named_by_its_engine() -> None:
    # the answer names the engine that refused (ENGINES.md §4(e): refused at config load)
    for engine in (TransformersEngine(), SentenceTransformersEngine()):
        result = _resolve(engine, {"hidden_size": 64})
        assert result.engine.name == engine.name
        assert result.refusal is not None and result.refusal.error == "ValueError"
