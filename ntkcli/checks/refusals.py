"""Other vLLM refusals (SPEC §3.3, §4.4; R14–R16, R19). R08, R09, R17 live with their topics."""

from __future__ import annotations

from collections.abc import Iterator

from ntkcli.checks.common import params
from ntkcli.checks.registry import Issue, Rule, register
from ntkcli.model import Refusal, RefusalCause, Resolution, would
from ntkcli.vllm.get_rope import BUILDERS

KNOWN_TYPES = ", ".join(sorted(BUILDERS))


def unknown_rope_type(r: Resolution) -> Iterator[Issue]:
    ref = r.refusal
    if ref is None or ref.cause != "unknown_rope_type":
        return
    yield Issue(
        f"vLLM {would(ref.verb)}: {ref.error}: {ref.message}",
        f"use a rope_type vLLM knows ({KNOWN_TYPES}) in config.json or --hf-overrides",
    )


def conflicting_types(r: Resolution) -> Iterator[Issue]:
    ref = r.refusal
    if ref is None or ref.cause != "conflicting_rope_types":
        return
    yield Issue(
        f"vLLM {would(ref.verb)}: {ref.error}: {ref.message}",
        "remove the legacy 'type' key from rope_scaling / rope_parameters (keep rope_type)",
    )


def dynamic_without_factor(r: Resolution) -> Iterator[Issue]:
    ref = r.refusal
    if ref is None or ref.cause != "dynamic_without_factor":
        return
    yield Issue(
        f"vLLM {would(ref.verb)}: {ref.error}: {ref.message} "
        f"(rope parameters: {sorted(params(r))})",
        "add rope_parameters.factor (e.g. 2.0), or use rope_type 'default'",
    )


# The refusals a specific rule describes; R19 covers every other one.
CLAIMED: frozenset[RefusalCause | str] = frozenset(
    {
        "nomic_assertion",  # R08
        "nomic_missing_st",  # R17
        "zero_division",  # R11: d = 2
        "missing_rope_type",  # R06
        "negative_arange",  # R11: factor < 0 (old)
        "max_model_len_too_long",  # R09
        "partial_rotary_factor",  # R11
        "unknown_rope_type",  # R14
        "conflicting_rope_types",  # R15
        "dynamic_without_factor",  # R16
        "load:no_native_class",  # R22
    }
)


def claimed(ref: Refusal) -> bool:
    """Whether a specific rule describes this refusal (R06, R08, R09, R11, R14–R17)."""
    return ref.cause in CLAIMED


def other_refusal(r: Resolution) -> Iterator[Issue]:
    """Every refusal yields an error finding, even one no specific rule describes. It says what
    vLLM does: a check refuses (ValueError, assert) or the code crashes (any other exception)."""
    ref = r.refusal
    if ref is None or claimed(ref):
        return
    what = (
        "unusable length"
        if ref.verb == "stops"
        else f"vLLM {would(ref.verb)} ({ref.step}): {ref.error}"
    )
    yield Issue(
        f"{what}: {ref.message}",
        "see `ntkcli inspect` for the whole resolution; fix the config key or override named "
        "in the message",
    )


register(
    Rule("R14", "error", "unknown rope type (get_rope raises ValueError)", unknown_rope_type),
    Rule("R15", "error", "both 'type' and 'rope_type' given, and they differ", conflicting_types),
    Rule("R16", "error", "dynamic rope type without 'factor' or 'alpha'", dynamic_without_factor),
    Rule(
        "R19",
        "error",
        "vLLM stops for another reason: refuses or crashes (catch-all)",
        other_refusal,
    ),
)
