"""The Typer app: command registration, error handling and exit codes.

Exit codes: 0 ok; 1 findings of error severity (validate) or differences (diff --exit-code);
2 usage; 3 an input could not be loaded or parsed; 4 an internal error (a bug: please report).
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import typer

from ntkcli import __version__, console
from ntkcli.commands.options import extend_signature
from ntkcli.errors import EXIT_INTERNAL, EXIT_USAGE, NtkcliError

ISSUES_URL = "https://pypi.org/project/ntkcli/"  # the project page, which links the tracker

F = TypeVar("F", bound=Callable[..., Any])


def _typer() -> typer.Typer:
    return typer.Typer(
        name="ntkcli",
        help="See how vLLM will resolve a model's rotary position embedding (RoPE) before you "
        "deploy it: max_model_len, rotary class, scaled base θ' and cos/sin cache.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # Plain click help: it wraps to the terminal and never truncates a flag or shows `<bool>`.
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


def guarded(command: F) -> F:
    """Turn domain errors into one stderr line and their exit code; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except NtkcliError as exc:
            console.error(exc.message, exc.hint)
            raise typer.Exit(code=exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            # `ntkcli … | head`: the reader left; stop quietly, as git and coreutils do.
            console.silence_stdout()
            raise typer.Exit(code=0) from None
        except Exception as exc:  # a bug in ntkcli: still one line, and a distinct code
            console.error(
                f"internal error: {type(exc).__name__}: {exc}",
                f"please report it, with the command you ran, via {ISSUES_URL}",
            )
            raise typer.Exit(code=EXIT_INTERNAL) from None

    return extend_signature(wrapper, None, {"quiet": (Quiet, False)}, _set_quiet)  # type: ignore[return-value]


Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="No notes on stderr (errors are still shown).")
]


def _set_quiet(values: dict[str, Any]) -> None:
    console.set_quiet(bool(values["quiet"]))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ntkcli {__version__}")
        raise typer.Exit()


def main_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """ntkcli: RoPE resolution inspector and validator for vLLM."""


SHORT_HELP = {  # the command list of `ntkcli --help`: one line each, never cut off
    "inspect": "What vLLM resolves for one model.",
    "models": "The config snapshots bundled with ntkcli.",
    "compare": "vLLM new/old against the model's own code.",
    "diff": "Old vs new vLLM dynamic NTK (PR #41277).",
    "plot": "θ' against the served length; wavelengths.",
    "validate": "Check configs for RoPE sharp edges (CI).",
    "rule": "Explain a validation rule (R01 to T03).",
    "schema": "JSON Schema of a command's --format json.",
}
COMMANDS = tuple(SHORT_HELP)  # in `ntkcli --help` order; each is ntkcli.commands.<name>.<name>


@functools.cache
def guarded_command(name: str) -> Callable[..., Any]:
    """Command `name`, imported when first needed: `ntkcli inspect` loads only inspect's module."""
    command: Callable[..., Any] = getattr(importlib.import_module(f"ntkcli.commands.{name}"), name)
    return guarded(command)


@functools.cache
def full_app() -> typer.Typer:
    """The app with every command (help, typo suggestions, the tests' CliRunner)."""
    whole = _typer()
    whole.callback()(main_options)
    for name in COMMANDS:
        whole.command(short_help=SHORT_HELP[name])(guarded_command(name))
    return whole


def __getattr__(name: str) -> Any:
    """`ntkcli.cli.app`: the whole app, built when first asked for."""
    if name == "app":
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app to run `args` with. `ntkcli inspect …` needs only inspect's click command, and
    building each command's parameters is a good part of start-up: when the first argument
    names a command exactly, an app with that command alone (same callback, same settings)
    runs it. Anything else (`--help`, `--version`, a typo to suggest a fix for) gets the
    whole app."""
    name = args[0] if args else None
    if name not in SHORT_HELP:
        return full_app()
    single = _typer()
    single.callback()(main_options)
    single.command(short_help=SHORT_HELP[name])(guarded_command(name))
    return single


def usage_hint(exc: typer.TyperException) -> str:
    """The hint of a parse error: the error's own, a "did you mean", else where options are."""
    own = getattr(exc, "hint", None)
    if isinstance(own, str):
        return own
    option = getattr(exc, "option_name", None)  # click's NoSuchOption
    possibilities = getattr(exc, "possibilities", None)
    if possibilities:
        return f"did you mean {' or '.join(sorted(possibilities))}?"
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "ntkcli"
    hint = f"see `{where} --help`"
    if isinstance(option, str) and not option.startswith("--"):
        hint += "; a MODEL that starts with '-' goes after `--`"
    return hint


def _message(exc: typer.TyperException) -> str:
    option = getattr(exc, "option_name", None)
    if isinstance(option, str):  # without click's "(Possible options: …)": that is the hint
        return f"no such option: {option}"
    text = exc.format_message().replace("Value error, ", "").rstrip(".")
    return text[:1].lower() + text[1:]


def main() -> None:
    """Run the app; every parse error becomes one `Error: … (hint: …)` line, exit 2."""
    args = sys.argv[1:] or ["--help"]  # bare `ntkcli`: the help, exit 0
    try:
        code = app_for(args)(args=args, prog_name="ntkcli", standalone_mode=False)
    except typer.TyperException as exc:  # click's UsageError, BadParameter, NoSuchOption, …
        console.error(_message(exc), usage_hint(exc))
        sys.exit(exc.exit_code if exc.exit_code != 1 else EXIT_USAGE)
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
