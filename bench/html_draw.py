"""The HTML report's drawing parts, shared by its modules (bench/html_report.py, bench/operators_html.py):
a matplotlib figure, the figure as inline SVG text in a <figure>, and an HTML table."""

from __future__ import annotations

import html
import io

from edge.errors import EdgebenchError


def figure(ncols: int, nrows: int = 1):
    """A figure of nrows x ncols axes (flat list), or the error that says what to install."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise EdgebenchError("the HTML report draws with matplotlib: pip install 'edgebench[report]'") from None
    fig = Figure(figsize=(5.2 * ncols, 3.6 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, [ax for row in axes for ax in row]


def svg_figure(fig, plot_id: str, title: str) -> str:
    """The figure as inline SVG in a <figure> captioned `title`; the same figure gives the same bytes."""
    import matplotlib

    buffer = io.StringIO()
    # text stays text (searchable, sharp, small); no date: the same runs give the same file
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "edgebench"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    return f'<figure class="plot" id="{plot_id}"><figcaption>{html.escape(title)}</figcaption>{svg}</figure>'


def html_table(head: list[str], rows: list[list[str]], marked: list[bool]) -> str:
    """A table of text cells, escaped; a `marked` row is the recommended one (highlighted)."""
    th = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    body = "".join(("<tr class=\"recommended\">" if m else "<tr>") + "".join(f"<td>{html.escape(c)}</td>" for c in cells)
                   + "</tr>" for cells, m in zip(rows, marked))
    return f'<table class="artifacts"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'
