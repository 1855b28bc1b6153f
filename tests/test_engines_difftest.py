"""Opt-in differential tests: ntkcli's SGLang, llama.cpp-converter, sentence-transformers and
transformers engines against the engines' real Python code from PyPI (ENGINES.md §1, §3, §4).

Run:  NTKCLI_DIFFTEST=1 python -m pytest -q -m difftest tests/test_engines_difftest.py
      (packages are cached in ~/.cache/ntkcli-difftest or $NTKCLI_DIFFTEST_CACHE; nothing
      downloaded is committed.)

Every case is a weightless model directory (config.json, sentence_bert_config.json when the
model has one): the bundled snapshots plus synthetic configs. The config object is built by the
transformers of this venv (AutoConfig, trust_remote_code=False; a 5.x, not necessarily the 5.19
SGLang pins and ntkcli models), then handed to the real code:
- SGLang 0.5.23 wheel: `get_context_length` (executed alone from hf_transformers/common.py,
  whose module body registers SGLang's own config classes), the whole
  layers/rotary_embedding package (platform probes stubbed as CPU) and
  `reserve_rope_cache_for_long_sequences` (executed alone from utils/common.py). The get_rope
  arguments follow the Llama call site (models/llama.py), written out below.
- llama-cpp-python 0.3.36 sdist: the converter's model classes (vendor/llama.cpp/conversion)
  with its gguf-py; `set_gguf_parameters` runs with no tensors into gguf-py's in-memory writer
  (tests/difftest_gguf_driver.py), once under this venv's transformers 5 (ntkcli's
  `--transformers 5`) and once in a separate cache venv with torch 2.13.0 and the transformers
  4.57.6 the converter pins (ntkcli's default).
- sentence-transformers: its Transformer module's length rule with the model loading stubbed.
- transformers (installed): ROPE_INIT_FUNCTIONS and the rotary module's dynamic update.
"""

from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ntkcli.engines.base import EngineRequest, EngineResult
from ntkcli.engines.registry import ENGINES
from ntkcli.sources import load_local
from tests import difftest_support as support
from tests.conftest import NEOX_DYNAMIC
from tests.test_engines_worked import CONFIGS as WORKED

pytestmark = support.OPT_IN

SNAPSHOTS = Path(__file__).resolve().parent.parent / "ntkcli" / "snapshots"
SGLANG = "0.5.23"


# -- cases ----------------------------------------------------------------------------------
def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def snapshot_cases() -> dict[str, tuple[dict[str, Any], dict[str, Any] | None]]:
    cases = {}
    for directory in sorted(SNAPSHOTS.iterdir()):
        if not (directory / "config.json").is_file():
            continue
        st = directory / "sentence_bert_config.json"
        cases[directory.name] = (
            _json(directory / "config.json"),
            _json(st) if st.is_file() else None,
        )
    return cases


LLAMA2 = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "num_hidden_layers": 32,
    "intermediate_size": 11008,
    "vocab_size": 32000,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
}
V15_LEGACY = _json(
    SNAPSHOTS
    / "nomic-ai__nomic-embed-text-v1.5/revisions/e5cf08aadaa33385f5990def41f7a23405aec398"
    / "config.json"
)
V15_ST = {"max_seq_length": 8192, "do_lower_case": False}
SYNTHETIC: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
    "llama2": (LLAMA2, None),
    "llama2 dynamic 2": ({**LLAMA2, "rope_scaling": {"type": "dynamic", "factor": 2.0}}, None),
    "llama2 dynamic 4": ({**LLAMA2, "rope_scaling": {"rope_type": "dynamic", "factor": 4}}, None),
    "llama2 linear 4": ({**LLAMA2, "rope_scaling": {"type": "linear", "factor": 4.0}}, None),
    "llama2 yarn 4": (
        {
            **LLAMA2,
            "max_position_embeddings": 16384,
            "rope_scaling": {
                "rope_type": "yarn",
                "factor": 4.0,
                "original_max_position_embeddings": 4096,
            },
        },
        None,
    ),
    "qwen2 yarn 4": WORKED["qwen2_yarn4"],  # ENGINES.md's qwen2_yarn4
    "llama2 partial 0.5": ({**LLAMA2, "partial_rotary_factor": 0.5}, None),
    "llama2 seq_length 8192": ({**LLAMA2, "seq_length": 8192}, None),
    "llama2 ntk 2": ({**LLAMA2, "rope_scaling": {"rope_type": "ntk", "factor": 2.0}}, None),
    "llama2 dynamic null factor": (
        {**LLAMA2, "rope_scaling": {"type": "dynamic", "factor": None}},
        None,
    ),
    "llama2 dynamic no factor": ({**LLAMA2, "rope_scaling": {"type": "dynamic"}}, None),
    "llama2 llama3 8": (
        {
            **LLAMA2,
            "max_position_embeddings": 131072,
            "rope_theta": 500000.0,
            "rope_scaling": {
                "rope_type": "llama3",
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 8192,
            },
        },
        None,
    ),
    "mistral head_dim 128": (
        {
            "architectures": ["MistralForCausalLM"],
            "model_type": "mistral",
            "hidden_size": 5120,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "max_position_embeddings": 131072,
            "rope_theta": 1000000.0,
        },
        None,
    ),
    "gpt_neox dynamic 2": (
        NEOX_DYNAMIC,
        None,
    ),
    "nomic v1.5 legacy": (V15_LEGACY, V15_ST),
    "nomic v1.5 legacy rsf 2": ({**V15_LEGACY, "rotary_scaling_factor": 2.0}, V15_ST),
    "nomic v1.5 legacy dynamic 2": (
        {**V15_LEGACY, "rope_parameters": {"rope_type": "dynamic", "factor": 2.0}},
        V15_ST,
    ),
    "nomic v1.5 no st file": (V15_LEGACY, None),
}
CASES = {**snapshot_cases(), **SYNTHETIC}


def make_dir(tmp_path: Path, case: str) -> Path:
    config, st = CASES[case]
    return support.model_dir(tmp_path / "model", config, st)


def params(xfail: dict[str, str]) -> list[Any]:
    """Every case; the known disagreements as strict xfails (they must keep failing)."""
    return [
        pytest.param(c, marks=pytest.mark.xfail(reason=xfail[c], strict=True)) if c in xfail else c
        for c in sorted(CASES)
    ]


def ours(engine: str, directory: Path, version: str | None = None, **request: Any) -> EngineResult:
    implementation = ENGINES[engine]
    raw = load_local(str(directory))
    return implementation.resolve(
        raw, EngineRequest(**request), version or implementation.versions[0]
    )


def auto_config(directory: Path) -> Any:
    """AutoConfig.from_pretrained(trust_remote_code=False), or the exception it raises."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(str(directory), trust_remote_code=False)
    except Exception as exc:  # the real loader's own exception is the answer
        return exc


# -- SGLang ---------------------------------------------------------------------------------
class Sglang:
    """SGLang 0.5.23's real functions, loaded once."""

    _loaded: Sglang | None = None

    def __init__(self) -> None:
        wheel = support.download(f"sglang=={SGLANG}", f"sglang-{SGLANG}-*.whl")
        files = (
            "sglang/srt/layers/rotary_embedding/",
            "sglang/srt/environ.py",
            "sglang/srt/utils/hf_transformers/common.py",
            "sglang/srt/utils/common.py",
            "sglang/srt/configs/model_config.py",
        )
        self.root = support.extract(
            wheel,
            f"sglang-{SGLANG}",
            lambda n: n.endswith(".py") and n.startswith(files),
            key=" ".join(files),
        )

        def false(*args: Any, **kwargs: Any) -> bool:
            return False

        probes = ("is_cuda", "is_hip", "is_npu", "is_xpu", "is_musa", "is_mps")
        values: dict[str, Any] = {name: false for name in probes}
        values.update(
            is_cpu=lambda: True,
            cpu_has_amx_support=false,
            get_bool_env_var=false,
            publish_role=lambda: None,
        )
        modules = support.import_real(
            "sglang",
            self.root,
            ["sglang.srt.layers.rotary_embedding", "sglang.srt.environ"],
            ["sglang.srt.layers.rotary_embedding", "sglang.srt.environ"],
            values,
        )
        self.rope = modules["sglang.srt.layers.rotary_embedding"]
        self.factory = sys.modules["sglang.srt.layers.rotary_embedding.factory"]
        self.base_module = sys.modules["sglang.srt.layers.rotary_embedding.base"]
        namespace: dict[str, Any] = {}
        support.function_from_source(
            self.root / "sglang/srt/utils/hf_transformers/common.py",
            ["get_context_length", "CONTEXT_LENGTH_KEYS"],
            namespace,
        )
        self.get_context_length = namespace["get_context_length"]
        environ = sys.modules["sglang.srt.environ"]
        self.derive_namespace: dict[str, Any] = {
            "get_context_length": self.get_context_length,
            "envs": environ.envs,
            "is_in_ci": lambda: False,
            "logger": logging.getLogger("difftest"),
        }
        self.derive_context_length = support.method_from_source(
            self.root / "sglang/srt/configs/model_config.py",
            "ModelConfig",
            "_derive_context_length",
            self.derive_namespace,
        )
        self.reserve_namespace: dict[str, Any] = {}
        support.function_from_source(
            self.root / "sglang/srt/utils/common.py",
            ["reserve_rope_cache_for_long_sequences"],
            self.reserve_namespace,
        )

    @classmethod
    def get(cls) -> Sglang:
        if cls._loaded is None:
            cls._loaded = Sglang()
        return cls._loaded

    def reserve(self, rotary: Any, context_len: int) -> None:
        """reserve_rope_cache_for_long_sequences on a model holding this rotary module, with no
        speculative decoding."""
        import torch

        class Model(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.rotary_emb = rotary

        server = type("Server", (), {"context_length": context_len})()
        spec = type("Spec", (), {"speculative_num_steps": 0, "speculative_num_draft_tokens": 0})
        ns = self.reserve_namespace
        ns["get_model"], ns["get_spec"] = lambda: server, lambda: spec()
        model_config = type("ModelConfig", (), {"context_len": context_len})()
        ns["reserve_rope_cache_for_long_sequences"](Model(), model_config)

    def build(self, config: Any, context_len: int) -> tuple[Any, float]:
        """The Llama call site (models/llama.py LlamaDecoderLayer / LlamaAttention): the
        rotary module get_rope returns after the startup reserve, and the base the cache rows
        below the reserve were computed with."""
        import torch

        rope_parameters = getattr(config, "rope_parameters", None)
        if rope_parameters is not None:
            rope_theta = rope_parameters.get("rope_theta", 10000)
            rope_scaling = rope_parameters
        else:
            rope_theta = getattr(config, "rope_theta", 10000)
            rope_scaling = getattr(config, "rope_scaling", None)
        if rope_scaling is not None and getattr(config, "original_max_position_embeddings", None):
            rope_scaling["original_max_position_embeddings"] = (
                config.original_max_position_embeddings
            )
        max_position = getattr(config, "max_position_embeddings", 8192)
        heads = config.num_attention_heads
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
        rotary_dim = int(getattr(config, "partial_rotary_factor", 1) * head_dim)
        self.factory._ROPE_DICT.clear()
        bases: list[float] = []
        cls = self.base_module.RotaryEmbedding
        original = cls._compute_inv_freq

        def recording(module: Any, base: Any) -> Any:
            bases.append(float(base))
            return original(module, base)

        cls._compute_inv_freq = recording
        try:
            rotary = self.rope.get_rope(
                head_dim,
                rotary_dim=rotary_dim,
                max_position=max_position,
                base=rope_theta,
                rope_scaling=rope_scaling,
                is_neox_style=getattr(config, "rope_is_neox_style", True),
                dtype=torch.float32,
            )
            self.reserve(rotary, context_len)
        finally:
            cls._compute_inv_freq = original
        return rotary, bases[0] if bases else math.nan


def sglang_answer(directory: Path) -> dict[str, Any]:
    real = Sglang.get()
    config = auto_config(directory)
    if isinstance(config, Exception):
        return {"refusal": type(config).__name__}
    try:
        context = real.get_context_length(config)
    except Exception as exc:
        return {"refusal": type(exc).__name__}
    answer: dict[str, Any] = {"max_len": context}
    if config.model_type in ("nomic_bert", "gpt_neox"):
        return answer  # the Transformers backend: transformers' own rotary module (§4)
    try:
        rotary, base = real.build(config, context)
    except Exception as exc:
        return {**answer, "refusal": type(exc).__name__}
    cache = rotary.cos_sin_cache
    return {
        **answer,
        "rope_class": type(rotary).__name__,
        "scaled_base": base,
        "cache_shape": (int(cache.shape[0]), int(cache.shape[1])),
    }


def sglang_ours(directory: Path) -> dict[str, Any]:
    r = ours("sglang", directory)
    if r.refusal is not None:
        if r.max_len is None:
            return {"refusal": r.refusal.error}
        return {"max_len": r.max_len, "refusal": r.refusal.error}
    answer: dict[str, Any] = {"max_len": r.max_len}
    if r.cache_shape is None:
        return answer
    answer.update(rope_class=r.rope_class, cache_shape=r.cache_shape)
    answer["scaled_base"] = r.scaled_base if isinstance(r.scaled_base, float) else None
    return answer


# No known disagreement left (remote-only model types refused without trust_remote_code, the
# partial factor read as a config attribute, MRotaryEmbedding for an mrope_section).
SGLANG_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("case", params(SGLANG_XFAIL))
def test_sglang_agrees(case: str, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    directory = make_dir(tmp_path, case)
    expected = sglang_answer(directory)
    got = sglang_ours(directory)
    if got.get("scaled_base") is None or expected.get("scaled_base") is None:
        expected.pop("scaled_base", None)
        got.pop("scaled_base", None)
    else:
        assert got.pop("scaled_base") == pytest.approx(expected.pop("scaled_base"), rel=1e-9)
    assert got == expected


CONTEXT_REQUESTS = {
    "lower": (2048, False),
    "equal": (4096, False),
    "higher": (16384, False),
    "higher, allowed": (16384, True),
}


@pytest.mark.parametrize("request_name", sorted(CONTEXT_REQUESTS))
@pytest.mark.parametrize("case", ["llama2", "llama2 dynamic 2", "nomic v1.5 legacy"])
def test_sglang_context_length_flag_agrees(
    case: str, request_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ModelConfig._derive_context_length with a user --context-length: the context_len it
    sets, or its ValueError and message, against ntkcli's --max-model-len answer."""
    real = Sglang.get()
    length, allow = CONTEXT_REQUESTS[request_name]
    directory = make_dir(tmp_path, case)
    config = auto_config(directory)
    if allow:
        monkeypatch.setenv("SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN", "1")
    else:
        monkeypatch.delenv("SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN", raising=False)
    holder = type("ModelConfig", (), {})()
    holder.is_draft_model, holder.hf_text_config, holder.hf_config = False, config, config
    try:
        real.derive_context_length(holder, length)
        expected: tuple[Any, ...] = ("served", holder.context_len)
    except ValueError as exc:
        expected = ("ValueError", str(exc))
    r = ours("sglang", directory, max_model_len=length, allow_long_max_model_len=allow)
    got = ("served", r.max_len) if r.refusal is None else (r.refusal.error, r.refusal.message)
    assert got == expected


# -- llama.cpp converter --------------------------------------------------------------------
LLAMACPP = "0.3.36"
VENDOR = "vendor/llama.cpp/"
TF4 = "4.57.6"  # the transformers llama-cpp-python 0.3.36's converter pins
DRIVER = Path(__file__).resolve().parent / "difftest_gguf_driver.py"


def converter_root() -> Path:
    """vendor/llama.cpp of the llama-cpp-python sdist: the conversion package, gguf-py and
    convert_hf_to_gguf.py."""
    sdist = support.download(f"llama-cpp-python=={LLAMACPP}", f"llama_cpp_python-{LLAMACPP}.tar.gz")
    wanted = (VENDOR + "conversion/", VENDOR + "gguf-py/gguf/", VENDOR + "convert_hf")
    root = support.extract(
        sdist, f"llama-cpp-python-{LLAMACPP}", lambda n: n.startswith(wanted), strip=1
    )
    return root / VENDOR


def venv_tf4() -> Path:
    """A separate venv (in the cache) with torch 2.13.0 and transformers 4.57.6 from pip, for
    the converter as released; its python."""
    venv = support.CACHE / "venv-tf4"
    python = venv / "bin" / "python"
    if not (venv / ".ready").is_file():
        subprocess.run([sys.executable, "-m", "venv", "--clear", venv], check=True)
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "torch==2.13.0", f"transformers=={TF4}"],
            check=True,
            capture_output=True,
        )
        (venv / ".ready").write_text("")
    return python


@pytest.fixture(scope="module")
def converter_tf4(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case through the real converter under transformers 4.57.6, in one subprocess."""
    root = converter_root()
    base = tmp_path_factory.mktemp("tf4")
    dirs = [support.model_dir(base / str(i), *CASES[c]) for i, c in enumerate(sorted(CASES))]
    run = subprocess.run(
        [venv_tf4(), DRIVER, root, *dirs], check=True, capture_output=True, text=True
    )
    answers = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    found: dict[str, Any] = dict(zip(sorted(CASES), answers, strict=True))
    found["dirs"] = dict(zip(sorted(CASES), dirs, strict=True))
    return found


def llamacpp_ours(directory: Path, transformers: str) -> dict[str, Any]:
    r = ours("llamacpp", directory, transformers=transformers)
    if r.refusal is not None:
        return {"refusal": r.refusal.error}
    return {
        "n_ctx_train": r.extra["n_ctx_train"],
        "freq_base": r.base,
        "scaling": r.extra["gguf_scaling"],
    }


# No known disagreement left (architectures without a converter model class, NomicBert's
# max_trained_positions default and GPTNeoXModel's own metadata are modelled).
LLAMACPP_XFAIL: dict[str, str] = {}
LLAMACPP_TF4_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("case", params(LLAMACPP_XFAIL))
def test_llamacpp_agrees_transformers5(case: str, tmp_path: Path) -> None:
    """The converter with this venv's transformers 5 (its load_hparams' AutoConfig), against
    ntkcli's `--transformers 5` answer."""
    pytest.importorskip("torch")
    from tests import difftest_gguf_driver

    directory = make_dir(tmp_path, case)
    expected = difftest_gguf_driver.convert(converter_root(), directory)
    assert llamacpp_ours(directory, "5") == expected


@pytest.mark.parametrize("case", params(LLAMACPP_TF4_XFAIL))
def test_llamacpp_agrees_transformers4(case: str, converter_tf4: dict[str, Any]) -> None:
    """The converter as released: under transformers 4.57.6 in its own venv, against ntkcli's
    default (`--transformers 4`) answer."""
    directory = converter_tf4["dirs"][case]
    assert llamacpp_ours(directory, "4") == converter_tf4[case]


# -- sentence-transformers ------------------------------------------------------------------
ST_VERSION = "6.2.0"
ABSENT = ("scipy", "scipy.sparse", "sklearn", "sklearn.metrics", "sklearn.metrics.pairwise")


class SentenceTransformers:
    """sentence-transformers' Transformer module from the wheel (pure Python, on sys.path from
    the cache). Its optional scientific dependencies absent from this venv (scipy, sklearn) are
    stubs; transformers' availability probes are evaluated before they exist."""

    _loaded: SentenceTransformers | None = None

    def __init__(self) -> None:
        import importlib.machinery

        from transformers import AutoConfig, AutoModel, AutoProcessor, PreTrainedModel  # noqa: F401
        from transformers.utils import import_utils

        wheel = support.download(
            f"sentence-transformers=={ST_VERSION}", f"sentence_transformers-{ST_VERSION}-*.whl"
        )
        root = support.extract(wheel, f"sentence-transformers-{ST_VERSION}", lambda n: True)
        import_utils.is_scipy_available()
        import_utils.is_sklearn_available()
        for name in ABSENT:
            if name not in sys.modules:
                module = support.StubModule(name)
                module.__path__ = []
                module.__spec__ = importlib.machinery.ModuleSpec(name, None)
                sys.modules[name] = module
        sys.path.insert(0, str(root))
        try:
            from sentence_transformers.base.modules import transformer
        finally:
            sys.path.remove(str(root))
        self.Transformer = transformer.Transformer

    @classmethod
    def get(cls) -> SentenceTransformers:
        if cls._loaded is None:
            cls._loaded = SentenceTransformers()
        return cls._loaded

    def max_seq_length(self, directory: Path, tokenizer_max: int | None = None) -> dict[str, Any]:
        """Transformer.load on the directory, the model weights stubbed (a module holding the
        config) and a tiny tokenizer (model_max_length `tokenizer_max`, else none of its own)."""
        import torch
        from tokenizers import Tokenizer, models, pre_tokenizers
        from transformers import PreTrainedTokenizerFast

        vocab = {"[UNK]": 0, "[PAD]": 1}
        tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
        tok.pre_tokenizer = pre_tokenizers.Whitespace()
        extra = {} if tokenizer_max is None else {"model_max_length": tokenizer_max}
        fast = PreTrainedTokenizerFast(
            tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", **extra
        )
        fast.save_pretrained(directory)

        class Weightless(torch.nn.Module):
            def __init__(self, config: Any) -> None:
                super().__init__()
                self.config = config

            def forward(self, input_ids: Any = None, attention_mask: Any = None) -> None:
                return None

        cls = self.Transformer
        original = cls._load_model
        cls._load_model = lambda self, path, task, config, *a, **k: Weightless(config)
        try:
            module = cls.load(str(directory))
        except Exception as exc:  # the real loader's exception is the answer
            return {"refusal": type(exc).__name__}
        finally:
            cls._load_model = original
        return {"max_len": module.max_seq_length}


def st_ours(directory: Path) -> dict[str, Any]:
    r = ours("sentence-transformers", directory)
    if r.refusal is not None and r.max_len is None:
        return {"refusal": r.refusal.error}
    return {"max_len": r.max_len}


ST_XFAIL: dict[str, str] = {}  # no known disagreement left


@pytest.mark.parametrize("case", params(ST_XFAIL))
def test_sentence_transformers_agrees(case: str, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    directory = make_dir(tmp_path, case)
    expected = SentenceTransformers.get().max_seq_length(directory)
    assert st_ours(directory) == expected


# -- transformers ---------------------------------------------------------------------------
LENGTHS = (512, 2048, 4096, 8192)


def rotary_module(config: Any) -> Any:
    """The model's own rotary module (modeling_<type>.<Name>RotaryEmbedding), built from the
    config; its init function is ROPE_INIT_FUNCTIONS[rope_type] (or the class's default)."""
    import importlib

    from transformers.models.auto.configuration_auto import model_type_to_module_name

    module = importlib.import_module(
        f"transformers.models.{model_type_to_module_name(config.model_type)}.modeling_"
        f"{model_type_to_module_name(config.model_type)}"
    )
    name = type(config).__name__.replace("Config", "RotaryEmbedding")
    return getattr(module, name)(config)


def inv_freq_at(rotary: Any, n: int) -> Any:
    """inv_freq after a forward over positions 0..n-1 (dynamic_rope_update runs first)."""
    import torch

    x = torch.zeros(1, n, 1, dtype=torch.float32)
    rotary(x, torch.arange(n)[None, :])
    return rotary.inv_freq.double()


def transformers_answer(directory: Path) -> dict[str, Any] | Exception:
    config = auto_config(directory)
    if isinstance(config, Exception):
        return {"refusal": type(config).__name__}
    try:
        rotary = rotary_module(config)
    except Exception as exc:
        return {"refusal": type(exc).__name__}
    return {
        "rope_class": f"{type(rotary).__name__}, {rotary.rope_type}",
        "rotary": rotary,
        "mpe": getattr(config, "max_position_embeddings", None),
    }


TRANSFORMERS_XFAIL: dict[str, str] = {}  # no known disagreement left


@pytest.mark.parametrize("case", params(TRANSFORMERS_XFAIL))
def test_transformers_agrees(case: str, tmp_path: Path) -> None:
    """Rotary class and rope type, then for each length the inverse frequencies of a forward
    over that many positions against those of ntkcli's base at that length (the last
    frequency for YaRN, whose ntkcli base is the last frequency's effective base; linear
    scaling divides inv_freq by α where ntkcli keeps θ and divides positions: not compared)."""
    import torch

    directory = make_dir(tmp_path, case)
    real = transformers_answer(directory)
    r = ours("transformers", directory)
    if "refusal" in real:
        assert r.refusal is not None and r.refusal.error == real["refusal"]
        return
    assert r.refusal is None, r.refusal
    assert r.rope_class == real["rope_class"]
    assert r.extra["max_position_embeddings"] == real["mpe"]
    rotary = real["rotary"]
    d = 2 * int(rotary.inv_freq.shape[0])
    for row in r.lengths:
        base = row.base
        if not isinstance(base, float) or rotary.rope_type == "linear":
            continue
        mine = 1.0 / (base ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        got = inv_freq_at(rotary, row.tokens_used)
        if rotary.rope_type == "yarn":
            mine, got = mine[-1:], got[-1:]
        assert torch.allclose(got, mine, rtol=2e-6, atol=0), (row.len, base)


@pytest.mark.xfail(
    strict=True,
    reason="documented limit: ntkcli does not read tokenizer_config.json, so without a "
    "sentence-transformers max_seq_length it answers max_position_embeddings (an upper bound, "
    "its output says so) where the real rule is min(tokenizer model_max_length, mpe)",
)
def test_sentence_transformers_tokenizer_limit(tmp_path: Path) -> None:
    directory = make_dir(tmp_path, "nomic v1.5 no st file")
    expected = SentenceTransformers.get().max_seq_length(directory, tokenizer_max=512)
    assert expected == {"max_len": 512}  # min(512, NomicBertConfig mpe 2048)
    assert st_ours(directory) == expected
