"""Options shared by several commands, declared once (as huggingface_hub's `hf` CLI does), and
the builders that turn them into core inputs."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from ntkcli import console, sources
from ntkcli.console import OutputFormat
from ntkcli.errors import UsageError
from ntkcli.model import RawConfig, Request
from ntkcli.sources import HubOptions
from ntkcli.vllm.overrides import parse_hf_overrides
from ntkcli.vllm.versions import parse_vllm_version

MAX_LEN = 2**31 - 1
DTYPES = ("float32", "float16", "bfloat16")

ModelArg = Annotated[
    str,
    typer.Argument(
        help="Hub id (org/name), a model directory, or a path to a config.json.", show_default=False
    ),
]
Revision = Annotated[
    str | None,
    typer.Option("--revision", help="Hub branch, tag or commit sha.", rich_help_panel="Source"),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="Hub token (default: HF_TOKEN or the stored login). Never printed.",
        show_default=False,
        rich_help_panel="Source",
    ),
]
CacheDir = Annotated[
    str | None,
    typer.Option(
        "--cache-dir",
        help="HF cache directory (default: HF_HUB_CACHE / HF_HOME).",
        rich_help_panel="Source",
    ),
]
Offline = Annotated[
    bool,
    typer.Option(
        "--offline",
        help="Never touch the network (also HF_HUB_OFFLINE=1): HF cache, then the "
        "bundled snapshot.",
        rich_help_panel="Source",
    ),
]
Refresh = Annotated[
    bool,
    typer.Option(
        "--refresh",
        help="Ask the Hub even when the HF cache has the file.",
        rich_help_panel="Source",
    ),
]
Bundled = Annotated[
    bool,
    typer.Option(
        "--bundled",
        help="Use the snapshot bundled with ntkcli (see `ntkcli models`).",
        rich_help_panel="Source",
    ),
]
Timeout = Annotated[
    float,
    typer.Option(
        "--timeout", min=0.1, max=600, help="Seconds to wait for the Hub.", rich_help_panel="Source"
    ),
]
Vllm = Annotated[
    str,
    typer.Option(
        "--vllm",
        help="vLLM release: new (0.33.0), old (0.21.0), or a release from 0.21.0 to 0.33.0.",
        rich_help_panel="vLLM",
    ),
]
EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Engine to model: NAME[@VERSION] — vllm (default), sglang, tei, tei@head, llamacpp, "
        "ollama, transformers, sentence-transformers. --vllm X is --engine vllm@X.",
        rich_help_panel="vLLM",
        show_default=False,
    ),
]
EnginesOpt = Annotated[
    str | None,
    typer.Option(
        "--engines",
        help="Also check these engines' sharp edges: a comma list of NAME[@VERSION] or 'all' "
        "(default: vLLM only).",
        show_default=False,
    ),
]
MaxModelLen = Annotated[
    int | None,
    typer.Option(
        "--max-model-len",
        min=-1,
        max=MAX_LEN,
        help="vLLM's --max-model-len (-1 or absent: let vLLM pick).",
        rich_help_panel="vLLM",
    ),
]
HfOverrides = Annotated[
    str | None,
    typer.Option(
        "--hf-overrides", help="vLLM's --hf-overrides JSON object.", rich_help_panel="vLLM"
    ),
]
AllowLong = Annotated[
    bool,
    typer.Option(
        "--allow-long-max-model-len",
        help="As if VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 were set: warn instead of refusing.",
        rich_help_panel="vLLM",
    ),
]
Dtype = Annotated[
    str,
    typer.Option(
        "--dtype",
        help="Model dtype of the cos/sin cache: float32, float16, bfloat16.",
        rich_help_panel="vLLM",
    ),
]
Format = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table (for people) or json (for tools, on stdout alone)."),
]


def hub_options(
    revision: str | None,
    token: str | None,
    cache_dir: str | None,
    offline: bool,
    refresh: bool,
    bundled: bool,
    timeout: float,
) -> HubOptions:
    return HubOptions(
        revision=revision,
        token=token,
        cache_dir=cache_dir,
        offline=offline,
        refresh=refresh,
        bundled=bundled,
        timeout=timeout,
    )


def vllm_request(
    vllm: str, max_model_len: int | None, hf_overrides: str | None, allow_long: bool, dtype: str
) -> Request:
    if max_model_len == 0:
        raise UsageError("--max-model-len must be a positive length (or -1 for vLLM's choice)")
    if dtype not in DTYPES:
        raise UsageError(f"--dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    return Request(
        vllm=parse_vllm_version(vllm),
        max_model_len=None if max_model_len in (None, -1) else max_model_len,
        hf_overrides=parse_hf_overrides(hf_overrides),
        allow_long_max_model_len=allow_long,
        dtype=dtype,
    )


def load_model(model: str, opts: HubOptions) -> RawConfig:
    """Load MODEL; when where it came from needs saying (a bundled fallback), say it on stderr."""
    raw = sources.load(model, opts)
    if raw.source.note:
        console.note(raw.source.note)
    return raw


# -- the config object vLLM builds (SPEC §2.2): trust_remote_code and the transformers version --
TrustRemoteCode = Annotated[
    bool,
    typer.Option(
        "--trust-remote-code",
        help="As vLLM's --trust-remote-code: with auto_map.AutoConfig in config.json, assume "
        "the repository's own config class (ntkcli never runs its code). Default: the native "
        "transformers class.",
        rich_help_panel="vLLM",
    ),
]
Transformers = Annotated[
    str | None,
    typer.Option(
        "--transformers",
        help="transformers version the engine runs with: 5 or 4 (default: each engine's own: "
        "5 for vLLM and SGLang, the converter's pin 4.57.6 for llama.cpp and Ollama; "
        "4 is allowed for vLLM 0.23 and earlier).",
        rich_help_panel="vLLM",
        show_default=False,
    ),
]


def with_loading(request: Request, trust_remote_code: bool, transformers: str | None) -> Request:
    """The request with the config-loading inputs set (vLLM's default transformers is 5)."""
    return replace(request, trust_remote_code=trust_remote_code, transformers=transformers or "5")
