"""The generic serializer and schema builder (serialize/generic.py) on small dataclasses, one
metadata rule at a time; expected JSON and schemas written out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ntkcli.console import json_text
from ntkcli.fields import INTERNAL, Prop, json_field
from ntkcli.serialize.generic import NUMBER, merged, merged_schema, object_schema, to_json


@dataclass(frozen=True)
class Inner:
    rows: int = field(metadata=json_field("cache_rows", unit="tokens"))
    flag: bool = field(default=True, metadata=json_field(empty=False))
    seq: tuple[float, ...] = field(default=(), metadata=json_field(empty=()))


@dataclass(frozen=True)
class Outer:
    name: str
    base: float | complex = field(metadata=json_field(description="θ'."))
    inner: Inner | None = field(metadata=json_field(flatten=True))
    secret: str = field(metadata=INTERNAL)
    kind: Literal["a", "b"] = field(metadata=json_field("what", group="info"))
    size: int | None = field(metadata=json_field(group="info", omit="if_none", unit="bytes"))
    pairs: tuple[tuple[str, Inner], ...] = field(
        default=(), metadata=json_field(mapping="", keys=("cache_rows",))
    )
    extra: Mapping[str, Any] = field(
        default_factory=dict, metadata=json_field(props=(Prop("twice", "twice"),))
    )

    @property
    def twice(self) -> int:
        """Twice the name's length."""
        return 2 * len(self.name)


def test_to_json_applies_names_flattening_groups_omission_and_mappings() -> None:
    obj = Outer("m", 10000, Inner(4, False, (1, 0.5)), "x", "a", None, (("sliding", Inner(2)),))
    assert to_json(obj) == {
        "name": "m",
        "base": 10000.0,  # an int in a float field is written as a float
        "cache_rows": 4,
        "flag": False,
        "seq": [1.0, 0.5],
        "info": {"what": "a"},  # size None: left out
        "pairs": {"sliding": {"cache_rows": 2}},
        "extra": {},
        "twice": 2,
    }
    assert isinstance(to_json(obj)["base"], float)


def test_an_absent_flattened_object_writes_each_key_empty() -> None:
    obj = Outer("mm", complex(1, 2), None, "x", "b", 7)
    data = to_json(obj)
    assert (data["cache_rows"], data["flag"], data["seq"]) == (None, False, [])
    assert data["info"] == {"what": "b", "size": 7}
    # The JSON writer, the one place for numbers JSON cannot spell: complex, inf, NaN.
    text = json_text(merged(data, {"inf": float("inf"), "nan": float("nan")}))
    assert '"base": "(1+2j)"' in text and '"inf": "inf"' in text and '"nan": "nan"' in text


def test_schema_of_a_dataclass() -> None:
    schema = object_schema(Outer)
    props = schema["properties"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == [
        *("name", "base", "cache_rows", "flag", "seq", "info", "pairs", "extra", "twice")
    ]
    assert props["base"] == {
        "anyOf": [*NUMBER["anyOf"], props["base"]["anyOf"][-1]],
        "description": "θ'.",
    }
    assert props["base"]["anyOf"][-1]["type"] == "string"  # a complex base, as written
    # Inside an optional flattened object: null allowed, unless the empty value is not null.
    assert props["cache_rows"] == {
        "anyOf": [{"type": "integer"}, {"type": "null"}],
        "description": "Unit: tokens.",
    }
    assert props["flag"] == {"type": "boolean"}
    assert props["seq"] == {"type": "array", "items": NUMBER}
    assert props["info"] == {
        "type": "object",
        "properties": {
            "what": {"enum": ["a", "b"]},
            "size": {
                "anyOf": [{"type": "integer"}, {"type": "null"}],
                "description": "Unit: bytes.",
            },
        },
        "required": ["what"],
        "additionalProperties": False,
    }
    assert props["pairs"]["additionalProperties"]["properties"] == {
        "cache_rows": {"type": "integer", "description": "Unit: tokens."}
    }
    assert props["extra"] == {"type": "object"}
    assert props["twice"] == {"type": "integer", "description": "Twice the name's length."}
    assert "secret" not in props


def test_merged_schema_lets_the_later_part_win() -> None:
    a = {"properties": {"x": {"type": "integer"}, "y": {}}, "required": ["x"]}
    b = {"properties": {"x": {"type": "string"}}, "required": ["x", "z"]}
    assert merged_schema(a, b) == {
        "type": "object",
        "properties": {"x": {"type": "string"}, "y": {}},
        "required": ["x", "z"],
        "additionalProperties": False,
    }
