"""Small readers over a Resolution shared by several rule modules (no arithmetic beyond reading)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from ntkcli.model import Resolution
from ntkcli.vllm.rope_params import primary_layer


def params(r: Resolution) -> dict[str, Any]:
    """The rope parameters get_rope sees (the described layer when nested)."""
    return primary_layer(r.rope_parameters)[1]


def number(value: Any) -> float | None:
    """A finite real number, or None (JSON configs may hold anything)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def overrides_json(value: Mapping[str, Any]) -> str:
    """An --hf-overrides value a user can paste into a shell."""
    return "--hf-overrides '" + json.dumps(value) + "'"


def theta(r: Resolution) -> float | None:
    """The config's own θ (rope_theta / rotary_emb_base after normalisation, §3)."""
    return number(primary_layer(r.normalised_rope)[1].get("rope_theta"))


def is_new(r: Resolution) -> bool:
    return r.request.vllm.line == "new"
