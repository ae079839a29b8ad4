"""The single-file HTML report: the answer, the tables, and plots drawn by matplotlib.

matplotlib rather than Vega-Lite: it renders to static SVG text inside the page, so the file
has no script at all, opens offline anywhere (a Pi's browser included) and renders the same
in headless Chromium; altair would have to inline a 700 KB JavaScript runtime to work offline.
Every artifact keeps one colour across all plots and is named in each plot's legend, so no
label is written beside a point (six quant levels of one size would overlap into a smudge).

Plots, each drawn only when the runs hold its data:
- drift: KL divergence and top-1 agreement (±1.96 SE) against size and against bits per weight;
- quality: each suite's target score (95% CI) against size, and against generation tok/s
  with the Pareto front (no other artifact is both faster and better);
- truncation: the target score against n_predict beside the share of answers cut off there;
- speed per device: generation tok/s per artifact for each run folder, when several merge;
- training: the SFT and DPO loss curves of a run made with an adapter from edgebench train;
- the operators (bench/operators_html.py): the head ranking (Cohen's d per head with its interval)
  and the h_last probe's ROC curves per artifact, from the files a run folder keeps.

The artifact table has one row per artifact (a test counts them), per artifact per device when
several runs merge (one table, the device first); beside its scores, their
flips (the share of items scored unlike the reference, 95% Wilson CI); above it, the findings
(equal accuracy with many flips); "(floor)" or "(ceiling)" in the title of a score where the
reference leaves no room to show a difference.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from bench.columns import HTML, speed_label, table_cells
from bench.html_draw import figure, html_table, svg_figure
from bench.operators import HeadRanking
from bench.operators_html import operators_html
from bench.render import answer, devices, footnote, groups, merged, merged_answer
from bench.report_model import ReportRow
from bench.suites.base import DISPOSITION

PALETTE = "tab10"


def _empty(plot_id: str, title: str, why: str) -> str:
    return f'<p class="empty" id="{plot_id}">{html.escape(title)}: {html.escape(why)}</p>'


STYLE = """body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
table.artifacts { border-collapse: collapse; font-size: 13px; }
table.artifacts td, table.artifacts th { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
table.artifacts td:first-child, table.artifacts td:last-child { text-align: left; }
tr.recommended { background: #e6f4ea; font-weight: bold; }
p.answer { font-size: 16px; font-weight: bold; }
p.note, .caption { font-size: 12px; color: #555; }
p.finding { font-size: 14px; color: #8a5a00; }
figure.plot { margin: 16px 0; }
figure.plot figcaption { font-weight: bold; margin-bottom: 4px; }
figure.plot svg { max-width: 100%; height: auto; }
"""


class Colours:
    """One colour per artifact, the same in every plot."""

    def __init__(self, names: list[str]) -> None:
        from matplotlib import colormaps

        cmap = colormaps["tab20" if len(names) > 10 else PALETTE]
        self.of = {n: cmap(i % cmap.N) for i, n in enumerate(dict.fromkeys(names))}


def _legend(fig, axes) -> None:
    handles, labels = {}, []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in handles:
                handles[lab] = h
                labels.append(lab)
    if handles:
        fig.legend([handles[lab] for lab in labels], labels, loc="outside right upper", fontsize=8, frameon=False)


def _point(ax, x, y, colour, label, yerr=None, marker="o") -> None:
    if yerr is not None:  # rounding can put an interval's end a hair past its value; nan: no interval
        yerr = [[max(0.0, e) if e == e else 0.0 for e in side] for side in yerr]
    ax.errorbar([x], [y], yerr=yerr, fmt=marker, color=colour, ecolor=colour, elinewidth=1, capsize=3, markersize=6,
                label=label, zorder=3)


def drift_plot(rows: list[ReportRow], name, colours: Colours) -> str:
    title = "Drift from the reference: KL divergence and top-1 agreement against size and bits per weight"
    data = [r for r in rows if r.drift and not r.is_reference]
    if not data:
        return _empty("plot-drift", title, "no drift measured in these runs (run without --no-drift)")
    fig, axes = figure(2, 2)
    for r in data:
        c, label = colours.of[name(r)], name(r)
        size, bpw = r.size_bytes / 2**20, r.bits_per_weight
        se = 1.96 * (r.drift.top1_stderr or 0.0) * 100
        for ax, x in ((axes[0], size), (axes[1], bpw)):
            _point(ax, x, r.drift.kl_mean, c, label)
        for ax, x in ((axes[2], size), (axes[3], bpw)):
            _point(ax, x, r.drift.top1_agreement * 100, c, label, yerr=[[se], [se]])
    for ax, xl, yl in ((axes[0], "size (MiB)", "KL divergence (nats/token)"), (axes[1], "bits per weight", "KL divergence (nats/token)"),
                       (axes[2], "size (MiB)", "top-1 agreement (%)"), (axes[3], "bits per weight", "top-1 agreement (%)")):
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
        ax.grid(alpha=0.3)
    if all(r.drift.kl_mean > 0 for r in data):
        axes[0].set_yscale("log")
        axes[1].set_yscale("log")
    _legend(fig, axes)
    return svg_figure(fig, "plot-drift", title)


def pareto_front(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points no other point beats on both axes (higher is better on both), by x."""
    front = [p for p in points if not any(q[0] >= p[0] and q[1] >= p[1] and q != p for q in points)]
    return sorted(set(front))


def _targets(rows: list[ReportRow]):
    """Each suite's headline score (its target), disposition suites first: what the verdict is about."""
    headlines = dict.fromkeys(h for r in rows for h in r.headlines)
    return sorted(headlines, key=lambda h: h.table != DISPOSITION)


def quality_plot(rows: list[ReportRow], name, colours: Colours) -> str:
    title = "Quality against size, and against generation speed (dashed: the Pareto front)"
    scores = [s for s in _targets(rows) if any(s.key in r.scores for r in rows)]
    if not scores:
        return _empty("plot-quality", title, "no suite was scored in these runs")
    fig, axes = figure(2, len(scores))
    for i, score in enumerate(scores):
        by_size, by_speed = axes[2 * i], axes[2 * i + 1]
        front = []
        for r in rows:
            est = r.scores.get(score.key)
            if not est:
                continue
            y, lo, hi = (v * 100 for v in (est["value"], *est["ci95"]))
            err = [[y - lo], [hi - y]]
            _point(by_size, r.size_bytes / 2**20, y, colours.of[name(r)], name(r), yerr=err)
            if r.gen_tps:
                _point(by_speed, r.gen_tps, y, colours.of[name(r)], name(r), yerr=err)
                front.append((r.gen_tps, y))
        if len(front) > 1:
            xs, ys = zip(*pareto_front(front))
            by_speed.plot(xs, ys, "--", color="#555", linewidth=1, zorder=2, label="Pareto front")
        n = max((r.scores[score.key]["n"] for r in rows if score.key in r.scores), default=0)
        for ax, xl in ((by_size, "size (MiB)"), (by_speed, "generation tok/s")):
            ax.set_xlabel(xl)
            ax.set_ylabel(f"{score.title} (%, 95% CI, n={n})")
            ax.set_ylim(-5, 105)
            ax.grid(alpha=0.3)
        if not front:
            by_speed.text(0.5, 0.5, "no speed measured", transform=by_speed.transAxes, ha="center", color="#777")
    _legend(fig, axes)
    return svg_figure(fig, "plot-quality", title)


def budget_plot(rows: list[ReportRow], name, colours: Colours) -> str:
    title = "Truncation: score against n_predict, beside the share of answers cut off at that budget"
    targets = [s for s in _targets(rows) if any(len(r.by_budget.get(s.key, {})) > 0 for r in rows)]
    if not targets:
        return _empty("plot-budget", title, "no suite was scored in these runs")
    score = targets[0]
    fig, (ax, cap) = figure(2)
    for r in rows:
        curve = {int(b): v for b, v in r.by_budget.get(score.key, {}).items()}
        if curve:
            xs = sorted(curve)
            ax.plot(xs, [curve[b] * 100 for b in xs], "o-", color=colours.of[name(r)], label=name(r))
        if r.cap_hit_by_budget:
            xs = sorted(int(b) for b in r.cap_hit_by_budget)
            cap.plot(xs, [r.cap_hit_by_budget[b] * 100 for b in xs], "o-", color=colours.of[name(r)], label=name(r))
    for a, yl in ((ax, f"{score.title} (%)"), (cap, "cap-hit: answers cut off (%)")):
        a.set_xscale("log", base=2)
        a.xaxis.set_major_formatter(_int_ticks())
        a.set_xlabel("n_predict (tokens)")
        a.set_ylabel(yl)
        a.set_ylim(-5, 105)
        a.grid(alpha=0.3)
    _legend(fig, [ax, cap])
    return svg_figure(fig, "plot-budget", title)


def _int_ticks():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:g}")


def device_plot(rows: list[ReportRow]) -> str:
    title = "Generation speed per device"
    runs = list(dict.fromkeys(f"{Path(r.run).name}: {r.device.split(':')[0]}" for r in rows))
    if len(runs) < 2:
        return ""  # one device: the quality plot already shows speed
    labels = list(dict.fromkeys(r.label for r in rows))
    fig, (ax,) = figure(1)
    fig.set_size_inches(max(6.0, 0.9 * len(labels) * len(runs)), 3.8)
    width = 0.8 / len(runs)
    from matplotlib import colormaps

    cmap = colormaps["Set2"]
    for j, run in enumerate(runs):
        speeds = {r.label: r.gen_tps for r in rows if f"{Path(r.run).name}: {r.device.split(':')[0]}" == run}
        xs = [i + (j - (len(runs) - 1) / 2) * width for i in range(len(labels))]
        ax.bar(xs, [speeds.get(lab) or 0 for lab in labels], width, label=run, color=cmap(j % cmap.N))
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_ylabel("generation tok/s")
    ax.grid(axis="y", alpha=0.3)
    _legend(fig, [ax])
    return svg_figure(fig, "plot-devices", title)


def sustain_plot(runs: list[tuple[str, dict]], colours: Colours | None = None) -> str:
    """tok/s against time (left axis) with the CPU temperature (right axis, dashed) of each sustained run;
    the first throttle marked; the summary in the caption."""
    if not runs:
        return ""
    from edge.sustain import summary_lines

    colours = colours or Colours([name for name, _ in runs])
    fig, axes = figure(1)
    ax, heat = axes[0], None
    for name, result in runs:
        rows = result["timeline"]
        ax.plot([r["t"] for r in rows], [r["tok_s"] for r in rows], "-", color=colours.of[name], label=name)
        temps = [(r["t"], r["temp_c"]) for r in rows if r["temp_c"] is not None]
        if temps:
            heat = heat or ax.twinx()
            heat.plot(*zip(*temps), "--", color=colours.of[name], alpha=0.6, label=f"{name} temperature")
        throttle = result["summary"]["first_throttle_s"]
        if throttle is not None:
            ax.axvline(throttle, color=colours.of[name], linestyle=":", label=f"{name}: first throttle")
    ax.set_xlabel("seconds of continuous generation")
    ax.set_ylabel("generated tok/s (per second)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if heat is not None:
        heat.set_ylabel("hottest thermal zone, C (dashed)")
    else:  # say it on the plot: a flat absence of a line could read as a flat temperature
        ax.set_title("no thermal zone readable on this host: tok/s only", fontsize=8)
    _legend(fig, [ax] + ([heat] if heat is not None else []))
    said = "; ".join(f"{name}: " + "; ".join(summary_lines(result["summary"])) for name, result in runs)
    return svg_figure(fig, "plot-sustain", f"Sustained generation: tok/s and temperature against time ({said})")


def write_sustain_html(result: dict, path: Path) -> None:
    """A page with one sustained run's plot (edgebench speed --sustain --html), written atomically."""
    body = sustain_plot([(result["model_type"], result)])
    _write(path, f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>edgebench sustained run</title>"
                 f"<style>{STYLE}</style></head><body>\n<h1>{html.escape(result['model_filename'])}</h1>\n{body}\n</body></html>\n")


def loss_plot(rows: list[ReportRow]) -> str:
    """The training loss of each run's adapter (SFT and DPO), when a run was made with one from edgebench train."""
    from bench.results import training_curves

    curves = {Path(run).name: training_curves(Path(run)) for run in dict.fromkeys(r.run for r in rows)}
    curves = {run: c for run, c in curves.items() if any(c.values())}
    if not curves:
        return ""
    stages = sorted({stage for c in curves.values() for stage in c if c[stage]})
    fig, axes = figure(len(stages))
    for ax, stage in zip(axes, stages):
        for run, c in curves.items():
            points = c.get(stage) or []
            if points:
                ax.plot([p["step"] for p in points], [p["loss"] for p in points], "-", label=f"{run} {stage}")
        ax.set_xlabel("step")
        ax.set_ylabel(f"{stage.upper()} loss")
        ax.grid(alpha=0.3)
    _legend(fig, axes)
    return svg_figure(fig, "plot-training", "Training loss of the adapter (from its manifest)")


def group_html(run: str, device: str, group: list[ReportRow], lines: list[tuple[str, str]] | None = None,
               merged: bool = False) -> str:
    """The answer, then one table row per artifact: its figures, scores, flips, standing and verdict
    (`merged`: the rows of several runs, each naming its device, under each run's answer)."""
    kinds = {"bold": "answer", "yellow": "finding"}  # the answer, then findings, then notes
    lines = "".join(f'<p class="{kinds.get(style.split()[0], "note")}">{html.escape(line)}</p>'
                    for style, line in (answer(group) if lines is None else lines))
    head, body = table_cells(HTML, group, with_flips=True, merged=merged)  # the flips beside the scores
    speed = speed_label(group)
    heading = (f"<h2>{html.escape(run)}</h2><ul class=\"devices\">"
               + "".join(f"<li>{html.escape(d)}</li>" for d in devices(group)) + "</ul>" if merged
               else f"<h2>{html.escape(run)} — {html.escape(device)}</h2>")
    return (f"{heading}{lines}"
            + html_table(head, body, [r.recommended for r in group])
            + f'<p class="caption">{html.escape(footnote(group))}{" (tok/s: " + html.escape(speed) + ")" if speed else ""}</p>')


def render(rows: list[ReportRow], rankings: Sequence[HeadRanking] = ()) -> str:
    """The page; `rankings`: head rankings to draw beside those the run folders keep (report --heads)."""
    multi = len({r.run for r in rows}) > 1
    name = (lambda r: f"{r.label} [{Path(r.run).name}]") if multi else (lambda r: r.label)
    colours = Colours([name(r) for r in rows])
    if merged(rows):  # one table: one row per artifact per device
        tables = group_html(f"{len(groups(rows))} runs merged", "", rows, merged_answer(rows), True)
    else:
        tables = "".join(group_html(run, device, group) for (run, device), group in groups(rows).items())
    plots = [drift_plot(rows, name, colours), quality_plot(rows, name, colours), budget_plot(rows, name, colours),
             device_plot(rows), sustain_plot([(name(r), r.sustain) for r in rows if r.sustain], colours), loss_plot(rows),
             operators_html(list(dict.fromkeys(r.run for r in rows)), rankings)]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>edgebench report</title>
<style>
{STYLE}</style></head><body>
<h1>edgebench report</h1>
{tables}
{''.join(plots)}
</body></html>
"""


def write_html(rows: list[ReportRow], path: Path, rankings: Sequence[HeadRanking] = ()) -> None:
    """Write the page atomically (a temporary name, then a rename): never a half-written report."""
    _write(path, render(rows, rankings))


def _write(path: Path, page: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
