"""PlotData → the `plot --format json` document. The charts are drawn from the same PlotData.

Per point: `scaled_base` is the plottable value (a finite positive float, else null: a gap);
`scaled_base_exact` is θ' as computed (a float, or the Python repr of a complex/NaN/inf value);
`status` says why a point is a gap ("zero", "complex", "negative", "nan", "inf", "unavailable").
"""

from __future__ import annotations

from typing import Any

from ntkcli.analysis.plot_series import PlotData
from ntkcli.serialize.generic import merged, merged_schema, object_schema, to_json

# The chart file written (--out), beside the data it was drawn from.
OUT_SCHEMA: dict[str, Any] = {
    "properties": {
        "out": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "The chart file written (--out); null when none was.",
        }
    },
    "required": ["out"],
}


def plot(d: PlotData, out: str | None = None) -> dict[str, Any]:
    return merged(to_json(d), {"out": out})


def plot_schema() -> dict[str, Any]:
    return merged_schema(object_schema(PlotData), OUT_SCHEMA)
