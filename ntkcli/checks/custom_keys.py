"""Custom scaling keys vLLM never reads (SPEC §7 R13)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from ntkcli.checks.common import overrides_json
from ntkcli.checks.registry import Issue, Rule, register
from ntkcli.model import Resolution
from ntkcli.numbers import compact

# key → what the model's own (remote) code does with it. vLLM builds RoPE from
# rope_scaling/rope_parameters only (§3), so none of these reach get_rope.
CUSTOM_KEYS: Mapping[str, str] = {
    "use_dynamic_ntk": "Qwen(1) remote code: dynamic NTK per sequence beyond seq_length",
    "use_logn_attn": "Qwen(1) remote code: log-n attention scaling beyond seq_length",
    "rotary_scaling_factor": "dynamic NTK factor of Nomic-style remote code",
}


def custom_scaling_keys(r: Resolution) -> Iterator[Issue]:
    if r.model_type == "nomic_bert" or r.nomic is not None:
        return  # rotary_scaling_factor on Nomic configs is R04
    rot = r.rotary
    built = (
        f"vLLM builds {rot.rope_class} with θ {compact(rot.base)} and max_model_len "
        f"{compact(r.max_model_len)}"
        if rot is not None
        else "vLLM ignores it"
    )
    for key, meaning in CUSTOM_KEYS.items():
        value = r.config_values.get(key)
        if not value:
            continue
        hint = "nothing to change if the trained length is enough"
        if key == "use_dynamic_ntk" and rot is not None:
            base = int(rot.base) if rot.base.is_integer() else rot.base
            override = {
                "rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": base}
            }
            hint = (
                f"serve ≤ {compact(r.max_model_len)} tokens as trained, or opt in to vLLM's own "
                f"scaling with {overrides_json(override)} (then check R03/R05)"
            )
        yield Issue(f"{key}={json.dumps(value)} ({meaning}) is not read by vLLM: {built}", hint)


register(
    Rule(
        "R13",
        "info",
        "custom scaling keys (Qwen use_dynamic_ntk, …) that vLLM does not apply",
        custom_scaling_keys,
    ),
)
