"""The first plot panel (θ' against the served length) drawn in the terminal, for `ntkcli plot`
without --out. It works over SSH with the base install.

Drawn with Rich in Unicode braille (2×4 dots per cell) rather than with plotext: plotext 6
replaced its whole API (5.x's `plt.plot`/`plt.xscale` are gone), so a version floor would be
fragile, and what this chart needs — log axes, gaps, dotted refused stretches, three markers and a
shaded band — is a page of code with no extra dependency. Never prints; computes only positions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from ntkcli.analysis.plot_series import PlotData, Series, SeriesKey
from ntkcli.numbers import compact

STYLE = {"vllm_new": "red", "vllm_old": "blue", "reference": "green"}
TAG = {"vllm_new": "new", "vllm_old": "old", "reference": "ref"}
ENGINE_STYLES = ("yellow", "cyan", "magenta", "bright_black", "bright_green", "bright_blue")
DRAW_ORDER: tuple[SeriesKey, ...] = ("reference", "vllm_old", "vllm_new")  # vLLM new on top
LABEL_WIDTH = 10  # y tick labels
RIGHT_MARGIN = 12  # series tags at the right end of each line
# Braille dot bits, indexed [x % 2][y % 4] (y = 0 is the top of the cell).
BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


def fmt_length(n: int) -> str:
    """256, 1k, 32k: lengths on the x axis (k = 1024, the way max_model_len values are chosen)."""
    return f"{n // 1024}k" if n >= 1024 and n % 1024 == 0 else str(n)


def fmt_tick(value: float) -> str:
    return f"{value:,.0f}" if 1 <= value < 1e7 else f"{value:.0e}"


@dataclass(frozen=True)
class Marker:
    letter: str
    length: float
    text: str


def markers(data: PlotData) -> list[Marker]:
    found = []
    if data.trained_length:
        found.append(
            Marker(
                "T",
                data.trained_length,
                f"T = {data.trained_length}: trained length ({data.trained_length_from})",
            )
        )
    if data.zero_crossing:
        found.append(
            Marker(
                "Z",
                data.zero_crossing,
                f"zero crossing T·(α−1)/α = {compact(data.zero_crossing)}: vLLM new θ' = 0 → NaN "
                "cache; ░ below it: complex θ'",
            )
        )
    new, old = data.default_max_model_len.get("new"), data.default_max_model_len.get("old")
    if new:
        found.append(Marker("D", new, f"default max_model_len {new} (vLLM new)"))
    if old and old != new:
        found.append(Marker("d", old, f"default max_model_len {old} (vLLM old)"))
    return found


class _Canvas:
    def __init__(
        self, cols: int, rows: int, x_range: tuple[float, float], y_range: tuple[float, float]
    ) -> None:
        self.cols, self.rows = cols, rows
        self.dots = [[0] * cols for _ in range(rows)]
        self.owner: list[list[str | None]] = [[None] * cols for _ in range(rows)]
        self.lx = (math.log(x_range[0]), math.log(x_range[1]))
        self.ly = (math.log(y_range[0]), math.log(y_range[1]))

    def px(self, length: float) -> int:
        lo, hi = self.lx
        return round((math.log(length) - lo) / (hi - lo) * (2 * self.cols - 1))

    def py(self, value: float) -> int:
        lo, hi = self.ly
        return round((hi - math.log(value)) / (hi - lo) * (4 * self.rows - 1))

    def y_ticks(self) -> dict[int, float]:
        """Row → a round value (1, 2, 5 × 10^k) inside the plot, at most one per two rows."""
        lo, hi = self.ly
        ticks: dict[int, float] = {}
        for exponent in range(math.floor(lo / math.log(10)), math.ceil(hi / math.log(10)) + 1):
            for mantissa in (1, 2, 5):
                value = mantissa * 10.0**exponent
                if not lo <= math.log(value) <= hi:
                    continue
                row = self.py(value) // 4
                if all(abs(row - other) >= 2 for other in ticks):
                    ticks[row] = value
        return ticks

    def dot(self, x: int, y: int, key: str) -> None:
        if 0 <= x < 2 * self.cols and 0 <= y < 4 * self.rows:
            row, col = y // 4, x // 2
            self.dots[row][col] |= BRAILLE_BITS[x % 2][y % 4]
            self.owner[row][col] = key

    def line(self, a: tuple[int, int], b: tuple[int, int], key: str, dotted: bool) -> None:
        steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
        for t in range(steps + 1):
            if dotted and t % 4 >= 2:
                continue
            x = a[0] + round((b[0] - a[0]) * t / steps)
            y = a[1] + round((b[1] - a[1]) * t / steps)
            self.dot(x, y, key)


def _plot_series(canvas: _Canvas, s: Series) -> tuple[int, int] | None:
    """Draw one series; returns the dot of its last plottable point (for the tag)."""
    previous: tuple[int, int] | None = None
    previous_allowed = True
    last: tuple[int, int] | None = None
    for p in s.points:
        value = p.plottable
        if value is None:
            previous = None  # a gap: no line across NaN/complex points
            continue
        here = (canvas.px(p.length), canvas.py(value))
        if previous is None:
            canvas.dot(*here, s.key)
        else:
            canvas.line(previous, here, s.key, dotted=not (p.allowed and previous_allowed))
        previous, previous_allowed, last = here, p.allowed, here
    return last


def _x_ticks(canvas: _Canvas, low: int, high: int) -> str:
    line = [" "] * (canvas.cols + RIGHT_MARGIN)
    end = -2
    for power in range(math.ceil(math.log2(low)), math.floor(math.log2(high)) + 1):
        label = fmt_length(2**power)
        start = canvas.px(2**power) // 2 - len(label) // 2
        if start <= end + 1 or start < 0 or start + len(label) > len(line):
            continue
        line[start : start + len(label)] = label
        end = start + len(label) - 1
    return "".join(line).rstrip()


def chart_lines(data: PlotData, width: int, height: int = 16) -> Iterator[Text]:
    title = f"θ' against served length — {data.model}"
    yield Text(title, style="bold")
    if data.hf_overrides:
        yield Text(f"hf_overrides: {data.hf_overrides}", style="dim")
    styles, tags = _styles(data)
    every = (*data.series, *data.engines)
    values = [p.plottable for s in every for p in s.points if p.plottable is not None]
    if not values or len(data.lengths) < 2:
        yield Text("nothing to plot: no runtime has a real, positive θ' at these lengths")
        return
    ymin, ymax = min(values), max(values)
    if ymin == ymax:  # flat lines: put them in the middle
        ymin, ymax = ymin / 2, ymax * 2
    else:
        pad = (math.log(ymax) - math.log(ymin)) * 0.05
        ymin, ymax = ymin * math.exp(-pad), ymax * math.exp(pad)
    cols = max(20, width - LABEL_WIDTH - 1 - RIGHT_MARGIN)
    low, high = data.lengths[0], data.lengths[-1]
    canvas = _Canvas(cols, height, (low, high), (ymin, ymax))
    ends: dict[int, list[str]] = {}
    by_key = {s.key: s for s in data.series}
    drawn = [*data.engines, *(by_key[key] for key in DRAW_ORDER if key in by_key)]
    for series in drawn:  # engines first: vLLM new stays on top
        last = _plot_series(canvas, series)
        if last is not None:
            ends.setdefault(last[1] // 4, []).append(series.key)
    marks = [m for m in markers(data) if low <= m.length <= high]
    marker_cols: dict[int, str] = {}
    for m in marks:
        col = canvas.px(m.length) // 2
        marker_cols[col] = marker_cols.get(col, "") + m.letter
    shade_to = canvas.px(data.zero_crossing) // 2 if data.zero_crossing else -1
    y_ticks = canvas.y_ticks()

    yield Text("θ' (log)".rjust(LABEL_WIDTH), style="dim")
    for row in range(height):
        line = Text()
        label = fmt_tick(y_ticks[row]) if row in y_ticks else ""
        line.append(label.rjust(LABEL_WIDTH - 1) + (" ┤" if row in y_ticks else " │"))
        for col in range(cols):
            bits = canvas.dots[row][col]
            owner = canvas.owner[row][col]
            if bits and owner is not None:
                line.append(chr(0x2800 + bits), style=styles[owner])
            elif col in marker_cols:
                line.append("┊", style="magenta")
            elif col < shade_to:
                line.append("░", style="red dim")
            else:
                line.append(" ")
        keys = ends.get(row)
        if keys:
            tag = "/".join(tags[k] for k in keys)
            tag = tag if len(tag) < RIGHT_MARGIN else tag[: RIGHT_MARGIN - 2] + "…"
            line.append(" " + tag, style=styles[keys[-1]])
        yield line
    axis = ["─"] * cols
    for col, letters in marker_cols.items():
        for i, letter in enumerate(letters):
            if 0 <= col + i < cols:
                axis[col + i] = letter
    yield Text(" " * LABEL_WIDTH + "└" + "".join(axis))
    yield Text(" " * (LABEL_WIDTH + 1) + _x_ticks(canvas, low, high))
    axis_label = "length (log): vLLM max_model_len L · reference: sequence length N"
    if data.engines:
        axis_label = "length (log): vLLM max_model_len L · reference, engines: input length N"
    yield Text(" " * (LABEL_WIDTH + 1) + axis_label, style="dim")
    yield from legend(data, marks)


def _styles(data: PlotData) -> tuple[dict[str, str], dict[str, str]]:
    """Style and end-of-line tag per series key: vLLM's and the reference's, then each engine's
    (its name)."""
    styles: dict[str, str] = dict(STYLE)
    tags: dict[str, str] = dict(TAG)
    for i, s in enumerate(data.engines):
        styles[s.key] = ENGINE_STYLES[i % len(ENGINE_STYLES)]
        tags[s.key] = s.key.split("@", 1)[0]
    return styles, tags


def legend(data: PlotData, marks: Iterable[Marker]) -> Iterator[Text]:
    styles, tags = _styles(data)
    for s in (*data.series, *data.engines):
        line = Text("  ")
        line.append("━━ ", style=styles[s.key])
        line.append(f"{tags[s.key]}  {s.label}", style="bold")
        line.append(f" — {s.description}")
        yield line
        line = Text("       ")
        gaps: dict[str, int] = {}
        for p in s.points:
            if p.plottable is None:
                gaps[p.status] = gaps.get(p.status, 0) + 1
        if gaps:
            detail = ", ".join(f"{k} {v}" for k, v in sorted(gaps.items()))
            line.append(f"no real θ' at {sum(gaps.values())} lengths ({detail}) ", style="red")
        refused = sum(1 for p in s.points if not p.allowed)
        if refused:
            first = next(p.refusal for p in s.points if p.refusal)
            first = first if len(first) <= 60 else first[:59] + "…"
            who = "vLLM refuses" if s.key in STYLE else "not served at"
            line.append(
                f"{who} {refused} of {len(s.points)} lengths (dotted), e.g. {first}",
                style="dim",
            )
        if len(line) > 7:
            yield line
    for m in marks:
        yield Text(f"  {m.letter} ┊ {m.text}")
    for note in data.notes:
        yield Text(f"  note: {note}", style="dim")
    yield Text(
        "  wavelength panel: --out FILE.png|.svg (needs ntkcli[plot]); series: --format json",
        style="dim",
    )


class BaseChart:
    """A Rich renderable that draws at the width the console gives it."""

    def __init__(self, data: PlotData, height: int = 16) -> None:
        self.data = data
        self.height = height

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from chart_lines(self.data, options.max_width, self.height)
