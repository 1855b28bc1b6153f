"""Property tests (hypothesis): for any numbers in range, the pipeline never raises anything but
ntkcli's own one-line errors, and its JSON is always valid (issue #6)."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ntkcli.console import json_text
from ntkcli.errors import NtkcliError
from ntkcli.model import RawConfig, Request, Source
from ntkcli.rope import ntk
from ntkcli.serialize import resolution as to_json
from ntkcli.vllm.pipeline import resolve
from ntkcli.vllm.versions import parse_vllm_version

lengths = st.integers(min_value=0, max_value=2**31)
factors = st.one_of(st.none(), st.floats(min_value=-4, max_value=64, allow_nan=False))
thetas = st.one_of(
    st.none(),
    st.floats(min_value=-10.0, max_value=1e7, allow_nan=False),
    st.integers(min_value=0, max_value=10**7),
)
rope_types = st.sampled_from(
    [
        "default",
        "dynamic",
        "linear",
        "yarn",
        "llama3",
        "longrope",
        "ntk",
        "su",
        "mrope",
        "weird",
        None,
    ]
)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.text(max_size=5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=2),
)


@st.composite
def rope_dicts(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.booleans()):
        return None
    params: dict[str, Any] = {}
    rope_type = draw(rope_types)
    if rope_type is not None:
        params[draw(st.sampled_from(["rope_type", "type"]))] = rope_type
    factor = draw(factors)
    if factor is not None:
        params["factor"] = factor
    if draw(st.booleans()):
        params["original_max_position_embeddings"] = draw(lengths)
    if draw(st.booleans()):
        params["max_trained_positions"] = draw(lengths)
    return params


@st.composite
def nomic_configs(draw: st.DrawFn) -> dict[str, Any]:
    config: dict[str, Any] = {
        "model_type": "nomic_bert",
        "architectures": ["NomicBertModel"],
        "n_embd": draw(st.integers(1, 8192)),
        "n_head": draw(st.integers(1, 128)),
        "n_positions": draw(lengths),
        "rotary_emb_base": draw(thetas),
        "rotary_emb_fraction": draw(st.floats(0, 1.5)),
        "activation_function": draw(st.sampled_from(["swiglu", "gelu", "relu"])),
        "rotary_scaling_factor": draw(factors),
    }
    if draw(st.booleans()):
        config["max_trained_positions"] = draw(lengths)
    if draw(st.booleans()):
        config["rope_parameters"] = draw(rope_dicts())
    if draw(st.booleans()):  # a key of any type at all
        config[
            draw(
                st.sampled_from(
                    [
                        "n_head",
                        "n_positions",
                        "rotary_emb_base",
                        "max_trained_positions",
                        "rope_scaling",
                    ]
                )
            )
        ] = draw(anything)
    return config


@st.composite
def llama_configs(draw: st.DrawFn) -> dict[str, Any]:
    config: dict[str, Any] = {
        "model_type": draw(st.sampled_from(["llama", "qwen2", "gemma3_text", "internlm2"])),
        "hidden_size": draw(st.integers(1, 16384)),
        "num_attention_heads": draw(st.integers(1, 128)),
        "max_position_embeddings": draw(lengths),
        "rope_theta": draw(thetas),
        "rope_scaling": draw(rope_dicts()),
    }
    if draw(st.booleans()):
        config["head_dim"] = draw(st.integers(0, 512))
    if draw(st.booleans()):
        config["partial_rotary_factor"] = draw(st.floats(-1, 2))
    return config


@st.composite
def requests(draw: st.DrawFn) -> Request:
    overrides: dict[str, Any] = {}
    if draw(st.booleans()):
        overrides["rope_parameters"] = draw(rope_dicts()) or {}
    if draw(st.booleans()):
        overrides["max_model_len"] = draw(st.integers(1, 10**6))
    return Request(
        vllm=parse_vllm_version(draw(st.sampled_from(["new", "old", "0.33.0"]))),
        max_model_len=draw(st.one_of(st.none(), st.integers(1, 2**31 - 1))),
        hf_overrides=overrides,
        allow_long_max_model_len=draw(st.booleans()),
    )


SOURCE = Source(kind="local", path="config.json")


@settings(max_examples=400, deadline=None)
@given(config=st.one_of(nomic_configs(), llama_configs()), request=requests())
def test_pipeline_never_crashes(config: dict[str, Any], request: Request) -> None:
    try:
        result = resolve(RawConfig("m", SOURCE, config), request)
    except NtkcliError as exc:
        assert exc.message and "\n" not in exc.message
        return
    text = json_text(to_json(result))  # always valid JSON (as --format json writes it)
    assert json.loads(text)["model"] == "m"
    if result.rotary is not None and result.rotary.cache_rows is not None:
        assert result.rotary.cache_rows >= 0


@settings(max_examples=300, deadline=None)
@given(
    theta=st.floats(1.0, 1e7),
    factor=st.floats(0.01, 64),
    dim=st.integers(3, 512),
    length=st.integers(1, 2**22),
    trained=st.integers(1, 2**22),
)
def test_new_formula_properties(
    theta: float, factor: float, dim: int, length: int, trained: int
) -> None:
    """SPEC §4.5: above the zero crossing θ' is a positive real that never falls as the served
    length grows; below it, Python's ** gives a complex base (unless d/(d−2) is an integer,
    i.e. d ∈ {3, 4}); at L = T the inner term is exactly 1."""
    inner = ntk.inner_new(factor, length, trained)
    base = ntk.scaled_base(theta, inner, dim)
    if inner > 0:
        assert isinstance(base, float) and base > 0
        longer = ntk.scaled_base(theta, ntk.inner_new(factor, length + 1, trained), dim)
        assert isinstance(longer, float) and longer >= base
    if inner < 0 and dim > 4:
        assert isinstance(base, complex) or math.isinf(abs(base))
    assert math.isclose(ntk.inner_new(factor, trained, trained), 1.0, rel_tol=1e-12)
