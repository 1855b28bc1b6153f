"""Mutants of the checks and the table loader that other tests let through (issue 14).

Numbers in the messages are SPEC §6's worked numbers (θ 1000, d 64, α 2, T 2048), written out.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_checks import DYN, found, v1

from ntkcli import configs
from ntkcli.checks.registry import RULES, Issue, rule
from ntkcli.configs import tables
from ntkcli.errors import ConfigError
from ntkcli.model import Resolution


def test_r01_message_spells_the_inner_term() -> None:
    # SPEC §6 "new, L = 1024": α·L/T − (α − 1) = 2·1024/2048 − 1 = 0 → θ' 0.0.
    (f,) = found(v1(max_model_len=1024, overrides=DYN), "R01")
    assert f.message.startswith("inner term α·L/T − (α − 1) = 2·1024/2048 − 1 = 0 ≤ 0")


def test_r02_message_spells_the_inner_term_and_the_base() -> None:
    # SPEC §6 "new, L = 1536": inner 0.5, θ' 488.94426816771636 (shrinks below θ 1000).
    (f,) = found(v1(max_model_len=1536, overrides=DYN), "R02")
    assert f.message.startswith(
        "inner term α·L/T − (α − 1) = 2·1536/2048 − 1 = 0.5 < 1: θ' = 488.94426816771636 is "
        "below θ = 1000 because the served length L = 1536 is below the trained length T = 2048"
    )


def test_rule_registers_once() -> None:
    def check(r: Resolution) -> Iterator[Issue]:
        yield Issue("m", "h")

    try:
        assert rule("X99", "info", "a test rule")(check) is check
        registered = RULES["X99"]
        assert (registered.id, registered.severity, registered.title) == (
            "X99",
            "info",
            "a test rule",
        )
        assert registered.check is check
        with pytest.raises(RuntimeError, match="rule X99 registered twice"):
            rule("X99", "info", "again")(check)
    finally:
        RULES.pop("X99", None)


def test_version_key_orders_numerically() -> None:
    # 5.9 < 5.19 < 5.20.2 numerically (as strings "5.9" > "5.19"); a non-numeric part is -1.
    assert tables._version_key("5.20.2") == (5, 20, 2)
    assert tables._version_key("5.0.0rc1") == (5, 0, -1)
    assert sorted(["5.20.2", "5.9.0", "4.57.6", "5.19.0"], key=tables._version_key) == [
        "4.57.6",
        "5.9.0",
        "5.19.0",
        "5.20.2",
    ]


def test_known_versions_rebuilt() -> None:
    tables.known_versions.cache_clear()
    try:
        assert tables.known_versions() == ("4.57.6", "5.19.0", "5.20.2", "5.24.0")
    finally:
        tables.known_versions.cache_clear()


def test_resolve_labels() -> None:
    # SPEC-loading §2'.7: a major or minor label means the newest shipped version in it.
    assert configs.resolve("5.19.0") == "5.19.0"
    assert configs.resolve("5.19") == "5.19.0"
    assert configs.resolve("5") == "5.24.0"
    # "5.2" is not a prefix of "5.20.2" (the dot matters).
    with pytest.raises(ConfigError) as err:
        configs.resolve("5.2")
    assert str(err.value) == "no config-class table for transformers '5.2'"
    assert err.value.hint == "known transformers versions: 4.57.6, 5.19.0, 5.20.2, 5.24.0"
