"""The single-file HTML report: the artifact table and three plots drawn as inline SVG
(no script, no network, so it opens anywhere and renders in a headless browser):
quality against size, quality against generation tok/s with the Pareto front, and score
against n_predict.
"""

from __future__ import annotations

import html
from pathlib import Path

from bench.report import ArtifactRow, _caption, _groups, cells, columns

WIDTH, HEIGHT, PAD = 560, 340, 56
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")


def quality(row: ArtifactRow) -> tuple[str, float | None]:
    """The quality axis: disposition score, else pass@1, else top-1 agreement with the reference."""
    for metric in ("disposition", "pass@1"):
        if metric in row.scores:
            return metric, row.scores[metric]["value"]
    if row.drift:
        return "top-1 agreement", row.drift["top1_agreement"]
    return "quality", None


def _scale(values: list[float], lo_px: float, hi_px: float):
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 0.5 if lo else -0.5, hi + 0.5 if hi else 0.5
    return lambda v: lo_px + (v - lo) / (hi - lo) * (hi_px - lo_px), lo, hi


def _axes(title: str, x_label: str, y_label: str, x_range, y_range, plot_id: str) -> list[str]:
    (x_lo, x_hi), (y_lo, y_hi) = x_range, y_range
    return [
        f'<svg class="plot" id="{plot_id}" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-weight="bold">{html.escape(title)}</text>',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 20}" y2="{HEIGHT - PAD}" stroke="#333"/>',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{PAD}" y2="30" stroke="#333"/>',
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 12}" text-anchor="middle">{html.escape(x_label)}</text>',
        f'<text x="14" y="{HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 14 {HEIGHT / 2})">{html.escape(y_label)}</text>',
        f'<text x="{PAD}" y="{HEIGHT - PAD + 16}" text-anchor="middle" font-size="11">{x_lo:.3g}</text>',
        f'<text x="{WIDTH - 20}" y="{HEIGHT - PAD + 16}" text-anchor="end" font-size="11">{x_hi:.3g}</text>',
        f'<text x="{PAD - 6}" y="{HEIGHT - PAD}" text-anchor="end" font-size="11">{y_lo:.3g}</text>',
        f'<text x="{PAD - 6}" y="36" text-anchor="end" font-size="11">{y_hi:.3g}</text>',
    ]


def scatter(points: list[tuple[str, float, float]], title: str, x_label: str, y_label: str, plot_id: str,
            front: bool = False) -> str:
    if not points:
        return f'<p class="empty" id="{plot_id}">{html.escape(title)}: no data in these runs</p>'
    sx, x_lo, x_hi = _scale([p[1] for p in points], PAD + 10, WIDTH - 90)  # room for the labels
    sy, y_lo, y_hi = _scale([p[2] for p in points], HEIGHT - PAD - 10, 40)
    parts = _axes(title, x_label, y_label, (x_lo, x_hi), (y_lo, y_hi), plot_id)
    if front:
        pareto = pareto_front([(x, y) for _, x, y in points])
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pareto)
        parts.append(f'<polyline class="pareto" points="{path}" fill="none" stroke="#d62728" stroke-dasharray="5,3"/>')
    for i, (label, x, y) in enumerate(points):
        colour = COLOURS[i % len(COLOURS)]
        parts.append(f'<circle class="point" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="5" fill="{colour}"><title>{html.escape(label)}: '
                     f'{x:.3g}, {y:.3g}</title></circle>')
        parts.append(f'<text x="{sx(x) + 7:.1f}" y="{sy(y) - 7:.1f}" font-size="10">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def pareto_front(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points no other point beats on both axes (higher is better on both), by x."""
    front = [p for p in points if not any(q[0] >= p[0] and q[1] >= p[1] and q != p for q in points)]
    return sorted(set(front))


def lines(series: dict[str, dict[int, float]], title: str, y_label: str, plot_id: str) -> str:
    series = {k: v for k, v in series.items() if v}
    if not series:
        return f'<p class="empty" id="{plot_id}">{html.escape(title)}: no data in these runs</p>'
    xs = [b for s in series.values() for b in s]
    ys = [v for s in series.values() for v in s.values()]
    sx, x_lo, x_hi = _scale(xs, PAD + 10, WIDTH - 120)
    sy, y_lo, y_hi = _scale(ys, HEIGHT - PAD - 10, 40)
    parts = _axes(title, "n_predict (tokens)", y_label, (x_lo, x_hi), (y_lo, y_hi), plot_id)
    for i, (label, values) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{sx(b):.1f},{sy(v):.1f}" for b, v in sorted(values.items()))
        parts.append(f'<polyline class="series" points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{WIDTH - 112}" y="{44 + 14 * i}" font-size="10" fill="{colour}">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def render(rows: list[ArtifactRow]) -> str:
    multi = len({r.run for r in rows}) > 1
    name = (lambda r: f"{r.label} [{Path(r.run).name}]") if multi else (lambda r: r.label)
    metric = next((quality(r)[0] for r in rows if quality(r)[1] is not None), "quality")
    scored = [(name(r), r, quality(r)[1]) for r in rows if quality(r)[1] is not None]
    by_size = [(n, r.size_bytes / 2**20, q) for n, r, q in scored]
    by_speed = [(n, r.gen_tps, q) for n, r, q in scored if r.gen_tps]
    budget_metric = "disposition" if any("disposition" in r.by_budget for r in rows) else "pass@1"
    series = {name(r): {int(b): v for b, v in r.by_budget.get(budget_metric, {}).items()} for r in rows}
    tables = []
    for (run, device), group in _groups(rows).items():
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns(group))
        body = "".join("<tr" + (' class="recommended"' if r.recommended else "") + ">"
                       + "".join(f"<td>{html.escape(c)}</td>" for c in cells(r)) + "</tr>" for r in group)
        caption = "<br>".join(html.escape(line) for line in _caption(group).splitlines())
        tables.append(f'<h2>{html.escape(run)} — {html.escape(device)}</h2><table class="artifacts"><thead><tr>{head}</tr></thead>'
                      f"<tbody>{body}</tbody></table><p class=\"caption\">{caption}</p>")
    plots = [
        scatter(by_size, f"{metric} vs size", "size (MiB)", metric, "plot-size"),
        scatter(by_speed, f"{metric} vs generation speed (Pareto front dashed)", "generation tok/s", metric, "plot-speed", front=True),
        lines(series, f"{budget_metric} vs n_predict", budget_metric, "plot-budget"),
    ]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>edgebench report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; }}
table.artifacts {{ border-collapse: collapse; font-size: 13px; }}
table.artifacts td, table.artifacts th {{ border: 1px solid #ccc; padding: 3px 6px; text-align: right; }}
table.artifacts td:first-child, table.artifacts td:last-child {{ text-align: left; }}
tr.recommended {{ background: #e6f4ea; font-weight: bold; }}
.caption {{ font-size: 12px; color: #555; }}
.plots {{ display: flex; flex-wrap: wrap; gap: 16px; }}
</style></head><body>
<h1>edgebench report</h1>
{''.join(tables)}
<div class="plots">
{''.join(plots)}
</div>
</body></html>
"""


def write_html(rows: list[ArtifactRow], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(rows), encoding="utf-8")
    tmp.replace(path)
