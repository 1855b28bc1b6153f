"""The whole engine object (the JSON contract of issue 12) for Ollama, transformers and
sentence-transformers, field by field, through the public CLI. Values are ENGINES.md's (section
named per test), written out; the evidence strings say how each rule was obtained (ENGINES.md
tags [run] / [src])."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import cli_json
from tests.test_engines_worked import CONFIGS, V15, write

OLLAMA_EVIDENCE_4 = (
    "Ollama num_ctx clamp read from llm/server.go at v0.33.0-rc2 (fb30760), not executed; "
    "llama.cpp converter of llama-cpp-python 0.3.36 as run under transformers 4.57.6 (its pin); "
    "runtime rules read from the source; computed here without either"
)
OLLAMA_EVIDENCE_5 = (
    "Ollama num_ctx clamp read from llm/server.go at v0.33.0-rc2 (fb30760), not executed; "
    "llama.cpp converter of llama-cpp-python 0.3.36 as run under transformers 5.19; "
    "runtime rules read from the source; computed here without either"
)
TF_EVIDENCE = (
    "transformers 5.19 rules (AutoConfig and the model's RotaryEmbedding, as run on CPU); "
    "computed here without importing transformers"
)
ST_EVIDENCE = (
    "sentence-transformers 6.2 length rule read from its source (not executed); "
    "RoPE from transformers 5.19 rules"
)
NO_LIMIT = "no limit: cos/sin are computed for any position"
PER_FORWARD = "per forward (N > max_position_embeddings)"
T3108 = 3108.2236667168813  # SPEC §6
T7453 = 7453.483031811892  # SPEC §6
SG30527 = 30527.7367488067  # SPEC §6


def _len(n: int, base: Any, status: str = "accepted", used: int | None = None) -> dict[str, Any]:
    used = n if used is None else used
    accepted = status in ("accepted", "truncated", "warned")
    note = f"truncated to {used}" if status == "truncated" else None
    if status == "refused":
        used = 0
    return {"len": n, "base": base, "accepted": accepted, "tokens_used": used, "status": status,
            "note": note}  # fmt: skip


def _refused(lengths: tuple[int, ...] = (512, 2048, 4096, 8192)) -> list[dict[str, Any]]:
    return [_len(n, None, "refused") for n in lengths]


def _inspect(folder: str, engine: str, *extra: str) -> dict[str, Any]:
    data = cli_json("inspect", folder, "--engine", engine, *extra)
    data.pop("model")
    return data


def _dir(tmp: Path, name: str, config: dict[str, Any], st: dict[str, Any] | None = None) -> str:
    folder = tmp / name
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config))
    if st is not None:
        (folder / "sentence_bert_config.json").write_text(json.dumps(st))
    return str(folder)


LLAMA2 = CONFIGS["llama2_dynamic2"][0]


# -- Ollama (ENGINES §3(d)) -----------------------------------------------------------------------
def test_ollama_clamps_num_ctx_to_the_gguf_context(tmp_path: Path) -> None:
    """§3(d): num_ctx 8192 > context_length 2048 (the converter's n_positions rewrite, §3(b)):
    Ollama warns and uses 2048; longer inputs are truncated to it."""
    data = _inspect(_dir(tmp_path, "v15", V15), "ollama", "--max-model-len", "8192")
    notes = data.pop("notes")
    assert data == {
        "engine": {"name": "ollama", "version": "0.33.0"},
        "config_class": {"name": "raw config.json", "origin": "own parser"},
        "max_len": 2048,
        "max_len_key": "GGUF context_length (n_positions), clamped from num_ctx 8192",
        "refusal": None,
        "rope_class": "freq_base 1000, no scaling",
        "base": 1000.0,
        "scaled_base": 1000.0,
        "cache_shape": None,
        "lengths": [
            _len(512, 1000.0), _len(2048, 1000.0),
            _len(4096, 1000.0, "truncated", 2048), _len(8192, 1000.0, "truncated", 2048),
        ],
        "scaling": "fixed at load",
        "evidence": OLLAMA_EVIDENCE_4,
    }  # fmt: skip
    assert notes[0] == (
        'num_ctx 8192 > context_length 2048: Ollama warns "requested context size too large for '
        'model" and uses 2048'
    )


def test_ollama_default_num_ctx_equal_to_context_is_not_clamped(tmp_path: Path) -> None:
    """§3(d): the clamp applies only when num_ctx > context_length; Ollama's default num_ctx 4096
    on a 4096 GGUF (Llama-2 shape) is kept as is."""
    data = _inspect(_dir(tmp_path, "llama", LLAMA2), "ollama")
    assert (data["max_len"], data["max_len_key"]) == (4096, "default num_ctx 4096")
    assert not any("Ollama warns" in n for n in data["notes"])
    assert data["lengths"][-1] == _len(8192, 10000.0, "truncated", 4096)


def test_ollama_user_num_ctx_below_the_context(tmp_path: Path) -> None:
    data = _inspect(_dir(tmp_path, "llama", LLAMA2), "ollama", "--max-model-len", "2048")
    assert (data["max_len"], data["max_len_key"]) == (2048, "num_ctx (--max-model-len)")
    assert [x["tokens_used"] for x in data["lengths"]] == [512, 2048, 2048, 2048]


def test_ollama_refusal_is_the_converters(tmp_path: Path) -> None:
    """§3(e): the converter's KeyError 'causal' is Ollama's too (it loads the converted GGUF)."""
    config = {k: v for k, v in V15.items() if k != "causal"}
    data = _inspect(_dir(tmp_path, "minimal", config), "ollama", "--transformers", "5")
    assert data == {
        "engine": {"name": "ollama", "version": "0.33.0"},
        "config_class": {"name": "NomicBertConfig", "origin": "native"},
        "max_len": None,
        "max_len_key": None,
        "refusal": {"error": "KeyError", "message": "'causal'"},
        "rope_class": None,
        "base": None,
        "scaled_base": None,
        "cache_shape": None,
        "lengths": _refused(),
        "scaling": "none",
        "evidence": OLLAMA_EVIDENCE_5,
        "notes": [],
    }


# -- transformers (ENGINES §4) --------------------------------------------------------------------
def test_transformers_llama2_dynamic(tmp_path: Path) -> None:
    """§4(c)/(d), §6 llama2_dynamic2: per forward, 10000 up to mpe 4096, 30527.7 at 8192."""
    data = _inspect(_dir(tmp_path, "llama", LLAMA2), "transformers")
    assert data == {
        "engine": {"name": "transformers", "version": "5.19.0"},
        "config_class": {"name": "LlamaConfig", "origin": "native"},
        "max_len": None,
        "max_len_key": NO_LIMIT,
        "refusal": None,
        "rope_class": "LlamaRotaryEmbedding, dynamic",
        "base": 10000.0,
        "scaled_base": None,
        "cache_shape": None,
        "lengths": [_len(512, 10000.0), _len(2048, 10000.0), _len(4096, 10000.0),
                    _len(8192, SG30527)],
        "scaling": PER_FORWARD,
        "evidence": TF_EVIDENCE,
        "notes": [],
    }  # fmt: skip


def test_transformers_native_nomic(tmp_path: Path) -> None:
    """§4(a): the native class ignores n_positions, rotary_emb_base, rotary_scaling_factor."""
    data = _inspect(write(tmp_path, "nomic_v15_legacy_rsf2"), "transformers")
    assert data == {
        "engine": {"name": "transformers", "version": "5.19.0"},
        "config_class": {"name": "NomicBertConfig", "origin": "native"},
        "max_len": None,
        "max_len_key": NO_LIMIT,
        "refusal": None,
        "rope_class": "NomicBertRotaryEmbedding, default",
        "base": 1000.0,
        "scaled_base": 1000.0,
        "cache_shape": None,
        "lengths": [_len(n, 1000.0) for n in (512, 2048, 4096, 8192)],
        "scaling": "fixed at load",
        "evidence": TF_EVIDENCE,
        "notes": [
            "native NomicBertConfig: n_positions, rotary_emb_base and rotary_scaling_factor are "
            "not read (mpe and θ are the class's)"
        ],
    }


def test_transformers_dynamic_at_the_mpe_boundary(tmp_path: Path) -> None:
    """§4(c): dynamic takes effect only when N > mpe: N = mpe keeps θ; N = mpe + 1 rescales."""
    folder = _dir(tmp_path, "llama", LLAMA2)
    rows = cli_json("compare", folder, "--len", "4096,4097", "--engines", "transformers")
    bases = [e["lengths"][0]["base"] for row in rows for e in row["engines"]
             if e["engine"]["name"] == "transformers"]  # fmt: skip
    assert bases[0] == 10000.0
    assert bases[1] > 10000.0


def test_transformers_ntk_type_is_a_keyerror(tmp_path: Path) -> None:
    """§4(e): the `ntk` type → KeyError (ROPE_INIT_FUNCTIONS)."""
    config = {**LLAMA2, "rope_scaling": {"rope_type": "ntk", "factor": 2.0}}
    data = _inspect(_dir(tmp_path, "ntk", config), "transformers")
    assert data["refusal"] == {"error": "KeyError", "message": "'ntk'"}
    assert data["lengths"] == _refused()
    assert data["scaled_base"] is None


def test_transformers_dynamic_factor_null_raises_at_forward(tmp_path: Path) -> None:
    """§4(e): a `factor: null` rope dict → TypeError at forward."""
    config = {**LLAMA2, "rope_scaling": {"rope_type": "dynamic", "factor": None}}
    data = _inspect(_dir(tmp_path, "null", config), "transformers")
    assert data["refusal"] == {
        "error": "TypeError",
        "message": "unsupported operand type(s) for *: 'NoneType' and 'int'",
    }
    assert data["lengths"] == _refused()
    assert "raised at forward" in data["notes"]


def test_transformers_load_refusal(tmp_path: Path) -> None:
    """§4(e): dynamic without factor is rejected at config load."""
    config = {**LLAMA2, "rope_scaling": {"rope_type": "dynamic"}}
    data = _inspect(_dir(tmp_path, "nofactor", config), "transformers")
    assert data["refusal"]["error"] == "KeyError"
    assert "'factor'" in data["refusal"]["message"]
    assert data["config_class"] == {"name": "—", "origin": "native"}
    assert (data["scaling"], data["evidence"]) == ("none", TF_EVIDENCE)
    assert data["lengths"] == _refused()


def test_transformers_linear_and_partial_rotary(tmp_path: Path) -> None:
    """Linear scaling divides positions by α: the base stays θ; d = int(head·partial)."""
    config = {**LLAMA2, "rope_scaling": {"rope_type": "linear", "factor": 4.0},
              "partial_rotary_factor": 0.5}  # fmt: skip
    data = _inspect(_dir(tmp_path, "linear", config), "transformers")
    assert data["rope_class"] == "LlamaRotaryEmbedding, linear"
    assert [x["base"] for x in data["lengths"]] == [10000.0] * 4
    assert data["scaling"] == "fixed at load"


# -- sentence-transformers (ENGINES §4(b)) --------------------------------------------------------
def test_sentence_transformers_st_file_length(tmp_path: Path) -> None:
    """§6 nomic_v15_legacy_dyn2: ST max_seq_length 8192; tf 1000 / 1000 / 3108.22 / 7453.48."""
    data = _inspect(write(tmp_path, "nomic_v15_legacy_dyn2"), "sentence-transformers")
    assert data == {
        "engine": {"name": "sentence-transformers", "version": "6.2"},
        "config_class": {"name": "NomicBertConfig", "origin": "native"},
        "max_len": 8192,
        "max_len_key": "sentence_bert_config.json max_seq_length",
        "refusal": None,
        "rope_class": "NomicBertRotaryEmbedding, dynamic",
        "base": 1000.0,
        "scaled_base": None,
        "cache_shape": None,
        "lengths": [_len(512, 1000.0), _len(2048, 1000.0), _len(4096, T3108),
                    _len(8192, T7453)],
        "scaling": PER_FORWARD,
        "evidence": ST_EVIDENCE,
        "notes": [],
    }  # fmt: skip


def test_sentence_transformers_without_st_file(tmp_path: Path) -> None:
    """§4(b): no ST file → min(tokenizer model_max_length, mpe); the tokenizer is not read."""
    data = _inspect(_dir(tmp_path, "llama", LLAMA2), "sentence-transformers")
    assert (data["max_len"], data["max_len_key"]) == (4096, "max_position_embeddings")
    assert data["notes"] == [
        "no sentence-transformers max_seq_length: min(tokenizer model_max_length, "
        "max_position_embeddings); the tokenizer file is not read: an upper bound"
    ]
    assert data["lengths"][-1] == _len(8192, 10000.0, "truncated", 4096)
    assert data["scaling"] == PER_FORWARD
    assert data["rope_class"] == "LlamaRotaryEmbedding, dynamic"


def test_sentence_transformers_refusals(tmp_path: Path) -> None:
    """§4(e) under the ST length rule: a load refusal and a forward refusal."""
    config = {**LLAMA2, "rope_scaling": {"rope_type": "ntk", "factor": 2.0}}
    data = _inspect(_dir(tmp_path, "ntk", config), "sentence-transformers")
    assert data["refusal"] == {"error": "KeyError", "message": "'ntk'"}
    assert (data["scaled_base"], data["lengths"]) == (None, _refused())
    config = {**LLAMA2, "rope_scaling": {"rope_type": "dynamic"}}
    data = _inspect(_dir(tmp_path, "nofactor", config), "sentence-transformers")
    assert data["engine"] == {"name": "sentence-transformers", "version": "6.2"}
    assert (data["refusal"]["error"], data["evidence"]) == ("KeyError", ST_EVIDENCE)


def test_sentence_transformers_remote_nomic(tmp_path: Path) -> None:
    """With --trust-remote-code the remote NomicBertConfig (a GPT2Config: n_positions is
    max_position_embeddings, θ is rotary_emb_base, SPEC §2.3) is read; ST truncates at
    max_seq_length 8192 (§4(b))."""
    folder = write(tmp_path, "nomic_v15_legacy")
    data = _inspect(folder, "sentence-transformers", "--trust-remote-code")
    assert data["config_class"] == {"name": "NomicBertConfig", "origin": "remote"}
    assert (data["max_len"], data["base"]) == (8192, 1000.0)
    assert any(n.startswith("remote config class") for n in data["notes"])
