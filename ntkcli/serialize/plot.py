"""PlotData → the `plot --format json` document. The charts are drawn from the same PlotData.

Per point: `scaled_base` is the plottable value (a finite positive float, else null: a gap);
`scaled_base_exact` is θ' as computed (a float, or the Python repr of a complex/NaN/inf value);
`status` says why a point is a gap ("zero", "complex", "negative", "nan", "inf", "unavailable").
"""

from __future__ import annotations

from typing import Any

from ntkcli.analysis.plot_series import BasePoint, PlotData, Series, Wavelengths
from ntkcli.serialize import jsonable, number


def point(p: BasePoint) -> dict[str, Any]:
    return {
        "length": p.length,
        "scaled_base": p.plottable,
        "scaled_base_exact": number(p.base),
        "status": p.status,
        "inner_term": number(p.inner),
        "allowed": p.allowed,
        "refusal": p.refusal,
    }


def series(s: Series) -> dict[str, Any]:
    return {
        "label": s.label,
        "description": s.description,
        "points": [point(p) for p in s.points],
    }


def wavelengths(w: Wavelengths) -> dict[str, Any]:
    return {
        "label": w.label,
        "scaled_base": number(w.base),
        "status": w.status,
        "rotary_dim": w.rotary_dim,
        "allowed": w.allowed,
        "wavelengths": None if w.values is None else list(w.values),
    }


def plot(d: PlotData, out: str | None = None) -> dict[str, Any]:
    return {
        "model": d.model,
        "hf_overrides": jsonable(dict(d.hf_overrides)),
        "base": d.base,
        "factor": d.factor,
        "rotary_dim": d.rotary_dim,
        "trained_length": d.trained_length,
        "trained_length_from": d.trained_length_from,
        "zero_crossing": d.zero_crossing,
        "default_max_model_len": dict(d.default_max_model_len),
        "lengths": list(d.lengths),
        "series": {s.key: series(s) for s in d.series},
        "wavelengths": {
            "at": d.at,
            "series": {w.key: wavelengths(w) for w in d.wavelengths},
        },
        "notes": list(d.notes),
        "engines": {s.key: series(s) for s in d.engines},
        "out": out,
    }
