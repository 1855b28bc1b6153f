"""The rule registry: every rule is a Rule(id, severity, title, check-fn), the check-fn a pure
function of a Resolution that yields (message, hint) pairs. Severity belongs to the rule, so one
id never changes severity from one config to the next (ruff's habit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from ntkcli.checks.engines import ENGINE_RULES
from ntkcli.fields import json_field
from ntkcli.model import Finding, Resolution, Severity


class Issue(NamedTuple):
    """What a check-fn yields: the numbers that triggered it, and the flag/override to change."""

    message: str
    hint: str


CheckFn = Callable[[Resolution], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    check: CheckFn

    def run(self, resolution: Resolution) -> list[Finding]:
        return [
            Finding(self.id, self.severity, issue.message, issue.hint)
            for issue in self.check(resolution)
        ]


RULES: dict[str, Rule] = {}

# Rules that only run on `validate` (they are not functions of a Resolution): the transformers
# cross-check (ntkcli/references/transformers_validate.py). Listed so --ignore and the README
# know them.
EXTERNAL_RULES: Mapping[str, tuple[Severity, str]] = {
    "T01": ("error", "transformers' standardize_rope_params()/validate_rope() raises"),
    "T02": ("warning", "transformers logs a warning while standardising/validating"),
    "T03": ("info", "the transformers cross-check did not run for this config"),
    **ENGINE_RULES,  # validate --engines (checks/engines.py)
}


def register(*rules: Rule) -> None:
    """Register check-fns under their stable ids. Each rule module ends with one call listing its
    rules, so the check-fns stay plain functions (mutmut 3 does not mutate decorated ones)."""
    for entry in rules:
        if entry.id in RULES:
            raise RuntimeError(f"rule {entry.id} registered twice")
        RULES[entry.id] = entry


def rule(rule_id: str, severity: Severity, title: str) -> Callable[[CheckFn], CheckFn]:
    """The same as a decorator: register a check-fn under a stable id."""

    def registrar(fn: CheckFn) -> CheckFn:
        register(Rule(rule_id, severity, title, fn))
        return fn

    return registrar


# What `ntkcli rule ID` prints under the title: why the rule exists, in words a user can act on.
EXPLANATIONS: Mapping[str, str] = {
    "R01": "Since vLLM PR #41277, dynamic NTK scales θ by (α·L/T − (α−1))^(d/(d−2)). When "
    "that inner term is 0 or negative (a short max_model_len L with a large factor α), θ' is "
    "0 or complex and the cos/sin cache is NaN/Inf or garbage: every output is wrong.",
    "R02": "The inner term of new vLLM's dynamic NTK is between 0 and 1, so θ' is smaller than "
    "θ: the model sees positions as farther apart than it was trained for.",
    "R05": "New vLLM builds the rotary object once, for L = max_model_len, so θ' depends on "
    "--max-model-len and not on the input: the same prompt gets different embeddings on "
    "servers started with different lengths. Pin --max-model-len to the length you validated.",
    "R12": "A dynamic NTK factor below 1 shrinks the base instead of stretching it; it is almost "
    "always a typo in rope_scaling.",
    "R11": "The rotary dimension must be even and at least 4, θ and the factor positive, the "
    "partial rotary factor in (0, 1]; anything else makes get_rope fail or compute nonsense.",
    "R03": "The cos/sin cache has fewer rows than max_model_len: positions past its end index "
    "out of the cache.",
    "R09": "vLLM refuses to start with this max_model_len (above the derived limit without "
    "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, see vllm/config/model.py).",
    "R10": "sentence-transformers' max_seq_length (sentence_bert_config.json) replaces the "
    "length derived from config.json, so max_model_len is often shorter than you expect.",
    "R18": "max_model_len is above the derived limit; vLLM only allows it because "
    "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 is set, and positions past the trained length may "
    "produce garbage.",
    "R04": "The config asks for dynamic scaling with rotary_scaling_factor, but vLLM's "
    "NomicBert ignores that key: Nomic's own code scales, vLLM does not.",
    "R07": "A flat max_model_len inside --hf-overrides does not change the served length in new "
    "vLLM for Nomic models; use --max-model-len.",
    "R08": "An assertion in vLLM's NomicBert model fails for this config, so vLLM will not load "
    "the model at all.",
    "R17": "Old vLLM (≤ 0.21) re-checks Nomic's length against the sentence-transformers file "
    "and crashes with an AttributeError when there is none.",
    "R06": "A dict override of rope_parameters replaces the whole dict: without rope_theta or "
    "rope_type vLLM cannot build the rotary embedding.",
    "R14": "The rope type is not one get_rope knows, so vLLM raises ValueError at start-up.",
    "R15": "Both 'type' and 'rope_type' are given and differ; which one wins depends on the "
    "library, so the served model may not be the one you tested.",
    "R16": "A dynamic rope type needs 'factor' (or 'alpha'); without it vLLM cannot build it.",
    "R19": "vLLM stops on this config for a reason no other rule names: a check refuses it "
    "(ValueError, a failed assert) or its code crashes on it (AttributeError, KeyError, "
    "TypeError, …). The finding says which and quotes the exception. A derived length ≤ 0, "
    "which vLLM does not check, is reported here too: nothing vLLM builds from it works.",
    "R13": "The config has custom scaling keys (Qwen's use_dynamic_ntk, …) that only the "
    "model's remote code applies; vLLM serves the model without that scaling.",
    "T01": "transformers' standardize_rope_params()/validate_rope() raise on this config: "
    "transformers itself would refuse it. Needs --transformers-check.",
    "T02": "transformers logs a warning while standardising or validating the rope parameters. "
    "Needs --transformers-check.",
    "T03": "The transformers cross-check was asked for but could not run (transformers missing, "
    "or the config type unknown to it).",
}


@dataclass(frozen=True)
class RuleDoc:
    """One rule as `ntkcli rule --format json` explains it."""

    id: str = field(metadata=json_field(description="The rule id (R01 ...)."))
    severity: Severity
    title: str = field(metadata=json_field(description="What it catches."))
    explanation: str = field(metadata=json_field(description="Why it matters, what to do."))


def rule_doc(rule_id: str) -> RuleDoc:
    return RuleDoc(rule_id, *describe(rule_id))  # type: ignore[arg-type]


def describe(rule_id: str) -> tuple[str, str, str]:
    """(severity, title, explanation) of any rule, registered or external."""
    if rule_id in RULES:
        found = RULES[rule_id]
        severity, title = found.severity, found.title
    else:
        severity, title = EXTERNAL_RULES[rule_id]
    return severity, title, EXPLANATIONS.get(rule_id, "")
