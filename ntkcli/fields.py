"""How a result dataclass's fields appear in `--format json`: declared once, on the field.

Every dataclass whose objects reach `--format json` (model.py, engines/base.py, analysis/*) says
in `dataclasses.field(metadata=json_field(...))` what its fields are called in JSON, their unit
and meaning, and when they are left out. serialize/generic.py writes the JSON from these
declarations and builds the JSON Schema (`ntkcli schema COMMAND`) from the same declarations and
the fields' type annotations, so the output, the schema and the dataclasses never disagree.

A field without metadata is written under its own name, converted by its type alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

KEY = "ntkcli.json"  # the metadata key (dataclasses metadata is shared by every library)

Omit = Literal["never", "always", "if_none"]


@dataclass(frozen=True)
class Prop:
    """A computed key: attribute `attr` of the object (a property, or a dotted path through
    fields, "vllm.release"), written as `name`, right after the field that declares it. Its type
    is the property's return annotation; `description` defaults to the property's docstring."""

    name: str
    attr: str
    unit: str | None = None
    description: str | None = None
    keys: tuple[str, ...] | None = None  # only these JSON keys of a dataclass value


@dataclass(frozen=True)
class JsonField:
    name: str | None = None  # the JSON key (default: the field's own name)
    unit: str | None = None  # "tokens", "bytes", "radians", ... (in the schema's description)
    description: str | None = None
    # "always": internal, never written (its `props` still are); "if_none": left out when None.
    omit: Omit = "never"
    # A nested dataclass written inline (its keys beside this object's); when it is None each of
    # its keys takes its own `empty` value.
    flatten: bool = False
    empty: Any = None  # this key's value when the flattened object holding it is None
    group: str | None = None  # the key goes into a sub-object of that name (in field order)
    keys: tuple[str, ...] | None = None  # only these JSON keys of a nested dataclass
    # A tuple of dataclasses written as an object keyed by this attribute of each; "" for a
    # tuple of (name, value) pairs.
    mapping: str | None = None
    attr: str | None = None  # write this attribute of the value instead of the whole value
    props: tuple[Prop, ...] = ()
    props_if_set: bool = False  # the props are left out when this field is None


def json_field(
    name: str | None = None,
    *,
    unit: str | None = None,
    description: str | None = None,
    omit: Omit = "never",
    flatten: bool = False,
    empty: Any = None,
    group: str | None = None,
    keys: tuple[str, ...] | None = None,
    mapping: str | None = None,
    attr: str | None = None,
    props: tuple[Prop, ...] = (),
    props_if_set: bool = False,
) -> Mapping[str, Any]:
    """`dataclasses.field(metadata=json_field(...))`: see JsonField."""
    spec = JsonField(
        name,
        unit,
        description,
        omit,
        flatten,
        empty,
        group,
        keys,
        mapping,
        attr,
        props,
        props_if_set,
    )
    return {KEY: spec}


INTERNAL: Mapping[str, Any] = json_field(omit="always")  # never written to JSON


def spec_of(metadata: Mapping[str, Any]) -> JsonField:
    found = metadata.get(KEY)
    return found if isinstance(found, JsonField) else JsonField()
