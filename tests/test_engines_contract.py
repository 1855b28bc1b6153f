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


def test_transformers_dynamic_factor_null_raises_when_built(tmp_path: Path) -> None:
    """§4(e): a `factor: null` rope dict → TypeError (transformers 5.24 raises it in the rotary
    module's __init__, which computes θ' once: no length is served either way)."""
    config = {**LLAMA2, "rope_scaling": {"rope_type": "dynamic", "factor": None}}
    data = _inspect(_dir(tmp_path, "null", config), "transformers")
    assert data["refusal"] == {
        "error": "TypeError",
        "message": "unsupported operand type(s) for *: 'NoneType' and 'int'",
    }
    assert data["lengths"] == _refused()
    assert data["notes"] == [
        "raised when the model is built: the rotary module multiplies a null factor"
    ]


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


# -- SGLang, TEI, llama.cpp: the whole object for one §6 row each -------------------------------
SGLANG_EVIDENCE = (
    "SGLang 0.5.23 context-length and rotary functions as run on CPU with transformers 5.19; "
    "model routing and request rejection read from its source; computed here without SGLang"
)
LLAMACPP_EVIDENCE_4 = (
    "llama.cpp converter of llama-cpp-python 0.3.36 as run under transformers 4.57.6 (its pin); "
    "runtime rules read from the source; computed here without either"
)
TEI_NOTES_NOMIC = [
    "scaled base 7000 from the integer exponent (d/(d−2) = 1.0323 truncated to 1), in f32",
    "T = 2048 (max_trained_positions); rope_parameters are not read",
    "per batch: the scaled cache serves the whole batch when its longest input is over 2048 "
    "tokens, so a short input batched with a long one gets θ' too",
]


def test_sglang_llama2_whole_object(tmp_path: Path) -> None:
    """§1(b)–(d), §6 llama2_dynamic2: context 8192 (mpe 4096 × factor 2); θ' 30527.7 for every
    input; 8192 tokens ≥ context_len rejected; cache 8192 grown to align128(8192 + 256) = 8448."""
    data = _inspect(_dir(tmp_path, "llama", LLAMA2), "sglang")
    rejected = {**_len(8192, SG30527, "refused"), "status": "rejected",
                "note": "rejected: 8192 tokens ≥ context_len 8192"}  # fmt: skip
    assert data == {
        "engine": {"name": "sglang", "version": "0.5.23"},
        "config_class": {"name": "LlamaConfig", "origin": "native"},
        "max_len": 8192,
        "max_len_key": "max_position_embeddings",
        "refusal": None,
        "rope_class": "DynamicNTKScalingRotaryEmbedding",
        "base": 10000.0,
        "scaled_base": SG30527,
        "cache_shape": [8448, 128],
        "lengths": [_len(512, SG30527), _len(2048, SG30527), _len(4096, SG30527), rejected],
        "scaling": "fixed at load",
        "evidence": SGLANG_EVIDENCE,
        "notes": [
            "cache grown at startup from 8192 to 8448 rows (align128(context_len + 256)); rows "
            "8192+ use the unscaled θ 10000",
            "get_rope arguments from the Llama call site (models/llama.py)",
        ],
    }


def test_sglang_context_length_flag(tmp_path: Path) -> None:
    """§1(b): a lower --context-length is used as is; a higher one is a ValueError unless
    SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1 (--allow-long-max-model-len)."""
    folder = _dir(tmp_path, "llama", LLAMA2)
    data = _inspect(folder, "sglang", "--max-model-len", "4096")
    assert (data["max_len"], data["max_len_key"], data["refusal"]) == (
        4096,
        "--context-length",
        None,
    )
    assert [x["status"] for x in data["lengths"]] == [
        "accepted",
        "accepted",
        "rejected",
        "rejected",
    ]
    # 4096 + 256 aligned to 128 = 4352 < 8192 rows: no growth
    assert data["cache_shape"] == [8192, 128]
    data = _inspect(folder, "sglang", "--max-model-len", "16384")
    assert data["refusal"]["error"] == "ValueError"
    assert "(16384) is greater than the derived context_length (8192)" in data["refusal"]["message"]
    assert all(x["status"] == "refused" for x in data["lengths"])
    data = _inspect(folder, "sglang", "--max-model-len", "16384", "--allow-long-max-model-len")
    assert (data["max_len"], data["refusal"]) == (16384, None)
    assert data["cache_shape"] == [16640, 128]  # align128(16384 + 256)


def test_tei_193_arctic_whole_object(tmp_path: Path) -> None:
    """§2, §6 arctic_m_long on v1.9.3: max input 8192 through the n_positions alias, plain θ
    1000 up to T = 2048 and the scaled 7000 above, per batch; cache 8192 × 64."""
    data = _inspect(write(tmp_path, "arctic_m_long"), "tei")
    assert data == {
        "engine": {"name": "tei", "version": "1.9.3"},
        "config_class": {"name": "NomicConfig", "origin": "own parser"},
        "max_len": 8192,
        "max_len_key": "n_positions",
        "refusal": None,
        "rope_class": "NomicBertModel rotary (plain + scaled cache)",
        "base": 1000.0,
        "scaled_base": None,
        "cache_shape": [8192, 64],
        "lengths": [_len(512, 1000.0), _len(2048, 1000.0), _len(4096, 7000.0),
                    _len(8192, 7000.0)],
        "scaling": "per batch (batch max_length > T)",
        "evidence": "TEI rules read from the source at tag v1.9.3 (0667015), not executed",
        "notes": ["--auto-truncate (default on): longer inputs are truncated to 8192 tokens",
                  *TEI_NOTES_NOMIC],
    }  # fmt: skip


def test_tei_head_arctic_truncates(tmp_path: Path) -> None:
    """§2(e), §6: HEAD takes mpe := max_trained_positions = 2048: inputs truncated to 2048, the
    scaled cache is never selected."""
    data = _inspect(write(tmp_path, "arctic_m_long"), "tei@head")
    assert (data["max_len"], data["max_len_key"]) == (2048, "max_trained_positions")
    assert data["evidence"] == "TEI rules read from the source at HEAD 0d124dc, not executed"
    assert data["lengths"][2:] == [_len(4096, 1000.0, "truncated", 2048),
                                   _len(8192, 1000.0, "truncated", 2048)]  # fmt: skip
    assert (
        data["notes"][0]
        == "--auto-truncate (default on): longer inputs are truncated to 2048 tokens"
    )


def test_tei_qwen2_ignores_rope_scaling(tmp_path: Path) -> None:
    """§2(c), §6 qwen2_yarn4: Qwen2 has no rope_scaling field (ignored): plain θ 1e6 over 32768
    rows; max input 16384 (mpe capped by --max-batch-tokens)."""
    data = _inspect(write(tmp_path, "qwen2_yarn4"), "tei")
    assert data["config_class"] == {"name": "ModelConfig (qwen2)", "origin": "own parser"}
    assert (data["max_len"], data["max_len_key"]) == (
        16384, "max_position_embeddings, capped by --max-batch-tokens 16384")  # fmt: skip
    assert (data["rope_class"], data["base"], data["scaled_base"]) == (
        "RotaryEmbedding", 1000000.0, 1000000.0)  # fmt: skip
    assert data["cache_shape"] == [32768, 64]
    assert data["scaling"] == "fixed at load"
    assert "qwen2: the config struct has no rope_scaling field: ignored" in data["notes"]


def test_llamacpp_v2moe_whole_object(tmp_path: Path) -> None:
    """§3, §6 nomic_v2moe_legacy under the pinned 4.57.6: raw JSON, n_positions (2048, T 2048)
    rewritten to 512, freq_base 10000 (rotary_emb_base), no scaling; longer inputs only warn."""
    data = _inspect(write(tmp_path, "nomic_v2moe_legacy"), "llamacpp")
    warned = [
        {**_len(n, 10000.0, "warned"), "note": f"n_ctx {n} > n_ctx_train 512: llama.cpp only warns"}
        for n in (2048, 4096, 8192)
    ]
    assert data == {
        "engine": {"name": "llamacpp", "version": "0.3.36"},
        "config_class": {"name": "raw config.json", "origin": "own parser"},
        "max_len": 512,
        "max_len_key": "n_ctx_train (n_positions)",
        "refusal": None,
        "rope_class": "freq_base 10000, no scaling",
        "base": 10000.0,
        "scaled_base": 10000.0,
        "cache_shape": None,
        "lengths": [_len(512, 10000.0), *warned],
        "scaling": "fixed at load",
        "evidence": LLAMACPP_EVIDENCE_4,
        "notes": [
            "hparams: AutoConfig raised ValueError under transformers 4.57.6: raw config.json",
            "rotary_scaling_factor is never read: the GGUF carries no scaling",
        ],
    }


def test_llamacpp_qwen2_yarn_written(tmp_path: Path) -> None:
    """§3(c): yarn → YARN + factor; §6 qwen2_yarn4: n_ctx_train 32768, freq_base 1e6."""
    data = _inspect(write(tmp_path, "qwen2_yarn4"), "llamacpp")
    assert data["config_class"] == {"name": "Qwen2Config", "origin": "native"}
    assert (data["max_len"], data["max_len_key"]) == (
        32768,
        "n_ctx_train (max_position_embeddings)",
    )
    assert data["rope_class"] == "freq_base 1000000, scaling yarn 4"
    assert data["notes"] == ["hparams: Qwen2Config.to_dict() under transformers 4.57.6"]


def test_llamacpp_linear_and_longrope_written(tmp_path: Path) -> None:
    """§3(c): linear → LINEAR + factor; longrope / su → LONGROPE; dynamic → nothing written."""
    cases = {
        "linear": ({"rope_type": "linear", "factor": 4.0}, "freq_base 10000, scaling linear 4"),
        "su": ({"type": "su", "short_factor": [1.0], "long_factor": [1.0]},
               "freq_base 10000, scaling longrope"),
        "dynamic": ({"type": "dynamic", "factor": 2.0}, "freq_base 10000, no scaling"),
    }  # fmt: skip
    for name, (rope, expected) in cases.items():
        folder = _dir(tmp_path, name, {**LLAMA2, "rope_scaling": rope})
        data = _inspect(folder, "llamacpp")
        assert data["rope_class"] == expected, name
    assert "rope_type dynamic: nothing is written to the GGUF (no dynamic NTK)" in data["notes"]


def test_llamacpp_nomic_rewrites_and_asserts(tmp_path: Path) -> None:
    """§3(b): (8192, T 2048) → 2048; any other pair → ValueError; §3(e): the assertions and
    NomicBertForPreTraining."""
    data = _inspect(write(tmp_path, "nomic_v15_legacy"), "llamacpp")
    assert (data["max_len"], data["max_len_key"]) == (2048, "n_ctx_train (n_positions)")
    odd = {**V15, "n_positions": 4096}
    data = _inspect(_dir(tmp_path, "odd", odd), "llamacpp")
    # conversion/bert.py NomicBertModel.__init__ (llama-cpp-python 0.3.36): the message names
    # the pair
    assert data["refusal"] == {
        "error": "ValueError",
        "message": "unrecognized parameters: n_positions=4096, max_trained_positions=2048",
    }
    prenorm = {**V15, "prenorm": True}
    data = _inspect(_dir(tmp_path, "prenorm", prenorm), "llamacpp")
    assert data["refusal"] == {"error": "AssertionError", "message": ""}
    pre = {**V15, "architectures": ["NomicBertForPreTraining"]}
    data = _inspect(_dir(tmp_path, "pre", pre), "llamacpp")
    assert data["refusal"] == {
        "error": "NotImplementedError",
        "message": "Model NomicBertForPreTraining is not supported",
    }


def test_ollama_clamp_only_for_a_positive_context(tmp_path: Path) -> None:
    """§3(d): the clamp needs context_length > 0: a GGUF context of 0 leaves num_ctx as asked;
    a context of 1 (> 0, < num_ctx) clamps."""
    zero = _inspect(_dir(tmp_path, "zero", {**LLAMA2, "max_position_embeddings": 0}), "ollama")
    assert (zero["max_len"], zero["max_len_key"]) == (4096, "default num_ctx 4096")
    one = _inspect(_dir(tmp_path, "one", {**LLAMA2, "max_position_embeddings": 1}), "ollama")
    assert one["max_len"] == 1


def test_sentence_transformers_default_rope_is_fixed(tmp_path: Path) -> None:
    """§6 nomic_v15_legacy: ST max_seq_length 8192 over native NomicBert's default RoPE (θ 1000
    at every length): one base fixed at load."""
    data = _inspect(write(tmp_path, "nomic_v15_legacy"), "sentence-transformers")
    assert (data["scaled_base"], data["scaling"]) == (1000.0, "fixed at load")
    assert data["rope_class"] == "NomicBertRotaryEmbedding, default"
    assert data["max_len"] == 8192
