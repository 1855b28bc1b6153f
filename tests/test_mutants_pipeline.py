"""The vLLM pipeline's own inputs (issue 14): architectures, the transformers major and its label,
the model type, checked in process on resolve() (SPEC §4 "Order inside vLLM", SPEC-loading
§2'.2 for the transformers range).
"""

from __future__ import annotations

from typing import Any

import pytest

from ntkcli.errors import ConfigError, UsageError
from ntkcli.model import RawConfig, Request, Source
from ntkcli.vllm.pipeline import resolve, transformers_major
from ntkcli.vllm.versions import parse_vllm_version

LLAMA2 = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "max_position_embeddings": 4096,
    "hidden_size": 4096,
    "num_attention_heads": 32,
}


def request(vllm: str = "new", transformers: str = "5", **kw: Any) -> Request:
    return Request(vllm=parse_vllm_version(vllm), transformers=transformers, **kw)


def run(config: dict[str, Any], **kw: Any) -> Any:
    raw = RawConfig("m", Source("local", "m/config.json"), config)
    return resolve(raw, request(**kw))


@pytest.mark.parametrize("bad", ["LlamaForCausalLM", ["LlamaForCausalLM", 3], 7])
def test_architectures_must_be_a_list_of_strings(bad: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        run({**LLAMA2, "architectures": bad})
    assert caught.value.message == (
        f"config.json: 'architectures' must be a list of strings, got {bad!r}"
    )
    assert caught.value.hint == "fix 'architectures' in config.json"


def test_architectures_message_is_cut_at_200() -> None:
    with pytest.raises(ConfigError) as caught:
        run({**LLAMA2, "architectures": [1] * 100})
    assert len(caught.value.message) == 200


def test_architectures_absent_or_null() -> None:
    assert run({**LLAMA2, "architectures": None}).architectures == ()
    assert run({k: v for k, v in LLAMA2.items() if k != "architectures"}).architectures == ()
    assert run(LLAMA2).architectures == ("LlamaForCausalLM",)


@pytest.mark.parametrize(
    ("text", "major", "label"),
    [
        ("5", 5, "5.20.2"),
        (" 5 ", 5, "5.20.2"),
        ("5.24.0", 5, "5.24.0"),
        ("5.24", 5, "5.24"),
        ("4", 4, "4.57.6"),
        ("4.57.1", 4, "4.57.1"),
    ],
)
def test_transformers_major_and_label(text: str, major: int, label: str) -> None:
    # SPEC-loading §2'.2: 5.20.2 is the newest transformers vLLM 0.33 allows; 4.57.6 the last 4.x.
    assert transformers_major(request("0.22", text)) == (major, label)


@pytest.mark.parametrize("text", ["6", "3.0", "5 .1", "five", "45"])
def test_transformers_other_majors_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        transformers_major(request("new", text))
    assert caught.value.message == f"--transformers {text.strip()!r} is not 4 or 5"
    assert caught.value.hint == "use --transformers 5 (or 4)"


def test_transformers_4_only_up_to_vllm_023() -> None:
    # SPEC §8: transformers 4 is allowed up to 0.23.x.
    assert transformers_major(request("0.23", "4")) == (4, "4.57.6")
    with pytest.raises(UsageError) as caught:
        transformers_major(request("0.24", "4.57.6"))
    assert caught.value.message == "--transformers 4: vLLM 0.24.0 requires transformers >=5.5.3"
    assert caught.value.hint == "transformers 4 is allowed up to vLLM 0.23.x; use --transformers 5"


def test_model_type_is_kept_or_empty() -> None:
    assert run(LLAMA2).model_type == "llama"
    assert run({k: v for k, v in LLAMA2.items() if k != "model_type"}).model_type == ""


def test_resolution_transformers_fields() -> None:
    r = run(LLAMA2, transformers="5.24.0")
    assert (r.transformers, r.transformers_label) == ("5", "5.24.0")
