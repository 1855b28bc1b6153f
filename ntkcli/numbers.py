"""The one number formatter of human output: tables, findings, formulas and notes all write
numbers through these functions, so a θ' reads the same in `inspect`, `diff`, `compare` and a
validate finding. (JSON writes numbers as numbers: console.json_text.)

- `exact`: full precision (repr), so a number can be checked to its last digit; a complex base
  says so.
- `compact`: full precision, but an integral float without ".0" (2048, not 2048.0) while it is an
  exact integer (|x| < 2**53): for formulas and sentences.
- `grouped`: an integer with thousands separators (131,072).
- `byte_size`: bytes in binary units, with the exact count.

None (no value) is written "—" by all of them.
"""

from __future__ import annotations

MISSING = "—"
EXACT_INT = 2**53  # beyond it a float no longer holds every integer: keep its repr


def exact(value: complex | str | None) -> str:
    """repr of a number ("1e-05", "10000.0"), "(a+bj) (complex)" for a complex one; a string
    (an engine's "per input" base) is shown as it is."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, complex):
        return f"{value!r} (complex)"
    return repr(value)


def compact(value: complex | None) -> str:
    """repr, but 2048 rather than 2048.0."""
    if value is None:
        return MISSING
    if isinstance(value, float) and value.is_integer() and abs(value) < EXACT_INT:
        return str(int(value))
    return repr(value)


def grouped(value: int | None) -> str:
    return MISSING if value is None else f"{value:,}"


def byte_size(value: int | None, exact_count: bool = True) -> str:
    """1.5 GiB (1,610,612,736 B); `exact_count` False: 1.5 GiB."""
    if value is None:
        return MISSING
    if value < 1024:
        return f"{value:,} B"
    size = value / 1024
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            break
        size /= 1024
    return f"{size:.1f} {unit}" + (f" ({value:,} B)" if exact_count else "")
