"""Cross-check with transformers (validate only): build a config from the raw dict and run
transformers' own `standardize_rope_params()` and `validate_rope()` on it (SPEC §3 is what they
implement). Exceptions become T01 (error) findings; warnings transformers logs on its
`transformers` logger while doing so become T02 (warning) findings; T03 (info) says when the
cross-check could not run.

transformers is imported inside `cross_check` only (the first call pays ~1.5–2 s, mostly torch);
`inspect` never calls this module. Each later call costs well under a millisecond: a generic
`PreTrainedConfig`, not the model's own class (building a model class costs 5–20 ms, and
importing its module ~1.5 s, which 1,000 configs cannot afford). When the generic check reports
unrecognised keys, it is re-run with the class attributes that steer RoPE validation copied from
transformers' own config class for the model_type (`ignore_keys_at_rope_validation`,
`default_rope_type`, `_rope_type_labels`), so e.g. Qwen3.5's mrope_section is not a false
positive; settings a class makes in its `__init__` are not copied.
"""

from __future__ import annotations

import copy
import importlib.util
import logging
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ntkcli.model import Finding

ROPE_KEYS = ("rope_scaling", "rope_parameters")
HINT = (
    "fix rope_scaling/rope_parameters as the message says: transformers (and "
    "sentence-transformers) load the config with this code"
)


def available() -> bool:
    """Whether transformers is installed, without importing it."""
    return importlib.util.find_spec("transformers") is not None


def standardisable(values: Mapping[str, Any], dict_overrides: Mapping[str, Any]) -> bool:
    """transformers standardises configs with a rope dict or rope_theta; configs that only know
    legacy keys (rotary_emb_base: Nomic, Qwen(1)) are outside what it can check."""
    return (
        any(
            isinstance(v, dict) and v
            for v in (
                *(values.get(k) for k in ROPE_KEYS),
                *(dict_overrides.get(k) for k in ROPE_KEYS),
            )
        )
        or values.get("rope_theta") is not None
    )


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _captured(logger: logging.Logger) -> Iterator[list[str]]:
    """Route the transformers logger's warnings to a list (and nowhere else) for a moment."""
    handler = _Capture()
    saved = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FutureWarnings about deprecated names: not ours
            yield handler.messages
    finally:
        logger.handlers, logger.propagate = saved[0], saved[1]
        logger.setLevel(saved[2])


CLASS_SWITCHES = ("ignore_keys_at_rope_validation", "default_rope_type", "_rope_type_labels")
UNRECOGNISED = "Unrecognized keys"


def _class_switches(model_type: Any) -> dict[str, Any]:
    """The RoPE-validation class attributes of transformers' own config class for model_type.
    Importing a model's configuration module costs ~1.5 s, so this runs only when the generic
    check reports unrecognised keys (the one finding these switches can change)."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    if not isinstance(model_type, str) or model_type not in CONFIG_MAPPING:
        return {}
    cls = CONFIG_MAPPING[model_type]
    return {name: copy.copy(getattr(cls, name)) for name in CLASS_SWITCHES if hasattr(cls, name)}


def _run(
    kwargs: Mapping[str, Any], rope: Any, switches: Mapping[str, Any]
) -> tuple[str | None, list[str]]:
    """(the exception, as 'step() raises Type: message', or None; the logged warnings)."""
    from transformers.configuration_utils import PreTrainedConfig
    from transformers.utils import logging as tf_logging

    logger = logging.getLogger("transformers")
    with _captured(logger):
        config = PreTrainedConfig(**copy.deepcopy(dict(kwargs)))
    for name, value in switches.items():
        setattr(config, name, value)
    config.rope_parameters = copy.deepcopy(rope) if isinstance(rope, dict) else None
    # warning_once is an lru_cache: clear it so each config reports its own warnings.
    tf_logging.warning_once.cache_clear()
    step = "standardize_rope_params"
    with _captured(logger) as messages:
        try:
            config.standardize_rope_params()
            step = "validate_rope"
            config.validate_rope()
        except AttributeError:
            raise  # the generic class lacks a default the model's class has: not a finding
        except Exception as exc:
            return f"{step}() raises {type(exc).__name__}: {exc}", list(dict.fromkeys(messages))
    return None, list(dict.fromkeys(messages))


def cross_check(values: Mapping[str, Any], dict_overrides: Mapping[str, Any]) -> list[Finding]:
    """Findings from transformers for one config (flat overrides already in `values`; dict
    overrides for rope_scaling/rope_parameters replace the config's rope dict, as in vLLM)."""
    if not standardisable(values, dict_overrides):
        return []
    import transformers

    version = transformers.__version__
    rope: Any = values.get("rope_scaling") or values.get("rope_parameters")
    for key in ROPE_KEYS:
        if isinstance(dict_overrides.get(key), dict):
            rope = dict_overrides[key]
    kwargs = {k: v for k, v in values.items() if k not in ROPE_KEYS}
    try:
        error, messages = _run(kwargs, rope, {})
        if any(m.startswith(UNRECOGNISED) for m in messages):
            switches = _class_switches(values.get("model_type"))
            if switches:
                error, messages = _run(kwargs, rope, switches)
    except Exception as exc:  # the constructor rejects the dict, or a class default is missing
        return [
            Finding(
                "T03",
                "info",
                f"transformers {version} could not check this config with a generic "
                f"PreTrainedConfig ({type(exc).__name__}: {exc}); cross-check skipped"[:300],
                "nothing to do for vLLM; see the message if transformers must load it",
            )
        ]
    findings = [Finding("T01", "error", f"transformers {version} {error}", HINT)] if error else []
    findings += [
        Finding("T02", "warning", f"transformers {version} warns: {m}", HINT) for m in messages
    ]
    return findings


def not_installed() -> Finding:
    return Finding(
        "T03",
        "info",
        "transformers is not installed: the transformers cross-check was skipped",
        "pip install 'ntkcli[reference]', or drop --transformers-check",
    )
