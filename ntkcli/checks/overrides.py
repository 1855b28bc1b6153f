"""hf_overrides rules (SPEC §3.1, §7 R06)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ntkcli.checks.common import overrides_json, theta
from ntkcli.checks.registry import Issue, Rule, register
from ntkcli.model import DEFAULT_THETA, Resolution
from ntkcli.numbers import compact
from ntkcli.vllm.rope_params import is_nested


def _layers(value: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    if is_nested(value):
        return [(f"rope_parameters.{k}", v) for k, v in value.items() if isinstance(v, dict)]
    return [("rope_parameters", value)]


def unnormalised_rope_override(r: Resolution) -> Iterator[Issue]:
    # §3.1: a dict-valued rope_parameters override replaces the attribute wholesale and is never
    # normalised. (A dict rope_scaling override goes through transformers' alias instead.)
    override = r.request.hf_overrides.get("rope_parameters")
    if not isinstance(override, dict):
        return
    config_theta = theta(r)
    for where, layer in _layers(override):
        fixed = dict(layer)
        if "rope_type" not in layer:
            legacy = layer.get("type")
            fixed.pop("type", None)
            fixed["rope_type"] = legacy if isinstance(legacy, str) else "default"
            spelled = (
                f"spells the type as 'type' ({legacy!r})"
                if "type" in layer
                else ("has no 'rope_type'")
            )
            yield Issue(
                f"--hf-overrides {where} {spelled}: dict overrides are not normalised, so vLLM "
                "crashes with KeyError: 'rope_type'",
                f"spell it rope_type: {overrides_json({'rope_parameters': fixed})}",
            )
        if "rope_theta" not in layer and config_theta != DEFAULT_THETA:
            fixed["rope_theta"] = config_theta
            model_base = "has no θ" if config_theta is None else f"has θ = {compact(config_theta)}"
            yield Issue(
                f"--hf-overrides {where} has no rope_theta: get_rope falls back to θ = "
                f"{compact(DEFAULT_THETA)} while the model {model_base}",
                f"add rope_theta: {overrides_json({'rope_parameters': fixed})}",
            )


register(
    Rule(
        "R06",
        "error",
        "dict override rope_parameters without rope_theta / without rope_type",
        unnormalised_rope_override,
    ),
)
