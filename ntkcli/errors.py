"""The exception tree of ntkcli. Every error a user can cause maps to one exit code.

    NtkcliError                 exit 3 unless a subclass says otherwise
    ├── UsageError              exit 2: an option's value is wrong (bad --hf-overrides JSON, ...)
    └── InputError              exit 3: an input could not be loaded or parsed
        ├── SourceNotFound          no such file, directory, snapshot or repository
        ├── HubError                the Hub answered with an error, or could not be reached
        └── ConfigError             not valid JSON, not an object, or a value is unusable

Findings about a *valid* config (vLLM would refuse it, NaN bases, ...) are not exceptions: they are
data (model.Refusal, model.Finding). Exit 1 is reserved for those (`validate`, `diff --exit-code`).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INTERNAL = 4


class NtkcliError(Exception):
    """Base of every error ntkcli reports as one line on stderr."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(NtkcliError):
    exit_code = EXIT_USAGE


class InputError(NtkcliError):
    exit_code = EXIT_INPUT


class SourceNotFound(InputError):
    pass


class HubError(InputError):
    pass


class ConfigError(InputError):
    pass
