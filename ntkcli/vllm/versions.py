"""vLLM releases as data (SPEC §8 version map, SPEC-loading §2'.2): one row per x.0 release from
0.21.0 to 0.33.0, each rule's boundary written once in `_rules`.

Boundaries (earlier behaviour up to → later behaviour from):
- DynamicNTK class, NomicBert T and L (§4.3, §4.5): 0.21.x → 0.22.0 (PR #41277); the null-factor
  TypeError operand order of the dynamic class changes with it (§4.4.7: 0.21 vs 0.33 measured).
- transformers 4 allowed, v4 RoPE patch R-T4, QWenLMHeadModel served: ≤ 0.23.
- yarn length rule (§4.1.5): replace by L₀ then × factor up to 0.29.x; excluded from 0.30.0.
- GPT-NeoX / Phi on vLLM model code up to 0.30.0, Transformers backend in 0.33.0; 0.31/0.32 not
  checked, modelled as model code (the later checked release with model code is 0.30.0).
- ST file needs do_lower_case too (§4.1.6): up to 0.31.x; max_seq_length alone from 0.32.0.
- Factor-loop shape, YaRN/DeepSeek arguments, Gemma3 fallback: measured on 0.22 and 0.33 only;
  0.23–0.27 take 0.22's code, 0.28–0.32 take 0.33's (the nearer measured release).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ntkcli.errors import UsageError
from ntkcli.model import VllmVersion

# Requires-Dist: transformers of each release (SPEC-loading §2'.2). None: not checked.
TRANSFORMERS_ALLOWED: Mapping[tuple[int, int], str | None] = {
    (0, 21): ">=4.56.0, excluding 5.0.*-5.4.* and 5.5.0",
    (0, 22): ">=4.56.0, excluding 5.0.*-5.4.* and 5.5.0",
    (0, 23): ">=4.56.0, excluding 5.0.*-5.4.* and 5.5.0",
    (0, 24): ">=5.5.3",
    (0, 25): ">=5.5.3",
    (0, 26): None,
    (0, 27): None,
    (0, 28): ">=5.5.3",
    (0, 29): ">=5.10.4",
    (0, 30): ">=5.10.4",
    (0, 31): ">=5.10.4,<5.18.0",
    (0, 32): ">=5.16.1,<5.20.0",
    (0, 33): ">=5.16.1,<5.21.0",
}
UNCHECKED = frozenset({(0, 26), (0, 27)})
NEWEST = (0, 33)
OLDEST = (0, 21)
KNOWN_RELEASES = tuple(f"{a}.{b}.0" for a, b in TRANSFORMERS_ALLOWED)

_VERSION = re.compile(r"^v?(\d{1,6})\.(\d{1,6})(?:\.(\d{1,6}))?$")


def _rules(minor: tuple[int, int], label: str, notes: tuple[str, ...]) -> VllmVersion:
    new = minor >= (0, 22)
    allowed = TRANSFORMERS_ALLOWED[minor]
    return VllmVersion(
        line="new" if new else "old",
        label=label,
        dynamic_ntk_uses_trained_length=new,
        nomic_update="new" if new else "old",
        st_needs_do_lower_case=minor <= (0, 31),
        yarn_skips_factor=minor >= (0, 30),
        yarn_uses_original_length=minor <= (0, 29),
        release=f"{minor[0]}.{minor[1]}.0",
        checked=minor not in UNCHECKED,
        transformers_allowed=allowed if allowed is not None else "not checked",
        transformers4_allowed=minor <= (0, 23),
        qwen_served=minor <= (0, 23),
        transformers_backend=minor >= (0, 33),
        code_era="0.22" if minor <= (0, 27) else "0.33",
        notes=notes,
    )


def parse_vllm_version(text: str) -> VllmVersion:
    """'new' (0.33.0), 'old' (0.21.0), a known x.0 release, or a patch of one (its x.0 rules)."""
    value = text.strip().lower()
    if value == "new":
        return _rules(NEWEST, "new", ())
    if value == "old":
        return _rules(OLDEST, "old", ())
    match = _VERSION.match(value)
    minor = (int(match[1]), int(match[2])) if match else None
    if minor is None or minor not in TRANSFORMERS_ALLOWED:
        raise UsageError(
            f"--vllm {text.strip()!r} is not a vLLM release ntkcli knows "
            f"(known: {', '.join(KNOWN_RELEASES)})"[:400],
            hint="use --vllm new (0.33.0), old (0.21.0) or one of those releases",
        )
    patch = int(match[3] or 0) if match else 0
    release = f"{minor[0]}.{minor[1]}.0"
    notes: list[str] = []
    if patch:
        notes.append(
            f"vLLM {minor[0]}.{minor[1]}.{patch} is modelled with the rules of {release} "
            "(patch releases were not checked)"
        )
    if minor in UNCHECKED:
        notes.append(
            f"vLLM {release} was not checked; each rule is taken from the nearest checked release"
        )
    if (0, 31) <= minor <= (0, 32):
        notes.append(
            f"vLLM {release}: whether GPT-NeoX and Phi already use the Transformers backend was "
            "not checked; modelled as vLLM's own model code (as in 0.30.0)"
        )
    return _rules(minor, value.lstrip("v"), tuple(notes))
