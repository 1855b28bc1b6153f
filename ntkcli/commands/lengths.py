"""The one length grammar of every command, parsed here at the edge; the core gets plain ints.

A length is what vLLM's own `--max-model-len` parser accepts (`human_readable_int` in
vllm/engine/arg_utils.py):

    8192       a plain integer
    8k  25.6k  a decimal suffix: k = 10**3, m = 10**6, g = 10**9, t = 10**12 (decimals allowed)
    8K  32K    a binary suffix: K = 2**10, M = 2**20, G = 2**30, T = 2**40 (integers only)

vLLM computes a decimal suffix as int(float(number) * multiplier), so it truncates, as here
(`4.35k` → 4349 in vLLM as well). `-1` and `auto` mean "let vLLM pick" where that is allowed.

Several lengths: a comma list `512,2048,8192`, and ranges `512..8192` (doubling from A, with B
always included: 512,1024,2048,4096,8192). `plot` gives a single range its own log-spaced grid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import typer

from ntkcli.errors import UsageError
from ntkcli.model import MAX_LENGTH, MAX_LENGTHS, MAX_POINTS

_SUFFIXED = re.compile(r"(\d+(?:\.\d+)?)([kKmMgGtT])")
_DECIMAL = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
_BINARY = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
EXAMPLES = "e.g. 8192, 8k (8000), 8K (8192) or 25.6k"


def parse_length(text: str, flag: str, *, auto: bool = False) -> int | None:
    """One length; None for `-1`/`auto` when `auto` allows them (vLLM picks)."""
    value = text.strip()
    if auto and value.lower() in ("-1", "auto"):
        return None
    match = _SUFFIXED.fullmatch(value)
    number: int
    if match:
        digits, suffix = match.groups()
        if suffix in _DECIMAL:
            number = int(float(digits) * _DECIMAL[suffix])
        elif "." in digits:
            raise UsageError(
                f"{flag} {value!r}: a binary suffix ({suffix}) takes a whole number",
                hint=f"use {digits}{suffix.lower()} (×1000) instead, as vLLM suggests",
            )
        else:
            number = int(digits) * _BINARY[suffix]
    else:
        try:
            number = int(value)
        except ValueError:
            allowed = ", or -1 / auto to let vLLM pick" if auto else ""
            raise UsageError(
                f"{flag} {value!r} is not a length", hint=f"give a length, {EXAMPLES}{allowed}"
            ) from None
    if not 1 <= number <= MAX_LENGTH:
        allowed = " (or -1 to let vLLM pick)" if auto else ""
        raise UsageError(
            f"{flag} {value!r} is out of range",
            hint=f"a length is from 1 to {MAX_LENGTH}{allowed}",
        )
    return number


def _required(text: str, flag: str) -> int:
    number = parse_length(text, flag)
    assert number is not None  # auto is off: a number or an error
    return number


@dataclass(frozen=True)
class LengthList:
    """What a list option asked for: the lengths in order, and the single range, if that was
    all it was (plot spaces a lone range on a log axis)."""

    lengths: tuple[int, ...]
    lone_range: tuple[int, int] | None = None


def parse_lengths(values: str | list[str], flag: str) -> LengthList:
    """`512,2048` and `512..8192` (repeatable): lengths in order, duplicates dropped."""
    texts = [values] if isinstance(values, str) else values
    items = [part.strip() for text in texts for part in text.split(",")]
    if not items or not all(items):
        raise UsageError(f"{flag}: an empty length", hint=f"e.g. {flag} 512,2048 or 512..8192")
    found: list[int] = []
    lone: tuple[int, int] | None = None
    for item in items:
        if ".." in item:
            low_text, _, high_text = item.partition("..")
            low, high = _required(low_text, flag), _required(high_text, flag)
            if low >= high:
                raise UsageError(
                    f"{flag} {item!r}: a range must go up", hint=f"e.g. {flag} 512..8192"
                )
            if len(items) == 1:
                lone = (low, high)
            step = low
            while step < high and len(found) <= MAX_LENGTHS:
                found.append(step)
                step *= 2
            found.append(high)
        else:
            found.append(_required(item, flag))
    unique = tuple(dict.fromkeys(found))
    if len(unique) > MAX_LENGTHS and lone is None:
        raise UsageError(
            f"{flag}: {len(unique)} lengths or more, at most {MAX_LENGTHS}",
            hint="give fewer lengths or a narrower range",
        )
    return LengthList(unique[:MAX_LENGTHS] if lone else unique, lone)


PLOT_HINT = "use a range such as 256..32768 or a list such as 512,1024,8192"


def parse_plot_lengths(text: str | None, flag: str = "--lengths") -> LengthList | None:
    """plot's `--lengths`: one range `A..B` (log-spaced by plot: `lone_range`) or a comma list of
    at least two different lengths (sorted), each length in the grammar above. None: default."""
    if text is None or not text.strip():
        return None
    if ".." in text and "," not in text:
        low_text, _, high_text = text.strip().partition("..")
        low, high = _required(low_text, flag), _required(high_text, flag)
        if low >= high:
            raise UsageError(f"{flag} {text!r}: the range must go up (A < B)", hint=PLOT_HINT)
        return LengthList((low, high), (low, high))
    parts = [p.strip() for p in text.split(",")]
    if not all(parts) or any(".." in p for p in parts):
        raise UsageError(f"{flag} {text!r} is neither A..B nor a comma list", hint=PLOT_HINT)
    values = sorted({_required(p, flag) for p in parts})
    if len(values) < 2:
        raise UsageError(f"{flag} {text!r}: give at least two different lengths", hint=PLOT_HINT)
    if len(values) > MAX_POINTS:
        raise UsageError(f"{flag}: {len(values)} lengths, at most {MAX_POINTS}", hint=PLOT_HINT)
    return LengthList(tuple(values))


def length_parser(
    flag: str, *, auto: bool = False, allow_zero: bool = False
) -> Callable[[str], int | None]:
    """A Typer `parser=` for one length option, so `--max-model-len 8k` arrives as 8000."""

    def parse(value: str | int | None) -> int | None:
        if value is None or isinstance(value, int):
            return value
        if allow_zero and value.strip() == "0":  # `--short 0`: off
            return 0
        try:
            return parse_length(value, flag, auto=auto)
        except UsageError as exc:
            raise BadLength(exc.message, exc.hint) from None

    return parse


class BadLength(typer.BadParameter):
    """click's bad-parameter error, carrying the hint for the one-line error."""

    def __init__(self, message: str, hint: str | None) -> None:
        super().__init__(message)
        self.hint = hint

    def format_message(self) -> str:
        return self.message
