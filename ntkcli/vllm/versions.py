"""vLLM releases as data (SPEC "Version map"): old = ≤ 0.21.x, new = 0.22.0 and later (PR #41277),
and 0.33.0+ differs from 0.22–0.32 only in the yarn rule of §4.1."""

from __future__ import annotations

import re

from ntkcli.errors import UsageError
from ntkcli.model import VllmVersion

FIRST_NEW = (0, 22, 0)  # first release with PR #41277
FIRST_YARN_SKIP = (0, 33, 0)

_VERSION = re.compile(r"^v?(\d{1,6})\.(\d{1,6})(?:\.(\d{1,6}))?(?:[.+\-].*)?$")


def _make(line: str, label: str, yarn_skips_factor: bool) -> VllmVersion:
    new = line == "new"
    return VllmVersion(
        line="new" if new else "old",
        label=label,
        dynamic_ntk_uses_trained_length=new,
        nomic_update="new" if new else "old",
        st_needs_do_lower_case=not new,
        yarn_skips_factor=yarn_skips_factor,
        yarn_uses_original_length=not yarn_skips_factor,
    )


def parse_vllm_version(text: str) -> VllmVersion:
    """'new', 'old', or a release number such as '0.21.0' / '0.33.1'."""
    value = text.strip().lower()
    if value == "new":
        return _make("new", "new", yarn_skips_factor=False)
    if value == "old":
        return _make("old", "old", yarn_skips_factor=False)
    match = _VERSION.match(value)
    if not match:
        raise UsageError(
            f"--vllm: {text!r} is not 'new', 'old' or a version like 0.21.0",
            hint="use --vllm new (0.22 and later), old (0.21 and earlier) or a release number",
        )
    version = (int(match[1]), int(match[2]), int(match[3] or 0))
    line = "new" if version >= FIRST_NEW else "old"
    return _make(line, value.lstrip("v"), yarn_skips_factor=version >= FIRST_YARN_SKIP)
