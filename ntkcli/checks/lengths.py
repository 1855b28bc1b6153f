"""Length rules (SPEC §4.1–§4.4, §7 R03, R09, R10, R18)."""

from __future__ import annotations

from collections.abc import Iterator

from ntkcli.checks.common import number
from ntkcli.checks.registry import Issue, Rule, register
from ntkcli.model import DerivedLength, Resolution
from ntkcli.numbers import compact
from ntkcli.vllm.nomic import STEP as NOMIC_STEP


def _limit(r: Resolution) -> DerivedLength | None:
    """The limit vLLM checks the length against: old Nomic re-derives it (§4.3)."""
    if r.nomic is not None and r.nomic.recheck_limit is not None:
        return r.nomic.recheck_limit
    return r.derived


def positions_past_cache(r: Resolution) -> Iterator[Issue]:
    rot = r.rotary
    served = r.max_model_len
    if rot is None or rot.cache_rows is None or served is None or rot.cache_rows >= served:
        return
    rows = rot.cache_rows
    last = served - 1
    where = f"position {rows}" if rows == last else f"positions {rows}…{last}"
    why = ""
    if rot.dynamic_formula and rot.trained_positions == rot.max_position and rot.inner == 1:
        why = (
            f"; vLLM ≥ 0.22 builds the dynamic class for the config's max_position_embeddings "
            f"{rot.max_position} with T = L, so θ' = θ (NTK off), while the allowed length is "
            f"still multiplied by α = {compact(rot.factor)}"
        )
    elif rot.rope_class == "YaRNScalingRotaryEmbedding":
        why = "; YaRN is built for original_max_position_embeddings·factor, not for L"
    hint = f"--max-model-len {rows} (the cache length)"
    if rot.dynamic_formula and rot.trained_positions == rot.max_position:
        hint += "; vLLM ≥ 0.22 does not extend this model's context with dynamic NTK"
    elif rot.rope_class == "YaRNScalingRotaryEmbedding":
        hint += ", or raise rope_parameters.original_max_position_embeddings in --hf-overrides"
    yield Issue(
        f"cache has {rows} rows but max_model_len is {served}: {where} index past the cache "
        f"end (IndexError on CPU, out-of-bounds reads on GPU){why}",
        hint,
    )


def max_model_len_refused(r: Resolution) -> Iterator[Issue]:
    ref = r.refusal
    if ref is None or ref.cause != "max_model_len_too_long":
        return
    first = ref.message.partition(" To allow overriding")[0]
    limit = _limit(r)
    lower = f"--max-model-len {int(limit.final)} or less" if limit is not None else "lower it"
    where = (
        " (old vLLM re-checks Nomic configs against max_trained_positions)"
        if (ref.step == NOMIC_STEP)
        else ""
    )
    yield Issue(
        f"vLLM would refuse: ValueError: {first}{where}",
        f"{lower}, or set VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (--allow-long-max-model-len) only if "
        "you accept positions past the trained range",
    )


def st_length_wins(r: Resolution) -> Iterator[Issue]:
    d = r.derived
    if d is None or not d.st_replaced or d.st_length is None or d.st_length == d.value:
        return
    source = f"{d.key} {d.config_value}" if d.key else "the 2048 fallback"
    if d.config_value is not None and d.config_value * d.factor != d.value:
        source = "rope original_max_position_embeddings"  # yarn, §4.1
    if d.factor_applied and d.factor != 1.0:
        source += f" × factor {compact(d.factor)}"
    direction = "lowers" if d.st_length < d.value else "raises"
    yield Issue(
        f"{r.raw.st_file} max_seq_length {d.st_length} replaces (and {direction}) the derived "
        f"length {compact(d.value)} ({source}): vLLM's limit is {d.st_length}",
        f"edit max_seq_length in {r.raw.st_file} to change vLLM's limit; --max-model-len can "
        "only lower it",
    )


def allowed_long(r: Resolution) -> Iterator[Issue]:
    limit = _limit(r)
    served = r.max_model_len
    if (
        not r.request.allow_long_max_model_len
        or limit is None
        or served is None
        or served <= limit.final
    ):
        return
    mml = number(r.config_values.get("model_max_length"))
    if mml is not None and served <= mml:
        return
    yield Issue(
        f"max_model_len {served} is above the derived limit {compact(limit.final)} "
        f"({limit.key or 'fallback'}): vLLM accepts it only because "
        "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1",
        f"--max-model-len {int(limit.final)} or less, unless you have checked that the model "
        f"handles {served} positions",
    )


register(
    Rule(
        "R03", "error", "the cos/sin cache has fewer rows than max_model_len", positions_past_cache
    ),
    Rule("R09", "error", "vLLM refuses the requested max_model_len", max_model_len_refused),
    Rule(
        "R10",
        "info",
        "sentence-transformers max_seq_length replaces the derived length",
        st_length_wins,
    ),
    Rule(
        "R18", "warning", "max_model_len above the limit, allowed only by the env var", allowed_long
    ),
)
