"""A read-only view of a config dict that answers attribute look-ups the way a transformers
config object would (SPEC §2): GPT-2-style aliases and class defaults for nomic_bert, and typed,
validated accessors so that a wrong value becomes a one-line ConfigError, never a crash.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ntkcli.configs.config_object import NOMIC_REMOTE
from ntkcli.errors import ConfigError
from ntkcli.model import MAX_LENGTH

_MISSING: Any = object()

# SPEC §2.3: the remote Nomic class's aliases and defaults, held once by the config layer.
NOMIC_ALIASES: Mapping[str, str] = NOMIC_REMOTE.aliases
NOMIC_DEFAULTS: Mapping[str, Any] = NOMIC_REMOTE.defaults

# Lengths beyond this are not a model config anyone can serve; treat them as corrupt input.
MAX_SANE_LENGTH = MAX_LENGTH


def _describe(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
        type(None): "null",
    }
    kind = names.get(type(value), type(value).__name__)
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({kind})"


class HFConfig:
    """Attribute look-ups over a plain dict, with nomic_bert aliases and defaults."""

    def __init__(
        self,
        values: Mapping[str, Any],
        origin: str = "config.json",
        overridden: Iterable[str] = (),
    ) -> None:
        model_type = values.get("model_type", "")
        if not isinstance(model_type, str):
            raise ConfigError(
                f"{origin}: 'model_type' must be a string, got {_describe(model_type)}",
                hint="fix 'model_type' in config.json",
            )
        self.model_type: str = model_type
        self.is_nomic = self.model_type == "nomic_bert"
        resolved = dict(values)
        if self.is_nomic:
            # transformers sets the alias (a kwarg) after the class stored the canonical key, so
            # the alias wins when a config has both (e.g. the transformers-5 rewrite of v1.5).
            for alias, canonical in NOMIC_ALIASES.items():
                if alias in resolved:
                    resolved[canonical] = resolved.pop(alias)
        self._values = resolved
        self.origin = origin
        self.overridden = frozenset(overridden)

    # -- raw access -------------------------------------------------------------------------
    def _key(self, key: str) -> str:
        return NOMIC_ALIASES.get(key, key) if self.is_nomic else key

    def has(self, key: str) -> bool:
        """True when the config itself (not a class default) sets the key."""
        return self._key(key) in self._values

    def is_default(self, key: str) -> bool:
        return not self.has(key) and self.is_nomic and self._key(key) in NOMIC_DEFAULTS

    def get(self, key: str, default: Any = None) -> Any:
        """getattr(config, key, default) on the transformers config object."""
        k = self._key(key)
        if k in self._values:
            return self._values[k]
        if self.is_nomic and k in NOMIC_DEFAULTS:
            return NOMIC_DEFAULTS[k]
        return default

    def with_updates(self, updates: Mapping[str, Any]) -> HFConfig:
        """setattr for each key (through the aliases), as vLLM applies flat hf_overrides."""
        values = dict(self._values)
        for key, value in updates.items():
            values[self._key(key)] = value
        return HFConfig(values, self.origin, self.overridden | {self._key(k) for k in updates})

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    # -- typed access -----------------------------------------------------------------------
    def where(self, key: str) -> str:
        return "hf_overrides" if self._key(key) in self.overridden else self.origin

    def _bad(self, key: str, value: Any, expected: str) -> ConfigError:
        key = self._key(key)  # name the key as the config spells it (n_head, not its alias)
        return ConfigError(
            f"{self.where(key)}: '{key}' must be {expected}, got {_describe(value)}",
            hint=f"fix '{key}' in the config or override it with --hf-overrides",
        )

    def int_or_none(self, key: str, *, minimum: int = 1) -> int | None:
        """An integer ≥ minimum (floats with an integral value are accepted, as Python would)."""
        value = self.get(key)
        if value is None:
            return None
        return self.check_int(key, value, minimum=minimum)

    def check_int(self, key: str, value: Any, *, minimum: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._bad(key, value, f"an integer ≥ {minimum}")
        if isinstance(value, float):
            if not math.isfinite(value) or value != int(value):
                raise self._bad(key, value, f"an integer ≥ {minimum}")
            value = int(value)
        if value < minimum or value > MAX_SANE_LENGTH:
            raise self._bad(key, value, f"an integer from {minimum} to {MAX_SANE_LENGTH}")
        return int(value)

    def float_or_none(self, key: str) -> float | None:
        value = self.get(key)
        if value is None:
            return None
        return self.check_float(key, value)

    def check_float(self, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._bad(key, value, "a finite number")
        if not math.isfinite(value):
            raise self._bad(key, value, "a finite number")
        return float(value)

    def str_or_none(self, key: str) -> str | None:
        value = self.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self._bad(key, value, "a string")

    def dict_or_none(self, key: str) -> dict[str, Any] | None:
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._bad(key, value, "an object (JSON dict) or null")
        return dict(value)
