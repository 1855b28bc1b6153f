"""vLLM releases as data, row by row (issue 14): every switch of every known release from SPEC §8
(version map) and SPEC-loading §2'.2 (transformers ranges), written out per release.
"""

from __future__ import annotations

import pytest

from ntkcli.errors import UsageError
from ntkcli.vllm.versions import KNOWN_RELEASES, parse_vllm_version

# release: (line, st_needs_do_lower_case, yarn_skips_factor, yarn_uses_original_length,
# checked, transformers_allowed, transformers4_allowed, qwen_served, transformers_backend,
# code_era). SPEC §8: DynamicNTK/NomicBert new from 0.22; transformers 4 and QWen up to 0.23; yarn
# L₀ up to 0.29, excluded from 0.30; ST do_lower_case up to 0.31; Transformers backend 0.33; code
# of 0.22 up to 0.27, of 0.33 from 0.28 (nearer measured). SPEC-loading §2'.2: the ranges.
R4 = ">=4.56.0, excluding 5.0.*-5.4.* and 5.5.0"
ROWS = {
    "0.21.0": ("old", True, False, True, True, R4, True, True, False, "0.22"),
    "0.22.0": ("new", True, False, True, True, R4, True, True, False, "0.22"),
    "0.23.0": ("new", True, False, True, True, R4, True, True, False, "0.22"),
    "0.24.0": ("new", True, False, True, True, ">=5.5.3", False, False, False, "0.22"),
    "0.25.0": ("new", True, False, True, True, ">=5.5.3", False, False, False, "0.22"),
    "0.26.0": ("new", True, False, True, False, "not checked", False, False, False, "0.22"),
    "0.27.0": ("new", True, False, True, False, "not checked", False, False, False, "0.22"),
    "0.28.0": ("new", True, False, True, True, ">=5.5.3", False, False, False, "0.33"),
    "0.29.0": ("new", True, False, True, True, ">=5.10.4", False, False, False, "0.33"),
    "0.30.0": ("new", True, True, False, True, ">=5.10.4", False, False, False, "0.33"),
    "0.31.0": ("new", True, True, False, True, ">=5.10.4,<5.18.0", False, False, False, "0.33"),
    "0.32.0": ("new", False, True, False, True, ">=5.16.1,<5.20.0", False, False, False, "0.33"),
    "0.33.0": ("new", False, True, False, True, ">=5.16.1,<5.21.0", False, False, True, "0.33"),
}


def test_known_releases() -> None:
    assert tuple(ROWS) == KNOWN_RELEASES


@pytest.mark.parametrize("release", sorted(ROWS))
def test_release_switches(release: str) -> None:
    v = parse_vllm_version(release)
    line, st, skips, uses_l0, checked, allowed, t4, qwen, backend, era = ROWS[release]
    assert (v.line, v.label, v.release) == (line, release, release)
    assert (v.dynamic_ntk_uses_trained_length, v.nomic_update) == (line == "new", line)
    assert (v.st_needs_do_lower_case, v.yarn_skips_factor, v.yarn_uses_original_length) == (
        st,
        skips,
        uses_l0,
    )
    assert (v.checked, v.transformers_allowed, v.transformers4_allowed) == (checked, allowed, t4)
    assert (v.qwen_served, v.transformers_backend, v.code_era) == (qwen, backend, era)


def test_new_and_old_aliases() -> None:
    new, old = parse_vllm_version(" NEW "), parse_vllm_version("old")
    assert (new.label, new.release, new.line, new.notes) == ("new", "0.33.0", "new", ())
    assert (old.label, old.release, old.line, old.notes) == ("old", "0.21.0", "old", ())


def test_notes() -> None:
    assert parse_vllm_version("0.22.0").notes == ()
    assert parse_vllm_version("v0.22").label == "0.22"
    assert parse_vllm_version("0.22").notes == ()
    assert parse_vllm_version("0.22.1").notes == (
        "vLLM 0.22.1 is modelled with the rules of 0.22.0 (patch releases were not checked)",
    )
    assert parse_vllm_version("0.26.0").notes == (
        "vLLM 0.26.0 was not checked; each rule is taken from the nearest checked release",
    )
    backend = (
        "whether GPT-NeoX and Phi already use the Transformers backend was not checked; modelled "
        "as vLLM's own model code (as in 0.30.0)"
    )
    assert parse_vllm_version("0.31.0").notes == (f"vLLM 0.31.0: {backend}",)
    assert parse_vllm_version("0.32.2").notes == (
        "vLLM 0.32.2 is modelled with the rules of 0.32.0 (patch releases were not checked)",
        f"vLLM 0.32.0: {backend}",
    )
    assert parse_vllm_version("0.30.0").notes == ()
    assert parse_vllm_version("0.33.0").notes == ()


@pytest.mark.parametrize("text", ["0.20.0", "0.34", "1.0.0", "latest", "0.22.0.1", ""])
def test_unknown_release_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_vllm_version(f" {text} ")
    assert caught.value.message == (
        f"--vllm {text!r} is not a vLLM release ntkcli knows (known: 0.21.0, 0.22.0, 0.23.0, "
        "0.24.0, 0.25.0, 0.26.0, 0.27.0, 0.28.0, 0.29.0, 0.30.0, 0.31.0, 0.32.0, 0.33.0)"
    )
    assert caught.value.hint == "use --vllm new (0.33.0), old (0.21.0) or one of those releases"


def test_long_unknown_release_is_cut_at_400() -> None:
    with pytest.raises(UsageError) as caught:
        parse_vllm_version("9" * 500)
    assert len(caught.value.message) == 400
