"""A small SVG plotter for the producer's report: axes with round ticks, lines, areas, bars,
marks and a legend, written as text.

The report's four charts need nothing more, and a plotting library cost most of an edit's
report (half a second to import, as long again to draw). Output is a pure function of the
data, so the same episode gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape as _html_escape

FONT = "font-family='system-ui, sans-serif'"


def escape(text: str) -> str:
    """Text for an SVG element's content (xml.sax.saxutils would load urllib and http:
    14 ms of every build that draws a chart).

    >>> escape("Loudness <LUFS> & peaks")
    'Loudness &lt;LUFS&gt; &amp; peaks'
    """
    return _html_escape(text, quote=False)


def round_ticks(low: float, high: float, most: int = 8) -> list[float]:
    """Ticks at a round step (1, 2 or 5 times a power of ten) across ``low``–``high``.

    >>> round_ticks(0, 283)
    [0.0, 50.0, 100.0, 150.0, 200.0, 250.0]
    >>> round_ticks(-32.5, -12.0)
    [-30.0, -25.0, -20.0, -15.0]
    """
    span = high - low
    if span <= 0:
        return [low]
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9)
    ticks = []
    value = first * step
    while value <= high + 1e-9 * span:
        ticks.append(round(value, 10) + 0.0)
        value += step
    return ticks


def _number(value: float) -> str:
    """A tick's label: no trailing zeros.

    >>> _number(250.0), _number(-2.5), _number(0.1 + 0.2)
    ('250', '-2.5', '0.3')
    """
    return f"{value:.6g}"


@dataclass
class Plot:
    """One chart: data coordinates ``x`` and ``y`` (low, high) mapped into a ``width`` by
    ``height`` pixel box, with margins for the axes' labels."""

    x: tuple[float, float]
    y: tuple[float, float]
    xlabel: str = ""
    ylabel: str = ""
    width: int = 900
    height: int = 260
    left: int = 64
    bottom: int = 42
    top: int = 14
    right: int = 18
    y_names: Sequence[str] = ()  # names for the y ticks 0, 1, 2… (a bar chart's rows)
    legend_on_top: bool = False  # the legend in the top right corner, else the bottom right
    parts: list[str] = field(default_factory=list)
    legend: list[tuple[str, str, str]] = field(default_factory=list)

    def sx(self, value: float) -> float:
        low, high = self.x
        inner = self.width - self.left - self.right
        return round(self.left + (value - low) / ((high - low) or 1) * inner, 2)

    def sy(self, value: float) -> float:
        low, high = self.y
        inner = self.height - self.top - self.bottom
        return round(self.height - self.bottom - (value - low) / ((high - low) or 1) * inner, 2)

    def line(
        self, xs: Sequence[float], ys: Sequence[float], colour: str, width: float = 1.0,
        dash: str = "",
    ) -> None:  # fmt: skip
        points = " ".join(f"{self.sx(x)},{self.sy(y)}" for x, y in zip(xs, ys, strict=True))
        self.parts.append(
            f"<polyline points='{points}' fill='none' stroke='{colour}' "
            f"stroke-width='{width}'{_dash(dash)}/>"
        )

    def area(
        self, xs: Sequence[float], lows: Sequence[float], highs: Sequence[float], colour: str
    ) -> None:
        top = [f"{self.sx(x)},{self.sy(y)}" for x, y in zip(xs, highs, strict=True)]
        under = [f"{self.sx(x)},{self.sy(y)}" for x, y in zip(xs, lows, strict=True)]
        points = " ".join(top + under[::-1])
        self.parts.append(f"<polygon points='{points}' fill='{colour}'/>")

    def hline(self, y: float, colour: str, width: float = 1.0, dash: str = "") -> None:
        self.line(list(self.x), [y, y], colour, width, dash)

    def vline(self, x: float, colour: str, width: float = 1.0, dash: str = "") -> None:
        self.line([x, x], list(self.y), colour, width, dash)

    def bar(
        self, x0: float, y0: float, x1: float, y1: float, colour: str, opacity: float = 1.0
    ) -> None:
        left, right = sorted((self.sx(x0), self.sx(x1)))
        upper, lower = sorted((self.sy(y0), self.sy(y1)))
        self.parts.append(
            f"<rect x='{left}' y='{upper}' width='{round(right - left, 2)}' "
            f"height='{round(lower - upper, 2)}' fill='{colour}' fill-opacity='{opacity}'/>"
        )

    def label(self, x: float, y: float, text: str, colour: str, size: int = 10) -> None:
        """Text whose top left is at data point (x, y), nudged inside the box."""
        self.parts.append(
            f"<text x='{self.sx(x) + 3}' y='{self.sy(y) + size + 2}' font-size='{size}' "
            f"fill='{colour}' {FONT}>{escape(text)}</text>"
        )

    def key(self, text: str, colour: str, dash: str = "") -> None:
        self.legend.append((text, colour, dash))

    def svg(self) -> str:
        return (
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{self.width}' "
            f"height='{self.height}' viewBox='0 0 {self.width} {self.height}'>"
            f"<rect width='{self.width}' height='{self.height}' fill='white'/>"
            + "".join(self.parts)
            + self._axes()
            + self._legend()
            + "</svg>"
        )

    def _axes(self) -> str:
        bottom, left = self.height - self.bottom, self.left
        out = [
            f"<path d='M{left},{self.top}V{bottom}H{self.width - self.right}' fill='none' "
            "stroke='#1b1b1b' stroke-width='0.8'/>"
        ]
        text = f"font-size='10' fill='#1b1b1b' {FONT}"
        for tick in round_ticks(*self.x):
            at = self.sx(tick)
            out.append(f"<path d='M{at},{bottom}v4' stroke='#1b1b1b' stroke-width='0.8'/>")
            out.append(
                f"<text x='{at}' y='{bottom + 16}' text-anchor='middle' {text}>"
                f"{_number(tick)}</text>"
            )
        ticks = range(len(self.y_names)) if self.y_names else round_ticks(*self.y)
        for tick in ticks:
            at = self.sy(tick)
            name = self.y_names[int(tick)] if self.y_names else _number(tick)
            out.append(f"<path d='M{left - 4},{at}h4' stroke='#1b1b1b' stroke-width='0.8'/>")
            out.append(
                f"<text x='{left - 7}' y='{at + 3.5}' text-anchor='end' {text}>"
                f"{escape(name)}</text>"
            )
        middle_x = (left + self.width - self.right) / 2
        out.append(
            f"<text x='{middle_x}' y='{self.height - 6}' text-anchor='middle' {text}>"
            f"{escape(self.xlabel)}</text>"
        )
        if self.ylabel:
            middle_y = (self.top + bottom) / 2
            out.append(
                f"<text transform='translate(14,{middle_y}) rotate(-90)' text-anchor='middle' "
                f"{text}>{escape(self.ylabel)}</text>"
            )
        return "".join(out)

    def _legend(self) -> str:
        out = []
        right = self.width - self.right - 8
        for row, (text, colour, dash) in enumerate(self.legend):
            if self.legend_on_top:
                y = self.top + 12 + 14 * row
            else:
                y = self.height - self.bottom - 10 - 14 * (len(self.legend) - 1 - row)
            out.append(
                f"<path d='M{right - 24},{y - 3}h20' stroke='{colour}' stroke-width='2'"
                f"{_dash(dash)}/>"
                f"<text x='{right - 30}' y='{y}' text-anchor='end' font-size='9' "
                f"fill='#1b1b1b' {FONT}>{escape(text)}</text>"
            )
        return "".join(out)


def _dash(dash: str) -> str:
    return f" stroke-dasharray='{dash}'" if dash else ""
