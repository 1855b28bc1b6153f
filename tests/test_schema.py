"""`ntkcli schema COMMAND` (issue 14): each command's real `--format json` output, on the bundled
snapshots and engines, validates against the published JSON Schema, and a wrong output does not.

The validator is written here (no dependency): it knows the draft 2020-12 keywords the schemas
use and refuses any other, so a schema keyword it does not check cannot pass silently.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import cli, cli_json

from ntkcli import sources

ANNOTATIONS = {"$schema", "title", "description"}
CHECKED = {
    "type",
    "enum",
    "anyOf",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
}
TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def errors(schema: dict[str, Any], value: Any, path: str = "$") -> list[str]:
    """Every way `value` breaks `schema` (empty: it validates)."""
    unknown = set(schema) - CHECKED - ANNOTATIONS
    assert not unknown, f"{path}: the test validator does not know {unknown}"
    found: list[str] = []
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[k](value) for k in kinds):
            return [f"{path}: {value!r:.60} is not {kinds}"]
    if "enum" in schema and not any(value == e and type(value) is type(e) for e in schema["enum"]):
        found.append(f"{path}: {value!r:.60} not in {schema['enum']}")
    if "anyOf" in schema:
        options = [errors(s, value, path) for s in schema["anyOf"]]
        if all(options):
            best = min(options, key=len)
            found.append(f"{path}: matches no option; nearest: {best[:3]}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                found.append(f"{path}: missing {key!r}")
        for key, item in value.items():
            if key in props:
                found += errors(props[key], item, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{path}: unexpected key {key!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += errors(schema["additionalProperties"], item, f"{path}.{key}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            found.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            found.append(f"{path}: more than {schema['maxItems']} items")
        prefix = schema.get("prefixItems", [])
        for index, item in enumerate(value):
            if index < len(prefix):
                found += errors(prefix[index], item, f"{path}[{index}]")
            elif "items" in schema:
                found += errors(schema["items"], item, f"{path}[{index}]")
    return found


def schema(command: str) -> dict[str, Any]:
    run = cli("schema", command)
    assert run.exit_code == 0, run.stderr
    document: dict[str, Any] = run.json()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return document


def valid(command: str, output: Any) -> None:
    found = errors(schema(command), output)
    assert not found, "\n".join(found[:10])


MODELS = [m["model"] for m in sources.bundled_models()]
ENGINES = ["vllm", "vllm@old", "sglang", "tei", "llamacpp", "ollama", "transformers", "st"]
# Models that give each engine something different to do: Nomic's own config class and ST file,
# a dynamic-NTK Qwen, a Llama-style GGUF-convertible model, a Gemma3-like per-layer model.
ENGINE_MODELS = [
    "nomic-ai/nomic-embed-text-v1",
    "Qwen/Qwen-7B",
    "internlm/internlm2-chat-7b",
    "Snowflake/snowflake-arctic-embed-m-long",
]


@pytest.mark.parametrize("model", MODELS)
def test_inspect_output_of_every_bundled_snapshot_validates(model: str) -> None:
    valid("inspect", cli_json("inspect", model, "--bundled"))
    valid("inspect", cli_json("inspect", model, "--bundled", "--vllm", "old"))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("model", ENGINE_MODELS)
def test_inspect_engine_output_validates(model: str, engine: str) -> None:
    valid("inspect", cli_json("inspect", model, "--bundled", "--engine", engine))


def test_inspect_refusal_and_complex_base_validate() -> None:
    # A refusal (max_model_len over the derived limit) and a factor that makes the old inner
    # term negative reach the refusal object and a complex θ' written as a string.
    refused = cli_json(
        "inspect", "nomic-ai/nomic-embed-text-v1", "--bundled", "--max-model-len", "99999"
    )
    assert refused["refusal"] is not None
    valid("inspect", refused)
    odd = cli_json(
        "inspect",
        "Qwen/Qwen-7B",
        "--bundled",
        "--hf-overrides",
        '{"rope_scaling": {"type": "dynamic", "factor": -3.0}}',
    )
    valid("inspect", odd)


def test_validate_output_validates_readable_and_unreadable(tmp_path: Any) -> None:
    run = cli("validate", *MODELS, str(tmp_path / "missing"), "--bundled", "--format", "json")
    data = run.json()
    assert len(data) == len(MODELS) + 1 and data[-1]["error"] is not None
    valid("validate", data)


def test_compare_output_validates() -> None:
    valid("compare", cli_json("compare", "--bundled", "--len", "2048,8192"))
    valid(
        "compare",
        cli_json(
            "compare", *ENGINE_MODELS, "--bundled", "--len", "4096", "--engines", "sglang,tei"
        ),
    )


@pytest.mark.parametrize("model", ["nomic-ai/nomic-embed-text-v1", "Qwen/Qwen-7B", MODELS[0]])
def test_diff_output_validates(model: str) -> None:
    valid("diff", cli_json("diff", model, "--bundled"))
    valid("diff", cli_json("diff", model, "--bundled", "--lengths", "512,8192"))


@pytest.mark.parametrize("engine", ["sglang", "tei", "llamacpp", "transformers"])
def test_diff_with_an_engine_validates(engine: str) -> None:
    model = "nomic-ai/nomic-embed-text-v1.5"
    data = cli_json("diff", model, "--bundled", "--engine", engine)
    assert data["engine"]["engine"]["name"] == engine
    valid("diff", data)
    valid("diff", cli_json("diff", model, "--bundled", "--engine", engine, "--lengths", "2k,8K"))
    broken = {**data, "engine": {**data["engine"], "equals_vllm": "sometimes"}}
    with pytest.raises(AssertionError):
        valid("diff", broken)


def test_diff_bare_parameters_with_a_complex_base_validate() -> None:
    # α·L/T − (α−1) = 4·100/2048 − 3 < 0: new vLLM's θ' is complex (written as a string).
    data = cli_json(
        "diff",
        *("--base", "10000", "--factor", "4", "--rotary-dim", "64"),
        *("--max-position", "100", "--max-trained-positions", "2048"),
    )
    assert isinstance(data["new"]["scaled_base"], str)
    valid("diff", data)


@pytest.mark.parametrize("model", ["nomic-ai/nomic-embed-text-v1", "Qwen/Qwen-7B", MODELS[0]])
def test_plot_output_validates(model: str) -> None:
    valid("plot", cli_json("plot", model, "--bundled"))


def test_models_and_rule_output_validate() -> None:
    valid("models", cli_json("models"))
    valid("rule", cli_json("rule", "--all"))
    valid("rule", cli_json("rule", "R01"))


def _broken(output: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Wrong versions of a real inspect output: a key renamed, dropped, added, mistyped."""
    cases = []
    renamed = copy.deepcopy(output)
    renamed["maxModelLen"] = renamed.pop("max_model_len")
    cases.append(("renamed", renamed))
    dropped = copy.deepcopy(output)
    del dropped["scaled_base"]
    cases.append(("dropped", dropped))
    extra = copy.deepcopy(output)
    extra["config_class"]["version"] = "5"
    cases.append(("extra nested key", extra))
    mistyped = copy.deepcopy(output)
    mistyped["max_model_len"] = str(mistyped["max_model_len"])
    cases.append(("length as a string", mistyped))
    bad_enum = copy.deepcopy(output)
    bad_enum["findings"] = [{"id": "R01", "severity": "fatal", "message": "m", "hint": "h"}]
    cases.append(("unknown severity", bad_enum))
    bad_shape = copy.deepcopy(output)
    bad_shape["cache_shape"] = [8192]
    cases.append(("cache shape of one number", bad_shape))
    return cases


def test_a_wrong_output_fails_validation() -> None:
    output = cli_json("inspect", "nomic-ai/nomic-embed-text-v1", "--bundled")
    valid("inspect", output)  # the real one passes...
    document = schema("inspect")
    for what, wrong in _broken(output):  # ...and each wrong one does not
        assert errors(document, wrong), what
    engine = cli_json("inspect", "nomic-ai/nomic-embed-text-v1", "--bundled", "--engine", "tei")
    engine["lengths"][0]["status"] = "maybe"
    assert errors(document, engine)
    rows = cli_json("compare", "nomic-ai/nomic-embed-text-v1", "--bundled", "--len", "4096")
    rows[0]["divergence"]["max_angle_rad"] = "large"
    assert errors(schema("compare"), rows)


def _descriptions(node: Any) -> list[tuple[str, str]]:
    if isinstance(node, dict):
        found = []
        for key, sub in node.get("properties", {}).items():
            found += [(key, sub.get("description", ""))]
        for sub in node.values():
            found += _descriptions(sub)
        return found
    if isinstance(node, list):
        return [d for sub in node for d in _descriptions(sub)]
    return []


def test_schemas_describe_units() -> None:
    inspect = dict(_descriptions(schema("inspect")))
    assert "Unit: tokens." in inspect["max_model_len"]
    assert "Unit: tokens." in inspect["max_position"]
    assert "Unit: bytes." in inspect["cache_bytes"]
    compare = dict(_descriptions(schema("compare")))
    assert "Unit: radians." in compare["max_angle_rad"]
    assert "Unit: radians." in compare["divergence_rad"]
    diff = dict(_descriptions(schema("diff")))
    assert "Unit: bytes." in diff["budget_bytes"]


@pytest.mark.parametrize(
    "command", ["inspect", "compare", "diff", "plot", "validate", "models", "rule"]
)
def test_schema_text_is_user_facing(command: str) -> None:
    text = json.dumps(schema(command), ensure_ascii=False)
    assert "SPEC" not in text and "§" not in text


def test_unknown_command_is_a_one_line_usage_error() -> None:
    run = cli("schema", "frobnicate")
    assert run.exit_code == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: no JSON schema for 'frobnicate'")
    for command in ("inspect", "compare", "diff", "plot", "validate", "models", "rule"):
        assert command in lines[0]
