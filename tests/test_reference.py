"""The model's reference runtime is one derivation (ntkcli/engines/reference.py): compare's
reference column and plot's reference series give the same θ' for every bundled snapshot, and
hand-derived SPEC §5/§6 values, written out as literals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import LLAMA2_DYNAMIC, cli_json, write_model

from ntkcli import sources
from ntkcli.engines.reference import ReferenceRequest, reference

LENGTHS = (512, 2048, 4096, 8192)
LIST = ",".join(map(str, LENGTHS))
BUNDLED = [str(m["model"]) for m in sources.bundled_models()]
V1 = "nomic-ai/nomic-embed-text-v1"
TRUST = "--trust-remote-code"
ALPHA_2 = json.dumps({"rotary_scaling_factor": 2})
LLAMA_DYNAMIC = LLAMA2_DYNAMIC


def compare_bases(*args: str) -> dict[tuple[str, int], Any]:
    """(model, N) → (divergence's reference θ', the reference column's θ') from compare."""
    rows = cli_json("compare", *args, "--len", LIST, "--short", "0")
    out = {}
    for r in rows:
        column = r["runtimes"][r["reference"]]
        out[(r["model"], r["len"])] = (
            r["divergence"]["reference_scaled_base"],
            None if column is None else column["scaled_base"],
        )
    return out


def plot_bases(model: str, *args: str) -> dict[int, Any]:
    d = cli_json("plot", model, *args, "--lengths", LIST)
    return {p["length"]: p["scaled_base_exact"] for p in d["series"]["reference"]["points"]}


@pytest.mark.parametrize("trust", [True, False], ids=["remote", "native"])
def test_compare_and_plot_agree_on_every_bundled_snapshot(trust: bool) -> None:
    flags = (TRUST,) if trust else ()
    compared = compare_bases(*flags)
    assert {m for m, _ in compared} == set(BUNDLED)
    for model in BUNDLED:
        plotted = plot_bases(model, "--bundled", *flags)
        for n in LENGTHS:
            divergence_base, column_base = compared[(model, n)]
            assert plotted[n] == divergence_base, (model, n)
            if column_base is not None:
                assert column_base == divergence_base, (model, n)


def test_overrides_reach_nomics_code_in_both_commands() -> None:
    # SPEC §5: Nomic's code reads rotary_scaling_factor from the config object, so the override
    # turns dynamic NTK on for N > T = 2048: θ' = 1000·(2·4096/2048 − 1)^(64/62) = 1000·3^(32/31).
    compared = compare_bases(V1, "--bundled", TRUST, "--hf-overrides", ALPHA_2)
    plotted = plot_bases(V1, "--bundled", TRUST, "--hf-overrides", ALPHA_2)
    assert compared[(V1, 4096)] == (3108.2236667168813, 3108.2236667168813)
    assert plotted[4096] == 3108.2236667168813
    # 1000·(2·8192/2048 − 1)^(64/62) = 1000·7^(32/31) (SPEC §6 "α = 2, N = 8192").
    assert compared[(V1, 8192)][0] == plotted[8192] == 7453.483031811892
    # N ≤ T: unscaled.
    assert compared[(V1, 2048)][0] == plotted[2048] == 1000.0
    assert compared[(V1, 512)][0] == plotted[512] == 1000.0


def test_llama_style_dynamic_in_both_commands(tmp_path: Path) -> None:
    model = write_model(tmp_path, LLAMA_DYNAMIC)
    compared = compare_bases(model)
    plotted = plot_bases(model)
    # transformers' dynamic RoPE (SPEC §5): θ below mpe 4096; at 8192, 10000·3^(128/126).
    for n, expected in ((512, 10000.0), (2048, 10000.0), (4096, 10000.0)):
        assert compared[(model, n)][0] == plotted[n] == expected
    assert compared[(model, 8192)][0] == plotted[8192] == 30527.7367488067


# -- the module itself ---------------------------------------------------------------------------
NOMIC = {
    "model_type": "nomic_bert",
    "n_embd": 768,
    "n_head": 12,
    "rotary_emb_base": 1000,
    "rotary_emb_fraction": 1.0,
    "max_trained_positions": 2048,
}


def test_nomic_reference_fields() -> None:
    ref = reference({**NOMIC, "rotary_scaling_factor": 2.0})
    assert (ref.label, ref.theta, ref.factor, ref.original, ref.rotary_dim) == (
        "Nomic's code", 1000.0, 2.0, 2048, 64,
    )  # fmt: skip
    assert ref.base_at(2048) == 1000.0  # N = T is not scaled (strictly longer only, SPEC §5)
    point = ref.point(4096)
    assert (point.base, point.inner, point.applied) == (3108.2236667168813, 3.0, True)


def test_nomic_reference_truthiness_and_class_defaults() -> None:
    # Absent and null: the class default null, plain RoPE; 1.0 is truthy (SPEC §5).
    assert reference(NOMIC).factor is None
    assert reference(NOMIC).base_at(8192) == 1000.0
    assert reference({**NOMIC, "rotary_scaling_factor": 0}).factor is None
    one = reference({**NOMIC, "rotary_scaling_factor": 1.0})
    # α 1: inner = 1·8192/2048 − 0 = 4, θ' = 1000·4^(32/31).
    assert one.base_at(8192) == 4182.936592889949
    # Without rotary_emb_base Nomic's class default θ 10000 applies.
    no_base = {k: v for k, v in NOMIC.items() if k != "rotary_emb_base"}
    assert reference(no_base).theta == 10000.0


def test_overrides_are_config_edits() -> None:
    ref = reference(NOMIC, ReferenceRequest(hf_overrides={"rotary_scaling_factor": 2}))
    assert ref.base_at(4096) == 3108.2236667168813
    # Nomic's code never reads rope_parameters.
    dyn = {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 5}}
    assert reference(NOMIC, ReferenceRequest(hf_overrides=dyn)).base_at(8192) == 1000.0


def test_transformers_reference() -> None:
    ref = reference(LLAMA_DYNAMIC)
    assert (ref.label, ref.theta, ref.factor, ref.original, ref.rotary_dim) == (
        "transformers", 10000.0, 2.0, 4096, 128,
    )  # fmt: skip
    assert ref.base_at(8192) == 30527.7367488067
    plain = reference({**LLAMA_DYNAMIC, "rope_scaling": None})
    assert plain.factor is None and plain.base_at(65536) == 10000.0
    yarn = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 4096}
    other = reference({**LLAMA_DYNAMIC, "rope_scaling": yarn})
    assert other.base_at(8192) is None
    assert other.reason == "no reference modelled for rope_type 'yarn'"
