"""Which config class vLLM builds (SPEC §2.2–§2.4; R20–R22): an unknown remote class, keys the
native class silently ignores, and a model type with no native class."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ntkcli.checks.registry import Issue, Rule, register
from ntkcli.model import Resolution, would
from ntkcli.numbers import compact


def unknown_remote_class(r: Resolution) -> Iterator[Issue]:
    if r.config_origin != "remote" or r.config_class_known:
        return
    auto_map = r.raw.config.get("auto_map")
    ref = auto_map.get("AutoConfig") if isinstance(auto_map, dict) else r.config_class
    yield Issue(
        f"config class {ref} (auto_map.AutoConfig, --trust-remote-code) is not known to ntkcli: "
        "config.json is read as is, without that class's own defaults or attribute aliases, so "
        "lengths and RoPE may differ from what vLLM sees",
        "check the repository's configuration_*.py for defaults of max_position_embeddings, "
        "rope_theta and rope_scaling, and pass them explicitly with --hf-overrides",
    )


# Nomic keys the native NomicBertConfig keeps only as plain attributes vLLM never reads for RoPE
# or length (SPEC §2.4.2–§2.4.4); rotary_scaling_factor is R04's.
NOMIC_IGNORED = {
    "rotary_emb_base": "θ is the class default_theta 1000.0",
    "n_positions": "the length comes from max_position_embeddings (class default 2048)",
    "n_head": "num_attention_heads is the class field (default 12)",
}


def _no_difference(r: Resolution, key: str, value: Any) -> bool:
    """Whether vLLM ends up with that value anyway, or (n_positions, §2.4.2) reads the key."""
    if key == "rotary_emb_base":
        return r.rotary is not None and value == r.rotary.base
    if key == "n_positions":
        d = r.derived
        return d is not None and (d.key == "n_positions" or d.config_value == value)
    heads = r.raw.config.get("num_attention_heads")  # n_head: the class field (default 12)
    return value == heads or ("num_attention_heads" not in r.raw.config and value == 12)


def ignored_by_native_class(r: Resolution) -> Iterator[Issue]:
    if r.config_origin != "native" or r.model_type != "nomic_bert":
        return
    json_config = r.raw.config
    for key, instead in NOMIC_IGNORED.items():
        if key in json_config and not _no_difference(r, key, json_config[key]):
            yield Issue(
                f"{key}={compact(json_config[key])} is ignored by the native NomicBertConfig "
                f"that vLLM builds without --trust-remote-code: {instead}",
                "pass --trust-remote-code to use the repository's own config class (as "
                "sentence-transformers does), or set the transformers name of the key "
                "(max_position_embeddings, rope_parameters.rope_theta, num_attention_heads) in "
                "--hf-overrides",
            )


def no_native_class(r: Resolution) -> Iterator[Issue]:
    ref = r.refusal
    if ref is None or ref.cause != "load:no_native_class":
        return
    yield Issue(
        f"vLLM {would(ref.verb)}: {ref.error}: transformers has no native config class for "
        f"model_type {r.model_type!r}, and without --trust-remote-code it does not load the "
        "repository's own class",
        "pass --trust-remote-code (vLLM's flag of the same name) if you trust the repository's "
        "code; ntkcli itself never runs it",
    )


register(
    Rule(
        "R20",
        "info",
        "remote config class unknown to ntkcli (best-effort answer)",
        unknown_remote_class,
    ),
    Rule(
        "R21",
        "warning",
        "config keys the native config class silently ignores",
        ignored_by_native_class,
    ),
    Rule("R22", "error", "no native config class and no --trust-remote-code", no_native_class),
)
