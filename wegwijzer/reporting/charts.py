"""Bar charts as inline SVG (matplotlib, no files, no fonts or scripts from elsewhere).

A hidden cell ("<5") is drawn as an empty bar with the text "<5": the chart never shows more than the table.
"""
from __future__ import annotations

import io
import re
from html import escape

import matplotlib
from matplotlib.figure import Figure

from wegwijzer.reporting.privacy import HIDDEN

BAR = "#1f4e79"
TEXT = "#1a1a1a"


def _scoped(svg: str, prefix: str) -> str:
    """Give every id in the drawing a prefix, so that several drawings on one page never share an id."""
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f'url(#{prefix}-{m.group(1)})', svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)


def bar_chart(key: str, title: str, labels: list[str], counts: list[int | str]) -> str:
    """A horizontal bar chart as an ``<svg>`` element with ``role="img"`` and ``title`` as its name."""
    values = [0 if c == HIDDEN else int(c) for c in counts]
    height = 0.9 + 0.42 * max(len(labels), 1)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": key, "font.size": 10,
                                "text.color": TEXT, "axes.labelcolor": TEXT, "xtick.color": TEXT, "ytick.color": TEXT}):
        figure = Figure(figsize=(6.4, height))
        axes = figure.subplots()
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, values, color=BAR, height=0.6)
        axes.set_yticks(positions, labels=[label if len(label) <= 34 else label[:33] + "…" for label in labels])
        top = max(values, default=0) or 1
        axes.set_xlim(0, top * 1.18 + 1)
        for position, value, shown in zip(positions, values, counts):
            axes.text(value + top * 0.02, position, str(shown), va="center", fontsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        axes.xaxis.get_major_locator().set_params(integer=True)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" class="chart" ', 1)
    svg = re.sub(r'<metadata>.*?</metadata>', "", svg, flags=re.S)
    svg = re.sub(r' (width|height)="[^"]*pt"', "", svg, count=2)  # the page sizes it; the viewBox keeps the shape
    return _scoped(svg, f"c-{key}")
