"""Opt-in differential test: ntkcli's get_rope emulation against vLLM's real rotary_embedding
package (SPEC-loading "Rotary classes").

Run:  NTKCLI_DIFFTEST=1 python -m pytest -q -m difftest tests/test_vllm_difftest.py
      (NTKCLI_DIFFTEST_VERSIONS=0.21.0,0.22.0,0.33.0 by default; wheels are cached in
      ~/.cache/ntkcli-difftest or $NTKCLI_DIFFTEST_CACHE.)

For each vLLM release the wheel is fetched with `pip download --no-deps` into the cache (outside
the repository; nothing of vLLM is ever committed), and only the pure-Python files of
vllm/model_executor/layers/rotary_embedding/ are extracted. They are imported with torch and
permissive stand-ins for vLLM's infrastructure (platform, custom-op registry, triton, logging).
Each case is resolved by ntkcli; the head size, max_position, neox style and rope parameters it
says the model code passes are handed to the real get_rope, and the rotary class, the cache
shape, the mscale and any exception must agree with ntkcli's answer.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import types
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ntkcli.model import RawConfig, Request, Source
from ntkcli.vllm.pipeline import resolve
from ntkcli.vllm.versions import parse_vllm_version
from tests.conftest import LLAMA2, NOMIC_NATIVE
from tests.difftest_support import StubModule

pytestmark = [
    pytest.mark.difftest,
    pytest.mark.skipif(
        os.environ.get("NTKCLI_DIFFTEST") != "1", reason="opt-in: set NTKCLI_DIFFTEST=1"
    ),
]

CACHE = Path(os.environ.get("NTKCLI_DIFFTEST_CACHE", "~/.cache/ntkcli-difftest")).expanduser()
VERSIONS = os.environ.get("NTKCLI_DIFFTEST_VERSIONS", "0.21.0,0.22.0,0.33.0").split(",")
PACKAGE = "vllm/model_executor/layers/rotary_embedding/"


# -- fetching and loading the real code -------------------------------------------------------
def wheel(version: str) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    found = sorted(CACHE.glob(f"vllm-{version}-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", f"vllm=={version}", "-d", CACHE],
            check=True,
            capture_output=True,
        )
        found = sorted(CACHE.glob(f"vllm-{version}-*.whl"))
    return found[0]


def extract(version: str) -> Path:
    root = CACHE / f"src-{version}"
    if not (root / PACKAGE / "__init__.py").is_file():
        with zipfile.ZipFile(wheel(version)) as z:
            for name in z.namelist():
                if name.startswith(PACKAGE) and name.endswith(".py"):
                    z.extract(name, root)
    return root / PACKAGE


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Every vllm.* module outside the rotary_embedding package is a stub."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name == "vllm" or (name.startswith("vllm.") and ".rotary_embedding" not in name):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> types.ModuleType:
        module = StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def load_get_rope(version: str) -> Any:
    for name in [n for n in sys.modules if n == "vllm" or n.startswith("vllm.")]:
        del sys.modules[name]
    finder = StubFinder()
    sys.meta_path.insert(0, finder)
    try:
        directory = extract(version)
        name = "vllm.model_executor.layers.rotary_embedding"
        spec = importlib.util.spec_from_file_location(
            name, directory / "__init__.py", submodule_search_locations=[str(directory)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module.get_rope
    finally:
        sys.meta_path.remove(finder)


# -- cases ----------------------------------------------------------------------------------


def rope(**kw: Any) -> dict[str, Any]:
    return {**LLAMA2, "rope_scaling": kw}


CASES: Mapping[str, tuple[dict[str, Any], dict[str, Any], int | None]] = {
    "default": (LLAMA2, {}, None),
    "dynamic 2": (rope(rope_type="dynamic", factor=2.0), {}, None),
    "dynamic 0.5": (rope(rope_type="dynamic", factor=0.5), {}, None),
    "linear 4": (rope(rope_type="linear", factor=4.0), {}, None),
    "linear int": (rope(rope_type="linear", factor=4), {}, None),
    "ntk 2": (LLAMA2, {"rope_parameters": {"rope_type": "ntk", "factor": 2.0}}, None),
    "yarn 4": (rope(rope_type="yarn", factor=4.0), {}, None),
    "yarn attn": (rope(rope_type="yarn", factor=4.0, attention_factor=0.5), {}, None),
    "alpha 4": (LLAMA2, {"rope_parameters": {"rope_type": "dynamic", "alpha": 4.0}}, None),
    "dynamic no factor": (LLAMA2, {"rope_parameters": {"rope_type": "dynamic"}}, None),
    "partial 1.5": (
        LLAMA2,
        {"rope_parameters": {"rope_type": "default", "partial_rotary_factor": 1.5}},
        None,
    ),
    "unknown type": (LLAMA2, {"rope_parameters": {"rope_type": "warp"}}, None),
    "nested": (LLAMA2, {"rope_parameters": {"rope_type": "default", "x": {"a": 1}}}, None),
    "dynamic null factor": (rope(rope_type="dynamic", factor=None), {}, None),
    "linear null factor": (rope(rope_type="linear", factor=None), {}, None),
    "alpha and factor": (
        LLAMA2,
        {"rope_parameters": {"rope_type": "dynamic", "alpha": 4.0, "factor": 2.0}},
        None,
    ),
    "yarn attn_factor": (rope(rope_type="yarn", factor=4.0, attn_factor=0.8), {}, None),
    "yarn mscale pair": (
        rope(rope_type="yarn", factor=40.0, mscale=1.0, mscale_all_dim=0.707),
        {},
        None,
    ),
    "deepseek v3": (
        {
            "model_type": "deepseek_v3",
            "architectures": ["DeepseekV3ForCausalLM"],
            "max_position_embeddings": 163840,
            "qk_rope_head_dim": 64,
            "rope_scaling": {
                "type": "yarn",
                "factor": 40,
                "original_max_position_embeddings": 4096,
                "mscale": 1.0,
                "mscale_all_dim": 1.0,
            },
        },
        {},
        None,
    ),
    "phi3 longrope": (
        {
            "model_type": "phi3",
            "architectures": ["Phi3ForCausalLM"],
            "hidden_size": 3072,
            "num_attention_heads": 32,
            "max_position_embeddings": 131072,
            "original_max_position_embeddings": 4096,
            "rope_scaling": {
                "type": "longrope",
                "short_factor": [1.0] * 48,
                "long_factor": [2.0] * 48,
            },
        },
        {},
        8192,
    ),
    "qwen2 dict without theta": (
        {"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]},
        {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0}},
        None,
    ),
    "llama3": (
        rope(
            rope_type="llama3",
            factor=8.0,
            low_freq_factor=1.0,
            high_freq_factor=4.0,
            original_max_position_embeddings=1024,
        ),
        {},
        None,
    ),
    "nomic dynamic 8192": (
        {**NOMIC_NATIVE, "max_position_embeddings": 8192, "max_trained_positions": 2048},
        {"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}},
        8192,
    ),
}


def real_answer(get_rope: Any, head: int, length: int, neox: bool, params: Any) -> Any:
    import torch

    try:
        rot = get_rope(head, length, neox, dict(params), torch.float32)
    except Exception as exc:  # the real code's own exception is the answer
        return ("raises", type(exc).__name__, str(exc))
    cache = getattr(rot, "long_short_cos_sin_cache", None)
    if cache is None:
        cache = rot.cos_sin_cache
    mscale = getattr(rot, "mscale", None)
    return (type(rot).__name__, list(cache.shape), None if mscale is None else float(mscale))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_get_rope_agrees_with_vllm(version: str, case: str) -> None:
    pytest.importorskip("torch")
    get_rope = load_get_rope(version)
    config, overrides, length = CASES[case]
    raw = RawConfig("difftest/model", Source("local", "config.json"), config)
    r = resolve(
        raw,
        Request(vllm=parse_vllm_version(version), hf_overrides=overrides, max_model_len=length),
    )
    code = r.model_code
    assert code is not None and code.head_size is not None and code.max_position is not None
    expected = real_answer(
        get_rope, code.head_size, code.max_position, code.is_neox_style, r.rope_parameters
    )
    if expected[0] == "raises":
        assert r.refusal is not None and r.refusal.stage == "get_rope", (expected, r.refusal)
        assert (r.refusal.error, r.refusal.message) == expected[1:]
        return
    rot = r.rotary
    assert rot is not None, r.refusal
    ours = (rot.rope_class, list(rot.cache_shape or ()), rot.mscale)
    assert ours[:2] == expected[:2]
    if expected[2] is not None and ours[2] is not None:
        assert ours[2] == pytest.approx(expected[2], rel=1e-6)
