"""The terminal report: the answer first, then narrow tables that fit 80 columns.

One wide table of 17 columns is unreadable in a terminal (every cell cut to "ggu…"), and
over SSH to a Raspberry Pi the terminal is often 80 columns. So the report opens with what
a user came for (which quant level to ship and why, or why none can be named yet, crashes
and skipped artifacts), then gives the detail in a few narrow tables: size and speed,
fidelity, content, disposition, their flips (the share of items scored unlike the reference),
truncation and style, the verdict against the reference (with each artifact's standing: within
5 points, worse, the `--limit` that would settle it, too few items, or floor/ceiling only).
A score at the reference's floor or ceiling carries "(floor)" or "(ceiling)" in its title.
Intervals are written compactly: "0.50 (0.09-0.91)" is the value and its 95% interval. A test
renders the report at 80, 100 and 160 columns and checks that no cell is cut and no line is
wider than the terminal.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from bench.render import (answer, ci_short, display_name, flipped_scores, groups, num, reported, score_title,
                          speed_label, speed_tests, within)
from bench.results import ArtifactRow
from bench.suites.base import CONTENT, DISPOSITION


def _table(title: str, columns: tuple[str, ...], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left", pad_edge=False, collapse_padding=True)
    for i, col in enumerate(columns):
        # folding (not an ellipsis) if a terminal is narrower than 80: nothing is ever cut
        table.add_column(col, justify="left" if i == 0 else "right", overflow="fold")
    for cells in rows:
        table.add_row(*cells)
    return table


def summary(group: list[ArtifactRow]) -> Text:
    """The answer first: what to ship and why, or why nothing can be named yet; crashes; notes."""
    text = Text()
    for style, line in answer(group):
        if style.startswith("bold"):  # the headline in bold, its reason plain
            head, _, why = line.partition(". ")
            text.append(head + ". ", style=style)
            text.append(why + "\n")
        else:
            text.append(line + "\n", style=style)
    return text


def group_tables(group: list[ArtifactRow]) -> list[Table]:
    tests = speed_tests(group)
    tg = (tests[0] or tests[1]) if tests else "tg"
    size = _table("Size and speed" + (f": {speed_label(group)}" if tests else ""),
                  ("artifact", "MiB", "bits/w", f"{tg} t/s", "TTFT ms", "peak MiB"),
                  [[display_name(r), f"{r.size_bytes / 2**20:.1f}", f"{r.bits_per_weight:.2f}", num(r.gen_tps, ".1f"),
                    num(r.ttft_ms, ".0f"), num(r.peak_rss_mib, ".0f")]
                   for r in group])
    fidelity = _table("Fidelity to the reference", ("artifact", "KL mean", "top-1", "± SE", "PPL ratio"),
                      [[display_name(r), num((r.drift or {}).get("kl_mean"), ".4f"),
                        num((r.drift or {}).get("top1_agreement"), ".1%"), num((r.drift or {}).get("top1_stderr"), ".1%"),
                        num((r.drift or {}).get("ppl_ratio"), ".3f")] for r in group])
    tables = [size, fidelity]
    for table, title in ((CONTENT, "Content (95% CI)"), (DISPOSITION, "Disposition (95% CI)")):
        scores = reported(group, table)
        if scores:  # a run without such a suite has no such table
            tables.append(_table(title, ("artifact", *(score_title(s, group) for s in scores)),
                                 [[display_name(r), *(ci_short(r.scores.get(s.key)) for s in scores)] for r in group]))
    # short titles: a narrow table wraps a long one
    for table, title in ((CONTENT, "Flips: content"), (DISPOSITION, "Flips: disposition")):
        scores = flipped_scores(group, table)
        if scores:  # the share of items scored unlike the reference: equal accuracy can hide many
            tables.append(_table(title, ("artifact", *(score_title(s, group) for s in scores)),
                                 [[display_name(r), *(ci_short(r.flips.get(s.key)) for s in scores)]
                                  for r in group if not r.is_reference]))
    style = _table("Truncation and style", ("artifact", "cap-hit", "assert asym.", "SVR"),
                   [[display_name(r), "-" if r.cap_hit is None else f"{r.cap_hit:.0%} @{r.cap_budget}",
                     num(r.assertion_asymmetry, "+.2f"), num(r.svr, ".2f")] for r in group])
    verdict = _table("Against the reference", ("artifact", "within 5 pts", "verdict per suite"),
                     [[display_name(r), within(r), r.verdict.replace("; ", "\n")] for r in group])
    verdict.columns[2].justify = "left"
    return [*tables, style, verdict]


def report_renderables(rows: list[ArtifactRow]) -> list:
    out = []
    for (run, device), group in groups(rows).items():
        sizes = sorted({est["n"] for r in group for est in r.scores.values()})
        footer = Text("Scores at the largest budget; n = " + "/".join(map(str, sizes)) + " items per score."
                      if sizes else "", style="dim")
        if any(r.flips for r in group):
            footer.append(" Flips: the share of items an artifact scores unlike the reference (95% CI).")
        out.append(Group(Text(f"{run} — {device}", style="bold"), summary(group), *group_tables(group), footer))
    return out


def print_report(rows: list[ArtifactRow], console: Console | None = None) -> None:
    console = console or Console()
    for renderable in report_renderables(rows):
        console.print(renderable)
