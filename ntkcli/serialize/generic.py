"""Result dataclasses → JSON, and their JSON Schema, from one set of declarations.

`to_json(obj)` walks a dataclass's fields in declaration order and writes each under the name its
metadata gives (ntkcli.fields.json_field), converting by the field's type annotation: nested
dataclasses recursively, tuples to lists, mappings to objects with string keys, an int in a
float field to a float. Non-finite floats and complex bases are left as they are: the JSON
writer (console.json_text) spells them as strings, in one place.

`schema_of(type)` walks the same fields and metadata over the type annotations and returns a
JSON Schema (draft 2020-12) fragment: int, float, str, bool, None unions, Literal (enum), tuples,
Mapping and nested dataclasses. Every object lists all its keys as required (but those left out
when None) and allows no others, so a schema check catches a renamed, missing or extra key.

Where a command's JSON is not one dataclass (a compare row carries its model's keys, validate
writes a readable input's resolution beside its own keys), the command's serializer composes
these objects with `merged` / `merged_schema`. The only hooks beyond that, each documented where
it is: compare keeps, of each engine's lengths, the row's own; plot adds `out`, the chart file
written (not part of the data).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, Union

from ntkcli.fields import JsonField, spec_of

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# -- values -------------------------------------------------------------------------------------


def to_json(value: Any, keys: Sequence[str] | None = None) -> Any:
    """`value` as JSON-ready data: a dataclass as an object of its JSON keys (only `keys`, when
    given), tuples as lists, mappings with string keys; other values unchanged."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _object(type(value), value, keys)
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def _object(cls: type, obj: Any, keys: Sequence[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, group, value in _pairs(cls, obj):
        if keys is not None and (group or name) not in keys:
            continue
        if group is None:
            out[name] = value
        else:
            out.setdefault(group, {})[name] = value
    return out


def _pairs(cls: type, obj: Any) -> Iterator[tuple[str, str | None, Any]]:
    """(key, group, value) of each JSON key of `cls`; `obj` None: a flattened object that is
    absent, whose keys take their `empty` values."""
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        spec = spec_of(f.metadata)
        hint = hints[f.name]
        value = None if obj is None else getattr(obj, f.name)
        if spec.omit == "if_none" and obj is not None and value is None:
            continue
        if spec.omit != "always":
            if spec.flatten:
                inner, _ = _dataclass_in(hint)
                for name, group, v in _pairs(inner, value):
                    if spec.keys is None or name in spec.keys:
                        yield name, group or spec.group, v
            elif obj is None:
                yield _name(spec, f), spec.group, to_json(spec.empty)
            else:
                yield _name(spec, f), spec.group, _convert(spec, value, hint)
        if spec.props_if_set and value is None:
            continue
        for prop in spec.props:
            found = None if obj is None else _get(obj, prop.attr)
            yield prop.name, spec.group, _typed(found, _attr_type(cls, prop.attr), prop.keys)


def _name(spec: JsonField, f: dataclasses.Field[Any]) -> str:
    return spec.name or f.name


def _convert(spec: JsonField, value: Any, hint: Any) -> Any:
    if value is None:
        return None
    if spec.attr is not None:
        inner, _ = _dataclass_in(hint)
        return _typed(getattr(value, spec.attr), _hints(inner)[spec.attr], spec.keys)
    if spec.mapping is not None:
        if spec.mapping == "":
            return {str(k): to_json(v, spec.keys) for k, v in value}
        return {str(getattr(v, spec.mapping)): to_json(v, spec.keys) for v in value}
    return _typed(value, hint, spec.keys)


def _typed(value: Any, hint: Any, keys: Sequence[str] | None = None) -> Any:
    """to_json, with an int in a float-typed place written as a float (vLLM computes it so)."""
    if isinstance(value, int) and not isinstance(value, bool) and _is_float(hint):
        return float(value)
    if isinstance(value, tuple | list):
        item = _item_type(hint)
        if item is not None:
            return [_typed(v, item, keys) for v in value]
    return to_json(value, keys)


def merged(*parts: Mapping[str, Any]) -> dict[str, Any]:
    """Objects side by side; a later part's key wins (a command that writes two objects as one)."""
    out: dict[str, Any] = {}
    for part in parts:
        out.update(part)
    return out


# -- schema -------------------------------------------------------------------------------------

# A float that overflowed is written as a string (console.json_text); a complex base as its repr.
NUMBER: dict[str, Any] = {"anyOf": [{"type": "number"}, {"enum": ["nan", "inf", "-inf"]}]}
COMPLEX: dict[str, Any] = {
    "type": "string",
    "description": "A complex number, as Python writes it, e.g. (-1.5+2j): a negative inner "
    "term raised to a fractional power.",
}


def schema_of(hint: Any, keys: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON Schema of values of type `hint` as to_json writes them."""
    if hint is Any:
        return {}
    if hint is None or hint is type(None):
        return {"type": "null"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return dict(NUMBER)
    if hint is complex:
        return dict(COMPLEX)
    if hint is str:
        return {"type": "string"}
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (Union, types.UnionType):
        return _any_of([schema_of(a, keys) for a in args])
    if origin in (tuple, list, Sequence):
        if origin is tuple and args and args[-1] is not Ellipsis:
            return {
                "type": "array",
                "prefixItems": [schema_of(a, keys) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        return {"type": "array", "items": schema_of(args[0], keys) if args else {}}
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        value = args[1] if len(args) == 2 else Any
        if value is Any:
            return {"type": "object"}
        return {"type": "object", "additionalProperties": schema_of(value)}
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return object_schema(hint, keys)
    raise TypeError(f"no JSON Schema for {hint!r}")


def object_schema(cls: type, keys: Sequence[str] | None = None) -> dict[str, Any]:
    """The schema of one dataclass's JSON object (only `keys`, when given)."""
    props: dict[str, Any] = {}
    required: list[str] = []
    groups: dict[str, dict[str, Any]] = {}
    for name, group, schema, needed in _schema_pairs(cls, nullable=False):
        if keys is not None and (group or name) not in keys:
            continue
        if group is None:
            props[name] = schema
            if needed:
                required.append(name)
            continue
        if group not in groups:
            groups[group] = {"type": "object", "properties": {}, "required": []}
            groups[group]["additionalProperties"] = False
            props[group] = groups[group]
            required.append(group)
        groups[group]["properties"][name] = schema
        if needed:
            groups[group]["required"].append(name)
    # Descriptions come from the field metadata only: class docstrings cite the specs.
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def merged_schema(*parts: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of `merged(*parts)`: the parts' keys side by side, a later part's winning."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for part in parts:
        props.update(part["properties"])
        required += [k for k in part.get("required", []) if k not in required]
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def document(title: str, description: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """A complete schema document."""
    return {"$schema": DRAFT, "title": title, "description": description, **schema}


def _schema_pairs(cls: type, nullable: bool) -> Iterator[tuple[str, str | None, Any, bool]]:
    """(key, group, schema, required) of each JSON key of `cls`, as _pairs writes them;
    `nullable`: inside a flattened object that may be absent."""
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        spec = spec_of(f.metadata)
        hint = hints[f.name]
        if spec.omit != "always":
            if spec.flatten:
                inner, optional = _dataclass_in(hint)
                for name, group, schema, needed in _schema_pairs(inner, nullable or optional):
                    if spec.keys is None or name in spec.keys:
                        yield name, group or spec.group, schema, needed
            else:
                schema = _field_schema(spec, hint)
                if nullable and spec.empty is None:
                    schema = _nullable(schema)
                schema = _described(schema, spec.description, spec.unit)
                yield _name(spec, f), spec.group, schema, spec.omit != "if_none"
        for prop in spec.props:
            schema = schema_of(_attr_type(cls, prop.attr), prop.keys)
            if nullable or spec.props_if_set or "." in prop.attr:
                schema = _nullable(schema)
            doc = prop.description or _first_line(
                getattr(getattr(cls, prop.attr, None), "__doc__", None)
            )
            yield prop.name, spec.group, _described(schema, doc, prop.unit), not spec.props_if_set


def _field_schema(spec: JsonField, hint: Any) -> dict[str, Any]:
    if spec.attr is not None:
        inner, optional = _dataclass_in(hint)
        schema = schema_of(_hints(inner)[spec.attr], spec.keys)
        return _nullable(schema) if optional else schema
    if spec.mapping is not None:
        item = _item_type(_strip_none(hint))
        if spec.mapping == "" and item is not None:
            item = typing.get_args(item)[1]
        return {"type": "object", "additionalProperties": schema_of(item, spec.keys)}
    return schema_of(hint, spec.keys)


def _described(schema: dict[str, Any], description: str | None, unit: str | None) -> dict[str, Any]:
    text = " ".join(
        part for part in (description, f"Unit: {unit}." if unit else None) if part
    ).strip()
    if not text:
        return schema
    if "description" in schema and "properties" not in schema:  # a type's own note (COMPLEX)
        text = f"{text} {schema['description']}"
    return {**schema, "description": text}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") == "null" or {"type": "null"} in schema.get("anyOf", []):
        return schema
    return _any_of([schema, {"type": "null"}])


def _any_of(options: list[dict[str, Any]]) -> dict[str, Any]:
    flat: list[dict[str, Any]] = []
    for option in options:
        for o in option["anyOf"] if set(option) == {"anyOf"} else [option]:
            if o not in flat:
                flat.append(o)
    return flat[0] if len(flat) == 1 else {"anyOf": flat}


# -- types --------------------------------------------------------------------------------------


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _strip_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        return rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007
    return hint


def _dataclass_in(hint: Any) -> tuple[type, bool]:
    """The dataclass of `X` or `X | None`, and whether None is allowed."""
    inner = _strip_none(hint)
    if not (dataclasses.is_dataclass(inner) and isinstance(inner, type)):
        raise TypeError(f"{hint!r} is not a dataclass")
    return inner, inner is not hint


def _item_type(hint: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (tuple, list, Sequence) and args and (origin is not tuple or args[-1] is Ellipsis):
        return args[0]
    return None


def _is_float(hint: Any) -> bool:
    options = (
        typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else (hint,)
    )
    return float in options and int not in options


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part)
    return obj


def _attr_type(cls: type, path: str) -> Any:
    """The type of attribute `path` ("x", or "field.attr") of `cls`: a field's annotation or a
    property's return annotation."""
    hint: Any = cls
    for part in path.split("."):
        owner = _strip_none(hint)
        found = getattr(owner, part, None)
        if isinstance(found, property) and found.fget is not None:
            hint = typing.get_type_hints(found.fget)["return"]
        else:
            hint = _hints(owner)[part]
    return hint


def _first_line(doc: str | None) -> str | None:
    if not doc:
        return None
    return " ".join(doc.strip().split("\n\n")[0].split())
