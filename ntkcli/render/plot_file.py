"""The two-panel figure of `ntkcli plot --out FILE.png|.svg`, drawn with matplotlib.

matplotlib is an optional extra (`pip install 'ntkcli[plot]'`), imported only inside `write_plot`
so that no other command (and not the terminal chart) pays for it. A missing matplotlib is an
NtkcliError (exit 3, like any input ntkcli cannot use) with the install hint.

The figure has a fixed size and dpi and is drawn on the Agg canvas without `bbox_inches="tight"`,
so a PNG is always FIGSIZE × DPI pixels (tests read its header) and an SVG FIGSIZE × 72 points.
"""

from __future__ import annotations

import io
import math
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ntkcli.analysis.plot_series import PlotData, Series, SeriesKey
from ntkcli.errors import NtkcliError, UsageError
from ntkcli.render.plot_terminal import fmt_length, markers

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FileFormat = Literal["png", "svg"]
FIGSIZE = (14.0, 8.0)  # inches
DPI = 100  # → PNG 1400 × 800 px; SVG 1008 × 576 pt
ENGINE_COLORS = ("#bcbd22", "#17becf", "#e377c2", "#8c564b", "#7f7f7f", "#ff7f0e")
COLORS = {"vllm_new": "#d62728", "vllm_old": "#1f77b4", "reference": "#2ca02c"}
# Drawn widest first, so lines that coincide (flat lines at θ) stay visible as nested stripes.
WIDTHS = {"vllm_new": 1.6, "vllm_old": 3.6, "reference": 6.5}
ALPHAS = {"vllm_new": 1.0, "vllm_old": 0.9, "reference": 0.5}
REFUSED = (0, (4, 3))  # dashes: vLLM would refuse that max_model_len
# Markers: (colour, style, width). T is wide and grey so a default length on top stays visible.
MARKER_STYLES = {
    "T": ("0.6", "-", 3.0),
    "Z": ("#d62728", ":", 1.6),
    "D": ("#9467bd", "-.", 1.4),
    "d": ("#1f77b4", "-.", 1.4),
}
DRAW_ORDER: tuple[SeriesKey, ...] = ("reference", "vllm_old", "vllm_new")
INSTALL_HINT = "pip install 'ntkcli[plot]', or leave out --out to draw in the terminal"


def file_format(path: str) -> FileFormat:
    """PNG or SVG, from the suffix of --out (anything else is a usage error, exit 2)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".png", ".svg"):
        _refuse_special(path)
        return "png" if suffix == ".png" else "svg"
    raise UsageError(
        f"--out {path!r}: the file name must end in .png or .svg",
        hint="e.g. --out plot.png or --out plot.svg",
    )


def pixel_size(fmt: FileFormat) -> tuple[int, int]:
    """Width × height of the written file: pixels (PNG) or points (SVG)."""
    scale = DPI if fmt == "png" else 72
    return round(FIGSIZE[0] * scale), round(FIGSIZE[1] * scale)


def _runs(s: Series) -> list[tuple[list[int], list[float], bool]]:
    """Consecutive plottable points with the same `allowed`, each run sharing its first point
    with the previous run so that a solid line turns dashed without a visual break."""
    runs: list[tuple[list[int], list[float], bool]] = []
    previous: tuple[int, float] | None = None
    for p in s.points:
        value = p.plottable
        if value is None:
            previous = None
            continue
        if previous is not None and runs and runs[-1][2] == p.allowed:
            runs[-1][0].append(p.length)
            runs[-1][1].append(value)
        else:
            xs, ys = ([previous[0]], [previous[1]]) if previous is not None else ([], [])
            runs.append(([*xs, p.length], [*ys, value], p.allowed))
        previous = (p.length, value)
    return runs


def _log_value_axis(ax: Axes) -> None:
    """Log y axis labelled at 1, 2, 5 × 10^k with plain numbers (θ' and wavelengths)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _length_axis(ax: Axes, low: int, high: int) -> None:
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    ax.set_xscale("log", base=2)
    ax.set_xlim(low, high)
    ticks = [2**p for p in range(math.ceil(math.log2(low)), math.floor(math.log2(high)) + 1)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels([fmt_length(t) for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _legend_below(ax: Axes) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.11), fontsize=8, frameon=False)


def _bases_panel(ax: Axes, data: PlotData) -> None:
    low, high = data.lengths[0], data.lengths[-1]
    by_key = {s.key: s for s in data.series}
    for key in DRAW_ORDER:
        s = by_key.get(key)
        if s is None:
            continue
        labelled = False
        for xs, ys, allowed in _runs(s):
            ax.plot(
                xs,
                ys,
                linestyle="-" if allowed else REFUSED,
                color=COLORS[key],
                linewidth=WIDTHS[key],
                alpha=ALPHAS[key] if allowed else ALPHAS[key] * 0.6,
                solid_capstyle="butt",
                label=None if labelled else f"{s.label}: {s.description}",
                zorder=3,
            )
            labelled = True
        if not labelled:
            ax.plot([], [], color=COLORS[key], label=f"{s.label}: no real θ' at these lengths")
    for i, s in enumerate(data.engines):  # --engine: θ' per input length, thinner lines
        color = ENGINE_COLORS[i % len(ENGINE_COLORS)]
        labelled = False
        for xs, ys, allowed in _runs(s):
            ax.plot(
                xs,
                ys,
                linestyle="-" if allowed else REFUSED,
                color=color,
                linewidth=1.4,
                alpha=0.9 if allowed else 0.5,
                label=None if labelled else f"{s.label}: {s.description}",
                zorder=2.5,
            )
            labelled = True
        if not labelled:
            ax.plot([], [], color=color, label=f"{s.label}: no real θ' at these lengths")
    if any(not p.allowed for s in data.series for p in s.points):
        ax.plot([], [], color="0.4", linestyle=REFUSED, label="dashed: vLLM would refuse")
    if any(not p.allowed for s in data.engines for p in s.points):
        ax.plot(
            [], [], color="0.6", linestyle=REFUSED, label="dashed: the engine does not serve it"
        )
    if data.zero_crossing and data.zero_crossing > low:
        ax.axvspan(
            low,
            data.zero_crossing,
            facecolor="#d62728",
            edgecolor="#d62728",
            alpha=0.12,
            hatch="//",
            linewidth=0,
            label="vLLM new: θ' = 0 at the crossing (NaN cache), complex θ' below (garbage)",
            zorder=1,
        )
        ax.text(
            math.sqrt(low * data.zero_crossing),
            0.5,
            "vLLM new:\nθ' complex\n(no real base)",
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="center",
            color="#a01010",
            fontsize=9,
            zorder=4,
        )
    for m in markers(data):
        if not low <= m.length <= high:
            continue
        color, style, width = MARKER_STYLES[m.letter]
        ax.axvline(
            m.length,
            color=color,
            linestyle=style,
            linewidth=width,
            zorder=2,
            label=m.text.replace("; ░ below it: complex θ'", ""),
        )
    _length_axis(ax, low, high)
    _log_value_axis(ax)
    who = "reference, engines: input length N" if data.engines else "reference: sequence length N"
    ax.set_xlabel(f"length (log scale): vLLM max_model_len L · {who}")
    ax.set_ylabel("scaled base θ' (log scale)")
    ax.set_title("θ' against served length", loc="left", fontweight="bold")
    ax.grid(True, which="major", color="0.9", linewidth=0.8)
    ax.margins(y=0.1)
    _legend_below(ax)


def _wavelength_panel(ax: Axes, data: PlotData) -> None:
    by_key = {w.key: w for w in data.wavelengths}
    for key in DRAW_ORDER:
        w = by_key.get(key)
        if w is None:
            continue
        if w.values is None:
            ax.plot(
                [], [], color=COLORS[key], label=f"{w.label}: θ' {w.status}, no real wavelengths"
            )
            continue
        assert isinstance(w.base, float)
        ax.plot(
            range(len(w.values)),
            w.values,
            color=COLORS[key],
            linewidth=WIDTHS[key],
            alpha=ALPHAS[key],
            marker="o" if key == "vllm_new" else None,
            markersize=2.5,
            label=f"{w.label}: θ' = {w.base:.6g}" + ("" if w.allowed else " (vLLM would refuse)"),
            zorder=3,
        )
    ax.axhline(
        data.at,
        color="#9467bd",
        linestyle="-.",
        linewidth=1.2,
        label=f"length {data.at}: pairs above it never complete a turn within it",
    )
    if data.trained_length:
        ax.axhline(
            data.trained_length,
            color=MARKER_STYLES["T"][0],
            linewidth=2.0,
            label=f"T = {data.trained_length}",
        )
    _log_value_axis(ax)
    ax.set_xlabel("dimension pair i   (inv_freq_i = 1 / θ'^(2i/d))")
    ax.set_ylabel("wavelength 2π / inv_freq_i (tokens, log scale)")
    ax.set_title(
        f"Wavelength per dimension pair at length {data.at}", loc="left", fontweight="bold"
    )
    ax.grid(True, which="major", color="0.9", linewidth=0.8)
    _legend_below(ax)


def render_figure(data: PlotData, fmt: FileFormat) -> bytes:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise NtkcliError(
            "plot --out needs matplotlib, which is not installed", hint=INSTALL_HINT
        ) from None
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, width_ratios=(1.35, 1.0))
    _bases_panel(left, data)
    _wavelength_panel(right, data)
    overrides = f" · hf_overrides {data.hf_overrides}" if data.hf_overrides else ""
    fig.suptitle(f"{data.model}{overrides}", fontsize=11)
    buffer = io.BytesIO()
    metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def _refuse_special(path: str) -> None:
    """--out names a FIFO, a device or a directory: writing would block or mean nothing (exit 3)."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return  # does not exist yet (or unreachable: the write reports it)
    if not stat.S_ISREG(mode):
        raise NtkcliError(
            f"--out {path!r} exists and is not a regular file (a FIFO, a device or a directory)",
            hint="give --out a new or a regular file name",
        )


def _write(path: str, content: bytes) -> None:
    # O_NONBLOCK: a FIFO swapped in after the check fails at once (ENXIO) instead of blocking.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK, 0o666)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        os.ftruncate(fd, 0)
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_plot(data: PlotData, path: str) -> tuple[FileFormat, tuple[int, int]]:
    """Render and write the figure; returns its format and size (px for PNG, pt for SVG)."""
    fmt = file_format(path)
    content = render_figure(data, fmt)
    try:
        _write(path, content)
    except OSError as exc:
        raise NtkcliError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="check that the directory exists and is writable",
        ) from None
    return fmt, pixel_size(fmt)


def written_message(path: str, fmt: FileFormat, size: tuple[int, int]) -> str:
    unit = "px" if fmt == "png" else "pt"
    return f"Wrote {path} ({fmt.upper()}, {size[0]} × {size[1]} {unit})"
