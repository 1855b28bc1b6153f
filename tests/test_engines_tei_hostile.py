"""TEI (text-embeddings-inference) on hostile configs: the answer is what TEI itself does, never
ntkcli's internal error. TEI refuses (a check or a failed serde parse: "Error", "refuses") or
its Rust code panics ("panic", "crashes": integer division by zero panics "attempt to divide by
zero"); f32 arithmetic does not panic (a zero divisor gives inf). ENGINES.md §2 and the Rust
semantics it names (`as i32` saturates, usize division); each case in process through
TeiEngine().resolve and once through the CLI.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from ntkcli.engines.base import EngineRefusal, EngineResult, LengthResult
from ntkcli.engines.tei import as_i32, div32, f32, nomic_exponent, powi32
from ntkcli.model import refusal_verb
from tests.conftest import cli
from tests.test_engines_worked import V15
from tests.test_mutants_engines_tei import BERT, QWEN2, RSF2, bases, run, without

NO_THETA = "Neither `rope_theta` nor `rope_parameters.rope_theta` are defined in the `config.json`"
DIV0_NOMIC = EngineRefusal("panic", "attempt to divide by zero (n_embd / n_head)")
DIV0 = EngineRefusal("panic", "attempt to divide by zero (hidden_size / num_attention_heads)")
INF = math.inf


def refused(result: EngineResult, refusal: EngineRefusal) -> None:
    """The whole answer is the refusal: nothing is served."""
    assert result.refusal == refusal
    assert result.max_len is None and result.rope_class is None and result.cache_shape is None
    assert all(x.status == "refused" and not x.accepted for x in result.lengths)


def write(tmp: Path, config: dict[str, Any]) -> str:
    model = tmp / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps(config))
    return str(model)


def inspect_tei(tmp: Path, config: dict[str, Any], *extra: str) -> Any:
    """`ntkcli inspect DIR --engine tei --format json`: exit 0, no internal error."""
    run_ = cli("inspect", write(tmp, config), "--engine", "tei", *extra, "--format", "json")
    assert run_.exit_code == 0, run_.stderr
    assert "internal error" not in run_.stderr and "Traceback" not in run_.stderr
    return run_.json()


# -- f32 and i32 arithmetic (Rust: IEEE f32, `as i32` saturating, powi) ----------------------------
def test_div32_zero_divisor_is_inf_not_a_panic() -> None:
    assert div32(2.0, 0.0) == INF
    assert div32(-2.0, 0.0) == -INF
    assert div32(2.0, -0.0) == -INF
    assert math.isnan(div32(0.0, 0.0)) and math.isnan(div32(math.nan, 0.0))
    assert div32(1.0, 3.0) == 0.3333333432674408  # f32(1/3)


def test_as_i32_saturates() -> None:
    assert [as_i32(x) for x in (1.9, -1.9, -0.0, 3.0)] == [1, -1, 0, 3]
    assert (as_i32(INF), as_i32(-INF), as_i32(math.nan)) == (2147483647, -2147483648, 0)
    assert (as_i32(1e10), as_i32(-1e10)) == (2147483647, -2147483648)


def test_f32_beyond_its_range_is_inf() -> None:
    assert (f32(1e39), f32(-1e39), f32(INF)) == (INF, -INF, INF)
    assert f32(3.0e38) == 3.0000000054977558e38


def test_powi32_square_and_multiply() -> None:
    # 7000³ in f32: 49e6 (exact), × 7000 rounded to 342999990272
    assert powi32(7000.0, 3) == 342999990272.0
    assert powi32(7000.0, -1) == 0.0001428571413271129  # f32(1/7000)
    assert powi32(7000.0, 0) == 1.0
    assert powi32(0.0, -1) == INF
    # i32::MAX = 2³¹ − 1: 31 squarings, no loop of 2³¹ products
    assert powi32(7000.0, 2147483647) == INF
    assert powi32(-7000.0, 2147483647) == -INF  # odd exponent keeps the sign
    assert powi32(0.5, 2147483647) == 0.0
    assert powi32(1.0, 2147483647) == 1.0
    assert powi32(2.0, 10) == 1024.0 and powi32(3.0, 5) == 243.0 and powi32(2.0, -2) == 0.25
    assert powi32(-0.0, 1) == 0.0 and powi32(-0.0, -1) == -INF  # 1/−0 in f32


def test_nomic_exponent() -> None:
    """(d/(d−2)) as i32 in f32: d = 2 divides by zero (inf, saturated), d = 0 gives −0.0."""
    assert nomic_exponent(64) == (1.0322580337524414, 1)
    assert nomic_exponent(4) == (2.0, 2)
    assert nomic_exponent(3) == (3.0, 3)
    assert nomic_exponent(2) == (INF, 2147483647)
    assert nomic_exponent(1) == (-1.0, -1)
    ratio, exponent = nomic_exponent(0)
    assert (ratio, math.copysign(1.0, ratio), exponent) == (0.0, -1.0, 0)


# -- 1. Nomic head dim d = 2 (n_embd = 2·n_head) ---------------------------------------------------
def test_nomic_d2_scaled_base_is_inf() -> None:
    """§2(c): θ' = (θ·(α·n_positions/T − (α−1)))^((d/(d−2)) as i32), d = 24/12 = 2: 2.0/0.0 is
    inf in f32, `as i32` saturates to 2147483647, and 7000^2147483647 overflows f32 to inf. TEI
    serves: θ 1000 up to T = 2048, θ' = inf above."""
    result = run({**RSF2, "n_embd": 24})
    assert result.refusal is None
    assert (result.max_len, result.cache_shape) == (8192, (8192, 2))
    assert bases(result) == [1000.0, 1000.0, INF, INF]
    assert result.extra == {"trained_positions": 2048, "scaled_cache_base": INF}
    assert "(d/(d−2) = inf saturated to 2147483647)" in result.notes[1]
    assert result.notes[1].startswith("scaled base inf from the integer exponent")


@pytest.mark.parametrize(
    ("n_embd", "scaled", "text"),
    [
        (36, 342999990272.0, "(d/(d−2) = 3.0000 truncated to 3)"),  # d 3: 7000³ in f32
        (12, 0.0001428571413271129, "(d/(d−2) = -1.0000 truncated to -1)"),  # d 1: 1/7000
        (6, 1.0, "(d/(d−2) = -0.0000 truncated to 0)"),  # d 0: 7000⁰
    ],
)
def test_nomic_small_head_dims(n_embd: int, scaled: float, text: str) -> None:
    result = run({**RSF2, "n_embd": n_embd})
    assert result.extra["scaled_cache_base"] == scaled
    assert text in result.notes[1]


def test_nomic_t_zero_divides_in_f32() -> None:
    """v1.9.3 max_trained_positions 0: α·n_positions/0 is inf in f32 (θ' inf), and every input
    is over T."""
    result = run({**RSF2, "max_trained_positions": 0}, lengths=(1, 8192))
    assert result.refusal is None
    assert bases(result) == [INF, INF]
    result = run({**RSF2, "max_trained_positions": 0, "rotary_scaling_factor": 0.0})
    assert math.isnan(result.extra["scaled_cache_base"])  # 0·8192/0 = NaN


def test_nomic_d2_cli(tmp_path: Path) -> None:
    data = inspect_tei(tmp_path, {**RSF2, "n_embd": 24})
    assert data["refusal"] is None
    assert [x["base"] for x in data["lengths"]] == [1000.0, 1000.0, "inf", "inf"]


# -- 2. n_head 0 (and n_layer 0) -------------------------------------------------------------------
@pytest.mark.parametrize("version", ["1.9.3", "head"])
def test_nomic_n_head_zero_panics(version: str) -> None:
    """Each layer's attention computes n_embd / n_head in usize: a zero divisor panics."""
    for config in (
        {**V15, "n_head": 0},
        {**RSF2, "n_head": 0},
        {**V15, "n_head": 0, "n_embd": 0},
    ):
        result = run(config, version, lengths=(512, 8192))
        refused(result, DIV0_NOMIC)
        assert refusal_verb(result.refusal.error) == "crashes"


def test_nomic_n_layer_zero_panics() -> None:
    """No layer: no division, but the rotary dim is read from encoder.layers[0]."""
    out_of_bounds = EngineRefusal("panic", "index out of bounds: the len is 0 but the index is 0")
    refused(run({**V15, "n_layer": 0}), out_of_bounds)
    refused(run({**V15, "n_layer": 0, "n_head": 0}), out_of_bounds)
    assert run({**V15, "n_layer": 1}).refusal is None


def test_nomic_n_head_zero_cli(tmp_path: Path) -> None:
    data = inspect_tei(tmp_path, {**V15, "n_head": 0})
    assert data["refusal"] == {"error": "panic", "message": DIV0_NOMIC.message}
    run_ = cli("inspect", str(tmp_path / "model"), "--engine", "tei")
    assert run_.exit_code == 0 and "internal error" not in run_.stderr
    assert "crashes: panic: attempt to divide by zero" in " ".join(run_.stdout.split())


# -- 3. max_trained_positions null -----------------------------------------------------------------
def test_v193_max_trained_positions_null_is_a_parse_error() -> None:
    """v1.9.3 NomicConfig: `max_trained_positions: usize` with a serde default: missing is 2048
    (§2(a)), null is not a usize."""
    result = run({**V15, "max_trained_positions": None})
    refused(
        result,
        EngineRefusal("Error", "invalid type: null, expected usize for `max_trained_positions`"),
    )
    assert refusal_verb(result.refusal.error) == "refuses"
    for bad in (-1, 2048.5, "2048", True):
        text = run({**V15, "max_trained_positions": bad}).refusal
        assert text == EngineRefusal(
            "Error", f"invalid type: {bad!r}, expected usize for `max_trained_positions`"
        )


def test_head_max_trained_positions_null_is_none() -> None:
    """HEAD: `Option<usize>`, so null is None; T = mpe ?? max_trained_positions (§2(a))."""
    config = {**V15, "max_trained_positions": None, "max_position_embeddings": 2048}
    result = run(config, "head")
    assert (result.refusal, result.extra["trained_positions"]) == (None, 2048)
    bad = run({**config, "max_trained_positions": "x"}, "head").refusal
    assert bad == EngineRefusal(
        "Error", "invalid type: 'x', expected usize for `max_trained_positions`"
    )


def test_v193_max_trained_positions_null_cli(tmp_path: Path) -> None:
    data = inspect_tei(tmp_path, {**V15, "max_trained_positions": None})
    assert data["refusal"]["error"] == "Error"
    assert data["refusal"]["message"].startswith("invalid type: null, expected usize")


# -- 4. rotary_emb_base null (and the other number fields) -----------------------------------------
@pytest.mark.parametrize("version", ["1.9.3", "head"])
def test_rotary_emb_base_null_is_a_parse_error(version: str) -> None:
    """NomicConfig: `rotary_emb_base: f32`; null is not an f32."""
    config = {**V15, "rotary_emb_base": None, "max_position_embeddings": 2048}
    if version == "1.9.3":
        config = without(config, "max_position_embeddings")
    result = run(config, version)
    refused(
        result, EngineRefusal("Error", "invalid type: null, expected f32 for `rotary_emb_base`")
    )
    text = run({**config, "rotary_emb_base": "1000"}, version).refusal
    assert text == EngineRefusal(
        "Error", "invalid type: '1000', expected f32 for `rotary_emb_base`"
    )


def test_nomic_number_fields_are_typed() -> None:
    """usize fields (n_embd, n_head, n_layer, n_positions) and the Option<f32> scaling factor."""
    for key in ("n_embd", "n_head", "n_layer", "n_positions"):
        for bad, shown in ((None, "null"), (-1, "-1"), (1.5, "1.5"), ("12", "'12'")):
            refusal = run({**V15, key: bad}, "head").refusal
            assert refusal == EngineRefusal(
                "Error", f"invalid type: {shown}, expected usize for `{key}`"
            )
    refusal = run({**V15, "rotary_scaling_factor": "2"}).refusal
    assert refusal == EngineRefusal(
        "Error", "invalid type: '2', expected f32 for `rotary_scaling_factor`"
    )
    assert run({**V15, "rotary_scaling_factor": True}).refusal is not None
    result = run({**V15, "rotary_scaling_factor": None})  # Option<f32>: null is None
    assert (result.refusal, result.scaling) == (None, "none")


def test_nomic_parse_before_valid() -> None:
    """serde parses the whole config before the load checks valid()."""
    refusal = run({**V15, "prenorm": True, "rotary_emb_base": None}).refusal
    assert refusal == EngineRefusal(
        "Error", "invalid type: null, expected f32 for `rotary_emb_base`"
    )


def test_huge_theta_is_inf_in_f32() -> None:
    """serde reads a JSON number as f64 and casts it to f32: beyond its range, inf; beyond the
    f64 range serde_json's parse fails."""
    for huge in (1e39, 10**40):
        result = run({**V15, "rotary_emb_base": huge})
        assert (result.refusal, result.base, bases(result)) == (None, INF, [INF] * 4)
    assert run({**V15, "rotary_emb_base": -1e39}).base == -INF
    out_of_range = EngineRefusal("Error", "Failed to parse `config.json`: number out of range")
    for huge in (10**400, -(10**400)):
        refused(run({**V15, "rotary_emb_base": huge}), out_of_range)


def test_rotary_emb_base_null_cli(tmp_path: Path) -> None:
    data = inspect_tei(tmp_path, {**V15, "rotary_emb_base": None})
    assert data["refusal"] == {
        "error": "Error",
        "message": "invalid type: null, expected f32 for `rotary_emb_base`",
    }


# -- 5. a RoPE model without θ ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "model_type",
    [
        "gemma3_text", "gte", "new", "mistral", "qwen2", "qwen3", "bidirectional_pplx_qwen3",
        "llama", "llama_bidirec",
    ],
)  # fmt: skip
def test_rope_model_without_theta_is_an_error(model_type: str) -> None:
    """§2(c): θ = rope_theta, else rope_parameters.rope_theta, else an error."""
    config = {**without(QWEN2, "rope_theta", "rope_scaling"), "model_type": model_type}
    result = run(config, lengths=(512, 4096))
    refused(result, EngineRefusal("Error", NO_THETA))
    assert refusal_verb(result.refusal.error) == "refuses"
    assert run({**config, "rope_theta": None}).refusal == EngineRefusal("Error", NO_THETA)
    assert run({**config, "rope_theta": 10000.0}).refusal is None


@pytest.mark.parametrize("key", ["hidden_size", "num_attention_heads"])
def test_rope_model_needs_hidden_size_and_heads(key: str) -> None:
    """The RoPE models' config structs have `hidden_size` and `num_attention_heads: usize`."""
    text = run(without(QWEN2, key)).refusal
    assert text == EngineRefusal("Error", f"Failed to parse `config.json`: missing field `{key}`")
    text = run({**QWEN2, key: None}).refusal
    assert text == EngineRefusal("Error", f"invalid type: null, expected usize for `{key}`")


def test_encoder_without_theta_has_no_rope() -> None:
    """bert, roberta, ...: learned positions, no θ needed."""
    for model_type in ("bert", "roberta", "mpnet", "deberta-v2", "distilbert", "modernbert"):
        result = run({**BERT, "model_type": model_type})
        assert (result.refusal, result.rope_class) == (None, None)


def test_rope_model_without_theta_cli(tmp_path: Path) -> None:
    data = inspect_tei(tmp_path, without(QWEN2, "rope_theta"))
    assert data["refusal"] == {"error": "Error", "message": NO_THETA}


# -- num_attention_heads 0 (every model but distilbert divides by it at load) ----------------------
def test_heads_zero_panics() -> None:
    refused(run({**QWEN2, "num_attention_heads": 0}), DIV0)
    refused(run({**QWEN2, "num_attention_heads": 0, "head_dim": 128}), DIV0)  # eager unwrap_or
    refused(run({**BERT, "num_attention_heads": 0}), DIV0)
    distil = run({**BERT, "model_type": "distilbert", "num_attention_heads": 0})  # reads n_heads
    assert distil.refusal is None


def test_heads_zero_cli(tmp_path: Path) -> None:
    data = inspect_tei(tmp_path, {**QWEN2, "num_attention_heads": 0})
    assert data["refusal"] == {"error": "panic", "message": DIV0.message}


# -- 6. truncation on a model without RoPE ---------------------------------------------------------
def test_bert_truncation_note() -> None:
    """§2(b): --auto-truncate truncates a longer input; the note is the same as on every path."""
    result = run(BERT, lengths=(512, 513))
    assert result.lengths == (
        LengthResult(512, None, True, 512, "accepted"),
        LengthResult(513, None, True, 512, "truncated", "truncated to 512"),
    )


def test_bert_truncation_note_cli(tmp_path: Path) -> None:
    data = inspect_tei(tmp_path, BERT, "--lengths", "512,513")
    assert [x["note"] for x in data["lengths"]] == [None, "truncated to 512"]
