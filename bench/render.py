"""Drawing a report as text records: markdown that pastes into a GitHub issue or a model
card, CSV, and JSON (the complete machine-readable record), plus the answer and footnote
the terminal and HTML reports share. Which columns each shows is bench/columns.py.

The markdown follows llama.cpp's own tables: speed as `| model | size | params | backend |
threads | test | t/s |` (one row per test, "avg ± sd"), then one row per artifact for
quality, then the flips (the share of items scored unlike the reference, 95% Wilson CI).
Every report opens with the answer (which quant level to ship, or why none yet), then the
findings (equal accuracy with many flips) and which scores sit at the floor or ceiling;
a score's column title carries "(floor)" or "(ceiling)" in every format. Several runs (a laptop's
and a Pi's) give each run's answer, then one table of each kind with the device first on every row.
"""

from __future__ import annotations

import csv
import io
import json

from bench.columns import (MD, ci, ci_short, device_run, display_name, flipped_scores, num, record, reported,
                           score_title, speed_label, speed_tests, table_cells, within)
from bench.report_model import ReportRow


def groups(rows: list[ReportRow]) -> dict[tuple[str, str], list[ReportRow]]:
    """Rows by (run folder, device line), in order."""
    out: dict[tuple[str, str], list[ReportRow]] = {}
    for row in rows:
        out.setdefault((row.run, row.device), []).append(row)
    return out


def merged(rows: list[ReportRow]) -> bool:
    """Rows of several runs (a laptop's and a Pi's): one table for all, the device named on every row."""
    return len(groups(rows)) > 1


def merged_answer(rows: list[ReportRow]) -> list[tuple[str, str]]:
    """Each run's answer (its own reference, its own star), every line opening with the device it is about."""
    return [(style, f"{device_run(group[0])}: {line}") for group in groups(rows).values() for style, line in answer(group)]


def devices(rows: list[ReportRow]) -> list[str]:
    """One line per run of a merged report: the folder and its device in full."""
    return [f"{run} — {device}" for run, device in groups(rows)]


def floor_ceiling_note(group: list[ReportRow]) -> str:
    """Which scores sit at the floor or ceiling, and what that means; "" when none does."""
    levels = next((r.floor_ceiling for r in group if r.floor_ceiling), {})
    if not levels:
        return ""
    titles = {s.key: s.title for r in group for s in r.reported}
    said = "; ".join(f"{kind}: {', '.join(titles.get(k, k) for k, v in levels.items() if v == kind)}"
                     for kind in ("floor", "ceiling") if kind in levels.values())
    return (f"{said} (the reference scores below 10% or above 90% on the items run, so these scores cannot show a "
            "difference; they are tested, but a recommendation resting on them alone gets no star)")


def answer(group: list[ReportRow]) -> list[tuple[str, str]]:
    """The answer first, as (style, line): what to ship and why, or why nothing can be named yet; crashes; notes."""
    pick = next((r for r in group if r.recommended), None)
    why = next((r.recommendation for r in group if r.recommendation), "")
    why = why or "no artifact was compared with a reference on the suites"
    lines = [("bold green", f"Ship {pick.label}. {why}") if pick else  # that sentence opens with the label
             ("bold yellow", "No quant level can be recommended yet. " + why[:1].upper() + why[1:])]
    lines += [("yellow", finding) for r in group for finding in r.findings]
    note = floor_ceiling_note(group)
    lines += [("dim", note[:1].upper() + note[1:])] if note else []
    lines += [("red", f"{r.label} crashed: {r.crash}; edgebench run --resume retries it") for r in group if r.crash]
    lines += [("dim", f"{r.label}: {r.note}") for r in group if r.note and not r.crash]
    return lines


def footnote(group: list[ReportRow]) -> str:
    sizes = sorted({est["n"] for r in group for est in r.scores.values()})
    speed = speed_label(group)
    parts = [f"speed: {speed} per artifact, in a child process; `edgebench speed` runs llama-bench's pp512/tg128 "
             "with 5 repetitions"] if speed else []
    parts.append("scores at the largest budget with 95% CIs; KL and top-1 against the reference on the shipped corpus"
                 + (f"; n = {'/'.join(map(str, sizes))} items per score: only large differences are detectable, "
                    "raise --limit for a stronger test" if sizes and max(sizes) < 30 else ""))
    energy = next((r.speed.energy_sampling for r in group if r.speed and r.speed.energy_method), None)
    if energy:
        parts.append(f"J/tok: energy per generated (and prompt) token over the speed tests' repetitions, by {energy}")
    memory = memory_caption(group)
    if memory:
        parts.append(memory)
    if any(r.flips for r in group):
        parts.append("flips: the share of items an artifact scores unlike the reference, pooled over the splits run, "
                     "with a Wilson 95% CI (equal accuracy can hide many)")
    return "; ".join(parts)


def memory_caption(group: list[ReportRow]) -> str:
    """Which child each memory column predicts and measured, where the run predicted memory: "" otherwise."""
    if not any(r.memory for r in group):
        return ""
    n_ctx = next((p["n_ctx"] for r in group for p in r.memory_predictions if p), None)
    return (f"memory (MiB, predicted before the run, its error against the same child's measured peak): speed = "
            f"the speed child, one sequence at a context of {n_ctx}; suites = the suites' child at @N sequences "
            "(llama.cpp: the backend's own context plus a batched one of N x the context), its peak over the items run")


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def _md_table(head: list[str], rows: list[list[str]], right_from: int = 1) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(head))]
    return [_md_row(head), _md_row(align), *(_md_row(r) for r in rows)]


def speed_markdown(group: list[ReportRow], merged: bool = False) -> list[str]:
    """llama-bench's table: one row per artifact and test (`merged`: the device first); J/token beside t/s where a
    device measured energy."""
    metered = any(r.speed and r.speed.energy_method for r in group)
    where = (lambda r: [device_run(r)]) if merged else (lambda r: [])
    rows = [[*where(r), display_name(r), f"{r.size_bytes / 2**20:.2f} MiB", f"{r.n_params / 1e6:.2f} M" if r.n_params else "-",
             r.backend or "-", str(r.threads or "-"), t.test, f"{t.avg_ts:.2f} ± {num(t.stddev_ts, '.2f')}"]
            + ([num(r.speed.j_per_token(t), ".4f")] if metered else [])
            for r in group if r.speed for t in r.speed.rates]
    if not rows:
        return []
    head = ["device (run)"] * merged + ["model", "size", "params", "backend", "threads", "test", "t/s"]
    return _md_table(head + (["J/tok"] if metered else []), rows, right_from=1 + merged)


def quality_markdown(group: list[ReportRow], merged: bool = False) -> list[str]:
    """One row per artifact: its columns (bench/columns.py), every reported score with its interval."""
    return _md_table(*table_cells(MD, group, merged=merged), right_from=1 + merged)


def flips_markdown(group: list[ReportRow], merged: bool = False) -> list[str]:
    """One row per artifact: the share of items scored unlike the reference, per score, with its 95% CI."""
    scores = flipped_scores(group)
    if not scores:
        return []
    where = (lambda r: [device_run(r)]) if merged else (lambda r: [])
    rows = [[*where(r), display_name(r), *(ci(r.flips.get(s.key)) for s in scores)] for r in group if not r.is_reference]
    head = ["device (run)"] * merged + ["flips vs the reference", *(score_title(s, group) for s in scores)]
    return _md_table(head, rows, right_from=1 + merged)


def merged_markdown(rows: list[ReportRow]) -> str:
    """Several runs in one report: the devices, each run's answer, then one table of each kind for all rows."""
    out = [f"### {len(groups(rows))} runs merged", "", *(f"- {line}" for line in devices(rows)), ""]
    for style, line in merged_answer(rows):
        out += [f"**{line}**" if style.startswith("bold") else line, ""]
    for table in (speed_markdown(rows, True), quality_markdown(rows, True), flips_markdown(rows, True)):
        out += table + [""] if table else []
    return "\n".join(out + [footnote(rows), ""])


def to_markdown(rows: list[ReportRow]) -> str:
    if merged(rows):
        return merged_markdown(rows)
    out = []
    for (run, device), group in groups(rows).items():
        out += [f"### {run} — {device}", ""]
        for style, line in answer(group):  # a paragraph each
            out += [f"**{line}**" if style.startswith("bold") else line, ""]
        speed = speed_markdown(group)
        if speed:
            out += speed + [""]
        out += quality_markdown(group) + [""]
        flipped = flips_markdown(group)
        out += (flipped + [""] if flipped else []) + [footnote(group), ""]
    return "\n".join(out)


def to_csv(rows: list[ReportRow]) -> str:
    records = [record(r) for r in rows]
    names = list(dict.fromkeys(k for rec in records for k in rec))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names)
    writer.writeheader()
    for rec in records:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in rec.items()})
    return buffer.getvalue()


def to_json(rows: list[ReportRow]) -> str:
    return json.dumps([{**record(r), "by_budget": r.by_budget, "cap_hit_by_budget": r.cap_hit_by_budget,
                        "speed": r.speed.raw if r.speed else None, "drift": r.drift.raw if r.drift else None,
                        "memory": r.memory, "sustain": r.sustain,
                        **({"suites_memory": r.suites_memory} if r.suites_memory else {})}
                       for r in rows], indent=2)
