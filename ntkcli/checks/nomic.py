"""NomicBert rules (SPEC §4.3, §5, §7 R04, R07, R08, R17)."""

from __future__ import annotations

from collections.abc import Iterator

from ntkcli.checks.common import overrides_json
from ntkcli.checks.registry import Issue, Rule, register
from ntkcli.errors import NtkcliError
from ntkcli.model import Resolution
from ntkcli.numbers import compact


def _is_nomic(r: Resolution) -> bool:
    return r.nomic is not None or r.model_type == "nomic_bert"


def rotary_scaling_factor_ignored(r: Resolution) -> Iterator[Issue]:
    factor = r.config_values.get("rotary_scaling_factor")
    if not _is_nomic(r) or not factor:
        return
    # Whether and above which T Nomic's code scales: the reference runtime's derivation (SPEC §5).
    t = r.nomic.trained_positions if r.nomic is not None else 2048
    from ntkcli.engines.reference import nomic_reference  # lazy: only for this rule's case

    try:
        ref = nomic_reference(r.config_values)
    except NtkcliError:  # a value Nomic's class cannot hold: vLLM still ignores the key
        ref = None
    if ref is not None and ref.reason is None:  # a truthy factor: Nomic's code is dynamic
        t = ref.original or t
    rot = r.rotary
    built = (
        f"vLLM builds {rot.rope_class} with θ {compact(rot.base)}"
        if rot is not None
        else "vLLM does not read it"
    )
    theta: float | int | None = rot.base if rot is not None else None
    if isinstance(theta, float) and theta.is_integer():
        theta = int(theta)
    override = {"rope_parameters": {"rope_type": "dynamic", "factor": factor, "rope_theta": theta}}
    yield Issue(
        f"rotary_scaling_factor={compact(factor)} is ignored by vLLM (every version): {built}; "
        f"Nomic's own code applies dynamic NTK (α {compact(factor)}) to inputs longer than "
        f"T = {t} tokens, so embeddings of long inputs differ",
        f"keep inputs ≤ {t} tokens (--max-model-len {t}) to match the model's code, or opt in "
        f"with {overrides_json(override)} (then see R05)",
    )


def ignored_max_model_len_override(r: Resolution) -> Iterator[Issue]:
    if r.nomic is None or r.nomic.ignored_max_model_len_override is None:
        return
    value = r.nomic.ignored_max_model_len_override
    yield Issue(
        f"hf_overrides max_model_len={value} has no effect in vLLM ≥ 0.22: max_model_len stays "
        f"{compact(r.max_model_len)}",
        f"use --max-model-len {value} instead of the hf_overrides key",
    )


def nomic_assertion(r: Resolution) -> Iterator[Issue]:
    if r.nomic is None:
        return
    for failure in r.nomic.assertion_failures:
        yield Issue(
            f"vLLM would not load the model: AssertionError: {failure}",
            "fix that key in config.json (or --hf-overrides with the value vLLM accepts)",
        )


def nomic_recheck_crash(r: Resolution) -> Iterator[Issue]:
    ref = r.refusal
    if ref is None or r.nomic is None or ref.cause != "nomic_missing_st":
        return
    yield Issue(
        f"vLLM ≤ 0.21 would crash: AttributeError: {ref.message} (with --max-model-len or "
        "--hf-overrides the NomicBert update drops the sentence-transformers max_seq_length, "
        "and this model has none)",
        "add a sentence_bert_config.json with max_seq_length, drop --max-model-len and "
        "--hf-overrides, or use vLLM ≥ 0.22 (--vllm new)",
    )


register(
    Rule(
        "R04",
        "warning",
        "nomic config with a truthy rotary_scaling_factor (vLLM ignores it)",
        rotary_scaling_factor_ignored,
    ),
    Rule(
        "R07",
        "warning",
        "flat hf_overrides max_model_len is ignored (new vLLM, Nomic)",
        ignored_max_model_len_override,
    ),
    Rule(
        "R08",
        "error",
        "a vLLM NomicBert assertion fails (vLLM will not load the model)",
        nomic_assertion,
    ),
    Rule(
        "R17",
        "error",
        "old vLLM: the Nomic re-check crashes without a sentence-transformers file",
        nomic_recheck_crash,
    ),
)
