"""vLLM's --hf-overrides semantics (SPEC §3.1): flat (non-dict) values are plain key updates applied
when the config is loaded; dict values replace the attribute wholesale after normalisation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ntkcli.errors import UsageError
from ntkcli.sources import MAX_JSON_DEPTH, loads_bounded


def parse_hf_overrides(text: str | None) -> dict[str, Any]:
    """Parse the --hf-overrides JSON object; a usage error (exit 2) when it is not one."""
    if text is None or not text.strip():
        return {}

    def fail(message: str) -> UsageError:
        return UsageError(
            f"--hf-overrides: {message}",
            hint="give the overrides a real config would hold",
        )

    try:
        value = loads_bounded(text, fail)
    except RecursionError:
        raise fail(f"nests deeper than {MAX_JSON_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"--hf-overrides is not valid JSON: {exc}",
            hint="quote it for your shell, e.g. --hf-overrides '{\"rope_parameters\": {...}}'",
        ) from None
    if not isinstance(value, dict):
        raise UsageError(
            f"--hf-overrides must be a JSON object, got {type(value).__name__}",
            hint="for example --hf-overrides '{\"max_trained_positions\": 4096}'",
        )
    return value


def split_overrides(overrides: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(flat, dict-valued) as vLLM applies them at two different moments."""
    flat = {k: v for k, v in overrides.items() if not isinstance(v, dict)}
    nested = {k: v for k, v in overrides.items() if isinstance(v, dict)}
    return flat, nested
