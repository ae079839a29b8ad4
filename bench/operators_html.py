"""The operators' sections of the HTML report (bench/html_report.py draws the rest of the page).

- Head ranking: for each ranking (a run folder's RUN/heads.json, or `report --heads FILE`), a
  horizontal bar per head of Cohen's d with its 95% bootstrap interval, the first 20 in the
  ranking's order (largest d first: the heads `--temper-top K` takes), the cohort sizes in the
  title, and the same heads as a table. One ranking kept by several runs is drawn once.
- h_last probe: for each run folder with RUN/probe.json (bench/probe.py), one ROC plot per row
  (artifact): the out-of-fold CV scores on dev, the dev probe on fresh, the torch probe applied
  here, and the diagonal of chance; then the probe's table and its diagnosis, line by line.

A run folder without either file adds nothing to the page (no empty section); a file that cannot
be read adds one note saying so (bench/operators.py).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

from bench.html_draw import figure, html_table, svg_figure
from bench.operators import CURVES, HeadRanking, ProbeResult, ProbeRow, RunOperators, auc_text, counts_text, read_run
from bench.probe_stats import roc_curve

TOP_HEADS = 20  # bars drawn per ranking; the ranking file has them all
ROC_COLUMNS = 3  # ROC plots per line
CURVE_COLOURS = {"cv": "#1f77b4", "fresh_auc": "#d62728", "torch_probe": "#2ca02c"}  # the same in every plot
# a head's bar: interval above 0 (more active when wrong), below 0, or covering 0
BAR_COLOURS = {"above": "#c0392b", "below": "#2e6da4", "covers": "#9a9a9a"}


def operators_html(runs: Sequence[str], rankings: Sequence[HeadRanking] = ()) -> str:
    """The head-ranking and probe sections for these run folders (plus rankings given directly), and the notes."""
    found = [read_run(Path(run)) for run in runs]
    held = [op.ranking for op in found if op.ranking] + list(rankings)
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for op in found for n in op.notes)
    return heads_section(held) + probe_section([op for op in found if op.probe]) + notes


# head ranking --------------------------------------------------------------

def heads_section(rankings: Sequence[HeadRanking]) -> str:
    if not rankings:
        return ""
    where: dict[HeadRanking, list[str]] = {}  # equal rankings (a run's copy of the file given too) drawn once
    for ranking in rankings:
        where.setdefault(ranking, []).append(ranking.where)
    parts = [heads_plot(r, names, i) + heads_table(r) + _heads_caption(r) for i, (r, names) in enumerate(where.items())]
    return '<h2 id="heads">Head ranking (head tempering candidates)</h2>' + "".join(parts)


def _bar_colour(head) -> str:
    return BAR_COLOURS["above" if head.ci_low > 0 else "below" if head.ci_high < 0 else "covers"]


def heads_plot(ranking: HeadRanking, names: list[str], index: int) -> str:
    shown = ranking.heads[:TOP_HEADS]
    fig, (ax,) = figure(1)
    fig.set_size_inches(6.4, 1.3 + 0.24 * len(shown))
    ys = range(len(shown))
    # rounding can put an interval's end a hair past its value
    err = [[max(0.0, h.d - h.ci_low) for h in shown], [max(0.0, h.ci_high - h.d) for h in shown]]
    ax.barh(ys, [h.d for h in shown], xerr=err, height=0.6, color=[_bar_colour(h) for h in shown],
            error_kw={"ecolor": "#333", "elinewidth": 1, "capsize": 2})
    ax.set_yticks(list(ys), [h.name for h in shown], fontsize=8)
    ax.invert_yaxis()  # rank 1 on top
    ax.axvline(0, color="#555", linewidth=0.8)
    ax.set_xlabel("Cohen's d, confident-wrong minus confident-right (95% bootstrap CI)")
    ax.set_ylabel("head (layer.head)")
    ax.set_title(f"{ranking.suite} {ranking.split}: {ranking.right} right, {ranking.wrong} wrong asserted answers; "
                 f"first {len(shown)} of {len(ranking.heads)} heads", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    model = f" of {ranking.model}" if ranking.model else ""
    return svg_figure(fig, f"plot-heads-{index}", f"Head ranking{model} ({', '.join(names)}): Cohen's d per head, "
                                            f"{ranking.right} right and {ranking.wrong} wrong answers")


def heads_table(ranking: HeadRanking) -> str:
    head = ["rank", "head", "d", "95% CI", "norm right", "norm wrong"]
    rows = [[str(i), h.name, f"{h.d:+.2f}", f"[{h.ci_low:+.2f}, {h.ci_high:+.2f}]", f"{h.mean_right:.3f}",
             f"{h.mean_wrong:.3f}"] for i, h in enumerate(ranking.heads[:TOP_HEADS], start=1)]
    return html_table(head, rows, [False] * len(rows))


def _heads_caption(ranking: HeadRanking) -> str:
    """How to read it: the colours, and how many intervals exclude 0 against what chance alone gives."""
    n = len(ranking.heads)
    excluding = sum(h.ci_low > 0 or h.ci_high < 0 for h in ranking.heads)
    return (f'<p class="caption">In the ranking\'s order (largest d first: the heads --temper-top K takes). Red: the '
            f"interval is above 0 (more active in wrong answers); blue: below 0; grey: it covers 0. Intervals are per "
            f"head, not corrected for multiplicity: {excluding} of the {n} heads' intervals exclude 0, against about "
            f"{0.05 * n:.0f} by chance alone. Candidates to temper, not heads shown to cause wrong answers.</p>")


# h_last probe --------------------------------------------------------------

def probe_section(runs: Sequence[RunOperators]) -> str:
    if not runs:
        return ""
    return '<h2 id="probe">h_last probe</h2>' + "".join(_probe_run(op.probe, i) for i, op in enumerate(runs))


def _probe_run(result: ProbeResult, index: int) -> str:
    drawn = [row for row in result.rows if not row.error and _curves(row)]
    plot = roc_plot(result, drawn, index) if drawn else ""
    if not result.has_scores:
        plot += (f'<p class="note">{html.escape(result.where)}/probe.json keeps no scores (written before they were '
                 f"kept): no ROC curves; edgebench probe {html.escape(result.where)} writes them (quickly, from its "
                 f"cache)</p>")
    lines = "".join(f'<p class="note"><b>{html.escape(row.states_of)}: {html.escape(row.verdict)}</b> '
                    f"({html.escape(row.why)})</p>" for row in result.rows if not row.error)
    note = f'<p class="note">{html.escape(result.note)}</p>' if result.note else ""
    caption = (f'<p class="caption">{html.escape(result.where)}: {html.escape(result.regression)}; {result.folds}-fold '
               f"stratified CV on dev; 95% bootstrap intervals ({result.bootstrap} resamples); labels: the content "
               f"score (1 right, 0 wrong)</p>")
    return plot + probe_table(result) + caption + lines + note


def _curves(row: ProbeRow) -> dict:
    """CURVES key -> (false-, true-positive rates) of each probe of the row that has both classes to draw."""
    points = {key: roc_curve(s.labels, s.scores) for key, s in row.scored.items()}
    return {key: p for key, p in points.items() if len(p[0])}


def roc_plot(result: ProbeResult, rows: list[ProbeRow], index: int) -> str:
    ncols = min(ROC_COLUMNS, len(rows))
    fig, axes = figure(ncols, math.ceil(len(rows) / ncols))
    fig.set_size_inches(4.3 * ncols, 4.1 * math.ceil(len(rows) / ncols))
    for ax, row in zip(axes, rows):
        ax.plot([0, 1], [0, 1], ":", color="#888", linewidth=1, label="chance")
        for key, (fpr, tpr) in _curves(row).items():
            on = f" ({row.figures.get('torch_probe_on')})" if key == "torch_probe" else ""
            ax.plot(fpr, tpr, "-", color=CURVE_COLOURS[key], linewidth=1.4,
                    label=f"{CURVES[key]}{on}: AUC {auc_text(row.figures.get(key))}")
        ax.set_title(row.states_of, fontsize=9)
        ax.set_xlabel("false-positive rate (wrong answers above the threshold)", fontsize=8)
        ax.set_ylabel("true-positive rate (right answers above it)", fontsize=8)
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right", frameon=False)
    for ax in axes[len(rows):]:
        ax.set_visible(False)
    return svg_figure(fig, f"plot-probe-{index}", f"h_last probe of {result.where}: ROC curves per artifact")


def probe_table(result: ProbeResult) -> str:
    head = ["hidden states of", "answers of", "dev right/wrong", "CV AUC dev", "fresh right/wrong", "AUC dev->fresh",
            "torch probe here", "mean-shift p", "verdict"]
    rows = []
    for row in result.rows:
        f = row.figures
        if row.error:
            rows.append([row.states_of, row.answers_of, *["-"] * 6, row.error])
            continue
        on = f" ({f.get('torch_probe_on')})" if f.get("torch_probe") else ""
        rows.append([row.states_of, row.answers_of, counts_text(f.get("dev")), auc_text(f.get("cv")),
                     counts_text(f.get("fresh")), auc_text(f.get("fresh_auc")), auc_text(f.get("torch_probe")) + on,
                     "-" if f.get("shift_p") is None else f"{f['shift_p']:.3f}", row.verdict])
    return html_table(head, rows, [False] * len(rows))
