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
wider than the terminal. Which columns each table shows is bench/columns.py. The runs of several
devices merge into one set of tables, one row per artifact per device, the device named first.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from bench.columns import (FIDELITY, SIZE, STYLE, VERDICT, ci_short, columns, device_run, display_name, flipped_scores,
                           reported, score_title, speed_label, speed_tests)
from bench.render import answer, devices, groups, merged, merged_answer
from bench.report_model import ReportRow
from bench.suites.base import CONTENT, DISPOSITION


def _table(title: str, columns: tuple[str, ...], rows: list[list[str]], names: int = 1) -> Table:
    """A narrow table; its first `names` columns (the artifact, and in a merged report its device) left-aligned."""
    table = Table(title=title, title_justify="left", pad_edge=False, collapse_padding=True)
    for i, col in enumerate(columns):
        # folding (not an ellipsis) if a terminal is narrower than 80: nothing is ever cut
        table.add_column(col, justify="left" if i < names else "right", overflow="fold")
    for cells in rows:
        table.add_row(*cells)
    return table


def summary(group: list[ReportRow], lines: list[tuple[str, str]] | None = None) -> Text:
    """The answer first: what to ship and why, or why nothing can be named yet; crashes; notes."""
    text = Text()
    for style, line in answer(group) if lines is None else lines:
        if style.startswith("bold"):  # the headline in bold, its reason plain
            head, _, why = line.partition(". ")
            text.append(head + ". ", style=style)
            text.append(why + "\n")
        else:
            text.append(line + "\n", style=style)
    return text


# the terminal's narrow tables of bench/columns.py's columns (the scores and their flips have tables of their own)
TABLES = {SIZE: "Size and speed", FIDELITY: "Fidelity to the reference", STYLE: "Truncation and style",
          VERDICT: "Against the reference"}


def _view(view: str, group: list[ReportRow], title: str, tg: str, merged: bool = False) -> Table:
    """One narrow table: the columns of bench/columns.py that this terminal table shows."""
    cols = columns(view, group, merged)
    rows = [[c.cell(r).replace("; ", "\n") if c.key == "verdict" else c.cell(r) for c in cols] for r in group]
    table = _table(title, tuple((c.terminal_title or c.title).format(tg=tg) for c in cols), rows, 1 + merged)
    for column, col in zip(table.columns, cols):
        if col.key == "verdict":  # one suite's verdict a line
            column.justify = "left"
    return table


def _scores(title: str, group: list[ReportRow], scores, of, merged: bool = False) -> Table:
    where = (lambda r: [device_run(r)]) if merged else (lambda r: [])
    return _table(title, ("device (run)",) * merged + ("artifact", *(score_title(s, group) for s in scores)),
                  [[*where(r), display_name(r), *(ci_short(of(r).get(s.key)) for s in scores)] for r in group],
                  1 + merged)


def group_tables(group: list[ReportRow], merged: bool = False) -> list[Table]:
    """The narrow tables of one run, or (`merged`) of several, one row per artifact per device."""
    tests = speed_tests(group)
    tg = (tests[0] or tests[1]) if tests else "tg"
    tables = [_view(SIZE, group, TABLES[SIZE] + (f": {speed_label(group)}" if tests else ""), tg, merged),
              _view(FIDELITY, group, TABLES[FIDELITY], tg, merged)]
    for table, title in ((CONTENT, "Content (95% CI)"), (DISPOSITION, "Disposition (95% CI)")):
        scores = reported(group, table)
        if scores:  # a run without such a suite has no such table
            tables.append(_scores(title, group, scores, lambda r: r.scores, merged))
    # short titles: a narrow table wraps a long one
    for table, title in ((CONTENT, "Flips: content"), (DISPOSITION, "Flips: disposition")):
        scores = flipped_scores(group, table)
        if scores:  # the share of items scored unlike the reference: equal accuracy can hide many
            tables.append(_scores(title, [r for r in group if not r.is_reference], scores, lambda r: r.flips, merged))
    return [*tables, _view(STYLE, group, TABLES[STYLE], tg, merged), _view(VERDICT, group, TABLES[VERDICT], tg, merged)]


def _footer(group: list[ReportRow]) -> Text:
    sizes = sorted({est["n"] for r in group for est in r.scores.values()})
    footer = Text("Scores at the largest budget; n = " + "/".join(map(str, sizes)) + " items per score."
                  if sizes else "", style="dim")
    if any(r.flips for r in group):
        footer.append(" Flips: the share of items an artifact scores unlike the reference (95% CI).")
    return footer


def report_renderables(rows: list[ReportRow]) -> list:
    if merged(rows):  # several runs: the devices, each run's answer, one table of each kind for all rows
        heading = Text("\n".join([f"{len(groups(rows))} runs merged", *devices(rows)]), style="bold")
        return [Group(heading, summary(rows, merged_answer(rows)), *group_tables(rows, merged=True), _footer(rows))]
    return [Group(Text(f"{run} — {device}", style="bold"), summary(group), *group_tables(group), _footer(group))
            for (run, device), group in groups(rows).items()]


def print_report(rows: list[ReportRow], console: Console | None = None) -> None:
    console = console or Console()
    for renderable in report_renderables(rows):
        console.print(renderable)
