"""`edgebench probe RUN_DIR`: the h_last probe on a finished run (bench/probe.py), a table with
the failure diagnosis under it, or --json. `edgebench run --probe` calls `print_probe` after its report."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from edgebench.flags import Profile, Repack, Threads, say, settings_from_flags


def probe(
    run_dir: Path = typer.Argument(..., help="A run folder (results.sqlite inside) whose suites have gold answers, split dev and fresh."),
    profile: Profile = None,
    threads: Threads = None,
    repack: Repack = None,
    json_out: bool = typer.Option(False, "--json", help="Print the figures as JSON (also written to RUN_DIR/probe.json, with each probe's scores: the HTML report's ROC curves)."),
) -> None:
    """Does the last answer token's hidden state tell right from wrong, on fresh items, at each quant level?"""
    from edge.errors import EdgebenchError

    if not (run_dir / "results.sqlite").is_file():
        raise EdgebenchError(f"{run_dir} is not a run folder (no results.sqlite); give the --out of an edgebench run")
    print_probe(run_dir, settings_from_flags(profile, threads, repack), json_out)


def print_probe(run_dir: Path, settings, json_out: bool = False) -> dict:
    from bench.probe import probe_run
    from edgebench.console import print_tables
    from edgebench.progress_view import RichProgress

    with RichProgress(enabled=not json_out) as progress:
        result = probe_run(run_dir, settings, progress)
    if json_out:
        print(json.dumps(result, indent=2))
        return result
    print_tables(probe_table(result), width=180)  # nine columns of intervals: wider than the report tables
    for row in result["rows"]:
        if "verdict" in row:
            say(f"[bold]{row['states_of']}: {row['verdict']}[/] ({row['why']})")
    if result["note"]:
        say(f"[yellow]{result['note']}[/]")
    return result


def probe_table(result: dict):
    from rich.table import Table

    from bench.operators import auc_text as _auc, counts_text as _counts  # one rendering, the HTML report's too

    table = Table(title=f"h_last probe: {result['regression']}; {result['folds']}-fold stratified CV on dev; "
                        f"95% bootstrap intervals ({result['bootstrap']} resamples); labels: the content score",
                  title_justify="left")
    for col in ("hidden states of", "answers of", "dev right/wrong", "CV AUC dev", "fresh right/wrong",
                "AUC dev->fresh", "torch probe here", "mean-shift p", "verdict"):
        table.add_column(col, justify="left" if col in ("hidden states of", "answers of", "verdict") else "right")
    for row in result["rows"]:
        if "error" in row:
            table.add_row(row["states_of"], row["answers_of"], *["-"] * 6, f"[red]{row['error']}[/]")
            continue
        on = f" ({row['torch_probe_on']})" if row["torch_probe"] else ""
        table.add_row(row["states_of"], row["answers_of"], _counts(row["dev"]), _auc(row["cv"]), _counts(row["fresh"]),
                      _auc(row["fresh_auc"]), _auc(row["torch_probe"]) + on,
                      "-" if row["shift_p"] is None else f"{row['shift_p']:.3f}", row["verdict"])
    return table
