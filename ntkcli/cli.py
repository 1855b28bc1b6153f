"""The Typer app: command registration, error handling and exit codes.

Exit codes: 0 ok; 1 findings of error severity (validate) or differences (diff --exit-code);
2 usage; 3 an input could not be loaded or parsed; 4 an internal error (a bug: please report).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from ntkcli import __version__, console
from ntkcli.commands.compare import compare
from ntkcli.commands.diff import diff
from ntkcli.commands.inspect import inspect
from ntkcli.commands.models import models
from ntkcli.commands.plot import plot
from ntkcli.commands.validate import validate
from ntkcli.errors import EXIT_INTERNAL, NtkcliError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="ntkcli",
    help="See how vLLM will resolve a model's rotary position embedding (RoPE) before you "
    "deploy it: max_model_len, rotary class, scaled base θ' and cos/sin cache.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
                "please report this at the ntkcli issue tracker",
            )
            raise typer.Exit(code=EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ntkcli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """ntkcli: RoPE resolution inspector and validator for vLLM."""


COMMANDS: list[Callable[..., Any]] = [inspect, models, compare, diff, plot, validate]
for _command in COMMANDS:
    app.command()(guarded(_command))


def main() -> None:
    app(prog_name="ntkcli")
