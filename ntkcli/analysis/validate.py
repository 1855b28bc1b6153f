"""`validate` as a library call: expand inputs (Hub ids, files, directories searched for
config.json), resolve each for one request, run the rules (ntkcli.checks) and, optionally, the
transformers cross-check; drop ignored rule ids; count. Unreadable inputs are results too (exit 3
at the end), so one broken file never hides the others' findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ntkcli import checks, discover, sources
from ntkcli.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, NtkcliError
from ntkcli.fields import Prop, json_field
from ntkcli.model import Finding, RawConfig, Request, Resolution
from ntkcli.references import transformers_validate
from ntkcli.sources import HubOptions
from ntkcli.vllm.overrides import split_overrides
from ntkcli.vllm.pipeline import resolve


@dataclass(frozen=True)
class Unreadable:
    message: str = field(metadata=json_field(description="Why the input could not be read."))
    hint: str | None


@dataclass(frozen=True)
class InputResult:
    model: str  # readable name (Hub id, path, or org/name for an HF cache snapshot)
    given: str = field(  # the command-line input it came from
        metadata=json_field("input", description="The command-line input it came from.")
    )
    # None when unreadable; when readable, its keys are written beside these (serialize.validate)
    resolution: Resolution | None = field(
        metadata=json_field(
            omit="always",
            props=(
                Prop(
                    "max_model_len",
                    "resolution.max_model_len",
                    unit="tokens",
                    description="What vLLM serves; null: it refuses or the input is unreadable.",
                ),
            ),
        )
    )
    findings: tuple[Finding, ...] = ()  # after --ignore
    ignored: int = field(  # findings dropped by --ignore / settings
        default=0,
        metadata=json_field("ignored_findings", description="Findings dropped by --ignore."),
    )
    error: Unreadable | None = field(
        default=None, metadata=json_field(description="Null unless the input was unreadable.")
    )

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


@dataclass(frozen=True)
class Report:
    results: tuple[InputResult, ...]
    strict: bool
    cross_check: str  # "on", "off (--no-transformers)", "not installed"

    def total(self, severity: str) -> int:
        return sum(r.count(severity) for r in self.results)

    @property
    def unreadable(self) -> int:
        return sum(1 for r in self.results if r.error is not None)

    @property
    def exit_code(self) -> int:
        """3 when an input was unreadable (it wins: the run is incomplete), else 1 for an
        error-level finding (or a warning under --strict), else 0."""
        if self.unreadable:
            return EXIT_INPUT
        if self.total("error") or (self.strict and self.total("warning")):
            return EXIT_FINDINGS
        return EXIT_OK


@dataclass(frozen=True)
class _Target:
    given: str
    label: str | None = None  # set for configs found under a directory
    found: discover.FoundConfig | None = None
    problem: str | None = None


def _is_dir(given: str) -> bool | str:
    """True/False, or why the input cannot even be looked at (a symlink loop, ~nobody/...)."""
    try:
        return Path(given).expanduser().is_dir()
    except (OSError, RuntimeError, ValueError) as exc:
        return f"cannot read {given}: {getattr(exc, 'strerror', None) or exc}"


def _targets(inputs: Iterable[str], follow_symlinks: bool) -> Iterator[_Target]:
    for given in inputs:
        is_dir = _is_dir(given)
        if isinstance(is_dir, str):
            yield _Target(given, given, problem=is_dir)
            continue
        if not is_dir:
            yield _Target(given)
            continue
        path = Path(given).expanduser()
        found, problems = discover.find_configs(path, follow_symlinks)
        for p in problems:
            yield _Target(given, str(p.path), problem=p.message)
        if not found and not problems:
            yield _Target(given, given, problem=f"{given}: no config.json found under it")
        for f in found:
            yield _Target(given, f.label, f)


def _load(target: _Target, hub: HubOptions) -> RawConfig:
    if target.found is None:
        return sources.load(target.given, hub)
    raw = sources.load_local(str(target.found.path))
    source = raw.source
    if target.found.cache:
        source = replace(source, kind="cache", revision=target.found.revision)
    return replace(raw, model=target.found.label, source=source)


def validate(
    inputs: Iterable[str],
    request: Request,
    hub: HubOptions,
    ignore: frozenset[str] = frozenset(),
    strict: bool = False,
    cross_check: bool = True,
    follow_symlinks: bool = False,
) -> Report:
    installed = cross_check and transformers_validate.available()
    _, dict_overrides = split_overrides(request.hf_overrides)
    results: list[InputResult] = []
    for target in _targets(inputs, follow_symlinks):
        label = target.label or target.given
        if target.problem is not None:
            results.append(
                InputResult(label, target.given, None, error=Unreadable(target.problem, None))
            )
            continue
        try:
            raw = _load(target, hub)
            resolution = resolve(raw, request)
            found = checks.check(resolution)
            if cross_check and transformers_validate.standardisable(
                resolution.config_values, dict_overrides
            ):
                found += (
                    transformers_validate.cross_check(resolution.config_values, dict_overrides)
                    if installed
                    else [transformers_validate.not_installed()]
                )
        except NtkcliError as exc:
            results.append(
                InputResult(label, target.given, None, error=Unreadable(exc.message, exc.hint))
            )
            continue
        except (OSError, RuntimeError, ValueError, ArithmeticError, TypeError, KeyError) as exc:
            # One input ntkcli cannot handle (a bug, or a file the OS refuses) is that input's
            # result, never the end of the run: the others are still checked and reported.
            why = getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"
            results.append(
                InputResult(
                    label,
                    target.given,
                    None,
                    error=Unreadable(
                        f"could not check {label}: {str(why)[:200]}",
                        "if the file is a valid config, please report it via "
                        "https://pypi.org/project/ntkcli/",
                    ),
                )
            )
            continue
        found.sort(key=lambda f: (checks.SEVERITY_ORDER[f.severity], f.id))
        kept = tuple(f for f in found if f.id not in ignore)
        resolution = replace(resolution, findings=kept)
        results.append(
            InputResult(raw.model, target.given, resolution, kept, len(found) - len(kept))
        )
    state = "on" if installed else ("not installed" if cross_check else "off")
    return Report(tuple(results), strict, state)
