"""The JSON Schema (draft 2020-12) of each command's `--format json` output, built from the
same dataclasses and field metadata that serialize/generic.py writes the output from
(`ntkcli schema COMMAND`). Nothing here imports torch or transformers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ntkcli.serialize.generic import document, merged_schema, object_schema, schema_of


def _inspect() -> dict[str, Any]:
    from ntkcli.engines.base import EngineResult
    from ntkcli.model import RawConfig, Resolution

    vllm = object_schema(Resolution)
    engine = object_schema(EngineResult)
    return {
        "anyOf": [
            vllm,
            # --engine NAME (not vLLM): the model, then the engine contract
            merged_schema(object_schema(RawConfig, keys=("model",)), engine),
            # --engine vllm: the engine contract beside vLLM's own keys (those win)
            merged_schema(engine, vllm),
        ]
    }


def _compare() -> dict[str, Any]:
    from ntkcli.serialize.compare import comparison_schema

    return comparison_schema()


def _diff() -> dict[str, Any]:
    from ntkcli.serialize.diff import diff_schema

    return diff_schema()


def _plot() -> dict[str, Any]:
    from ntkcli.serialize.plot import plot_schema

    return plot_schema()


def _validate() -> dict[str, Any]:
    from ntkcli.serialize.validate import report_schema

    return report_schema()


def _models() -> dict[str, Any]:
    from ntkcli.sources import BundledSnapshot

    return schema_of(tuple[BundledSnapshot, ...])


def _rule() -> dict[str, Any]:
    from ntkcli.checks.registry import RuleDoc

    return schema_of(tuple[RuleDoc, ...])


# command → (what its JSON is, its schema)
SCHEMAS: Mapping[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "inspect": (
        "What vLLM resolves for one model (with --engine: that engine's answer).",
        _inspect,
    ),
    "compare": ("One row per model and length: vLLM new/old against the model's code.", _compare),
    "diff": ("Old vs new vLLM for one length, or a list of those (--lengths).", _diff),
    "plot": ("θ' of each runtime against the length, and the wavelengths at one length.", _plot),
    "validate": ("One entry per input: what vLLM resolves and the findings.", _validate),
    "models": ("The config snapshots bundled with ntkcli.", _models),
    "rule": ("The validation rules asked for.", _rule),
}


def commands() -> tuple[str, ...]:
    return tuple(SCHEMAS)


def schema(command: str) -> dict[str, Any]:
    """The schema document of `command --format json` (a KeyError for an unknown command)."""
    description, build = SCHEMAS[command]
    return document(f"ntkcli {command} --format json", description, build())
