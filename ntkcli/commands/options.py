"""Options shared by several commands, declared once (as huggingface_hub's `hf` CLI does), and
the builders that turn them into core inputs.

The source options (--revision … --timeout) reach a command as ONE value: a command declares a
`source: HubOptions` parameter and `@with_source` gives it the seven options and builds the
HubOptions, so no command lists them and the loader gets them in one piece.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any, TypeVar

import typer

from ntkcli import console, sources
from ntkcli.commands.lengths import length_parser
from ntkcli.console import OutputFormat
from ntkcli.errors import SourceNotFound, UsageError
from ntkcli.model import DTYPES, MAX_LENGTH, RawConfig, Request
from ntkcli.sources import HubOptions
from ntkcli.vllm.overrides import parse_hf_overrides
from ntkcli.vllm.versions import parse_vllm_version

F = TypeVar("F", bound=Callable[..., Any])
MAX_LEN = MAX_LENGTH  # the one bound, under the name the commands use

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
EngineLengths = Annotated[
    list[str] | None,
    typer.Option(
        "--lengths",
        help="Input lengths at which --engine reports the base it uses: a comma list or a range "
        "A..B (doubling) in vLLM's syntax (default: 512,2048,4096,8192).",
        rich_help_panel="vLLM",
        show_default=False,
    ),
]
EngineSeriesOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Also plot these engines' θ' per input length: NAME[@VERSION] (vllm, sglang, tei, "
        "tei@head, llamacpp, ollama, transformers, sentence-transformers), a comma list or 'all'.",
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
        parser=length_parser("--max-model-len", auto=True),
        metavar="N",
        help="vLLM's --max-model-len, in vLLM's syntax: 8192, 8k (8000), 8K (8192), 25.6k; "
        "-1, auto or absent: let vLLM pick.",
        show_default=False,
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
        help=f"Model dtype of the cos/sin cache: {', '.join(DTYPES)}.",
        rich_help_panel="vLLM",
    ),
]
Format = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table (for people) or json (for tools, on stdout alone)."),
]


_SOURCE_OPTIONS: dict[str, tuple[Any, Any]] = {  # parameter name → (annotation, default)
    "revision": (Revision, None),
    "token": (Token, None),
    "cache_dir": (CacheDir, None),
    "offline": (Offline, False),
    "refresh": (Refresh, False),
    "bundled": (Bundled, False),
    "timeout": (Timeout, HubOptions.timeout),
}


def extend_signature(
    command: F, drop: str | None, extra: dict[str, tuple[Any, Any]], build: Callable[..., Any]
) -> F:
    """`command` with its `drop` parameter replaced by the options in `extra`; `build` turns
    their values (a dict) into what `drop` receives. Typer reads the new signature."""
    signature = inspect.signature(command, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name != drop]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for name, (kind, default) in extra.items()
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in extra}
        built = build(values)
        if drop is not None:
            kwargs[drop] = built
        return command(*args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*kept, *added])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*kept, *added]}
    return wrapper  # type: ignore[return-value]


def with_source(command: F) -> F:
    """Give `command` the source options, passed to it as one `source: HubOptions`."""
    return extend_signature(command, "source", _SOURCE_OPTIONS, lambda v: HubOptions(**v))


def vllm_request(
    vllm: str, max_model_len: int | None, hf_overrides: str | None, allow_long: bool, dtype: str
) -> Request:
    """`max_model_len` arrives parsed (None: vLLM picks), see commands/lengths.py."""
    if dtype not in DTYPES:
        raise UsageError(
            f"--dtype {dtype!r} is not one of {', '.join(DTYPES)}", hint="e.g. --dtype bfloat16"
        )
    return Request(
        vllm=parse_vllm_version(vllm),
        max_model_len=max_model_len,
        hf_overrides=parse_hf_overrides(hf_overrides),
        allow_long_max_model_len=allow_long,
        dtype=dtype,
    )


def load_model(model: str, opts: HubOptions) -> RawConfig:
    """Load MODEL; when where it came from needs saying (a bundled fallback), say it on stderr."""
    try:
        raw = sources.load(model, opts)
    except SourceNotFound as exc:
        close = _close_snapshot(model)
        if close is None:
            raise
        raise SourceNotFound(exc.message, hint=f"did you mean {close}?") from None
    if raw.source.note:
        console.note(raw.source.note)
    return raw


def _close_snapshot(model: str) -> str | None:
    """The bundled snapshot a mistyped model id was probably meant to be (one letter off)."""
    import difflib

    names = [str(m["model"]) for m in sources.bundled_models()]
    if model in names:
        return None
    found = difflib.get_close_matches(model, names, n=1, cutoff=0.9)
    return found[0] if found else None


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


def check_engine_transformers(transformers: str | None) -> None:
    """The other engines model transformers 4 (4.57.6) or 5 (5.19): one check for --transformers
    wherever an engine other than vLLM is asked for."""
    if transformers is not None and transformers.strip() not in ("4", "5"):
        raise UsageError(
            f"--transformers {transformers!r} is not a modelled version",
            hint="use --transformers 4 (4.57.6) or 5 (5.19)",
        )
