"""diff's command-line inputs: the bare-parameter flags checked into BareParams, the memory
budget and `--real-caches`' torch check. Every problem is a usage error naming its flag; the
analysis layer (ntkcli/analysis/diff.py) takes the typed values."""

from __future__ import annotations

import importlib.util
import math

from ntkcli.analysis.diff import REAL_CACHES_FLAG, TORCH_HINT, BareParams
from ntkcli.errors import NtkcliError, UsageError
from ntkcli.model import DTYPES, MAX_LENGTH, MAX_ROTARY_DIM


def bare_params(
    base: float | None,
    factor: float | None,
    rotary_dim: int | None,
    max_position: int | None,
    trained_positions: int | None,
    head_size: int | None,
    dtype: str,
) -> BareParams:
    """Validate bare numbers; every problem is a usage error (exit 2) that says why."""
    missing = [
        flag
        for flag, value in (
            ("--base", base),
            ("--factor", factor),
            ("--rotary-dim", rotary_dim),
            ("--max-position", max_position),
            ("--max-trained-positions", trained_positions),
        )
        if value is None
    ]
    if missing:
        raise UsageError(
            f"bare-parameter mode needs {', '.join(missing)}",
            hint="give --base θ --factor α --rotary-dim d --max-position L "
            "--max-trained-positions T (or --lengths instead of --max-position)",
        )
    assert base is not None and factor is not None and rotary_dim is not None
    assert max_position is not None and trained_positions is not None
    if not math.isfinite(base) or base <= 0:
        raise UsageError(
            f"--base must be a finite number > 0, got {base!r}",
            hint="RoPE bases are positive, e.g. 10000 (see `ntkcli rule R11`)",
        )
    if not math.isfinite(factor) or factor <= 0:
        raise UsageError(
            f"--factor must be a finite number > 0, got {factor!r}",
            hint="dynamic-NTK factors are positive, e.g. 2.0 (see `ntkcli rule R11`)",
        )
    if rotary_dim < 1:
        raise UsageError(f"--rotary-dim must be an integer ≥ 1, got {rotary_dim}")
    if rotary_dim > MAX_ROTARY_DIM or (head_size is not None and head_size > MAX_ROTARY_DIM):
        option = "--rotary-dim" if rotary_dim > MAX_ROTARY_DIM else "--head-size"
        raise UsageError(
            f"{option} must be at most {MAX_ROTARY_DIM}, got "
            f"{rotary_dim if option == '--rotary-dim' else head_size}",
            hint="real models use rotary dims of 32 to 512",
        )
    if rotary_dim == 2:
        raise UsageError(
            "--rotary-dim 2 makes the NTK exponent d/(d − 2) a division by zero: vLLM raises "
            "ZeroDivisionError building DynamicNTKScalingRotaryEmbedding, in both versions",
            hint="use an even rotary dim ≥ 4 (see `ntkcli rule R11`)",
        )
    if rotary_dim % 2:
        raise UsageError(
            f"--rotary-dim must be even, got {rotary_dim}: the cache is a cos half and a sin half",
            hint="use an even rotary dim ≥ 4 (see `ntkcli rule R11`)",
        )
    if dtype not in DTYPES:
        raise UsageError(f"--dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    head = rotary_dim if head_size is None else head_size
    if head < rotary_dim:
        raise UsageError(
            f"--head-size {head} is smaller than --rotary-dim {rotary_dim}",
            hint="the rotary dim is the part of a head that is rotated: d ≤ head size",
        )
    for flag, value in (
        ("--max-position", max_position),
        ("--max-trained-positions", trained_positions),
    ):
        if not 1 <= value <= MAX_LENGTH:
            raise UsageError(f"{flag} must be an integer between 1 and {MAX_LENGTH}, got {value}")
    return BareParams(
        base=float(base),
        factor=float(factor),
        rotary_dim=rotary_dim,
        max_position=max_position,
        trained_positions=trained_positions,
        head_size=head,
        dtype=dtype,
    )


def check_max_bytes(value: int) -> int:
    if value < 1:
        raise UsageError(f"--max-bytes must be ≥ 1, got {value}", hint="the default is 1 GiB")
    return value


def require_torch() -> None:
    """--real-caches in an install without torch: one error line naming the extra (exit 3).
    Found, not imported: a diff over the budget never loads torch."""
    if importlib.util.find_spec("torch") is None:
        raise NtkcliError(
            f"{REAL_CACHES_FLAG} needs torch, which is not installed", hint=TORCH_HINT
        )
