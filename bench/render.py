"""Drawing a report as text records: markdown that pastes into a GitHub issue or a model
card, CSV, and JSON (the complete machine-readable record), plus the small formatting
helpers the terminal and HTML reports share.

The markdown follows llama.cpp's own tables: speed as `| model | size | params | backend |
threads | test | t/s |` (one row per test, "avg ± sd"), then one row per artifact for
quality, then the flips (the share of items scored unlike the reference, 95% Wilson CI).
Every report opens with the answer (which quant level to ship, or why none yet), then the
findings (equal accuracy with many flips) and which scores sit at the floor or ceiling;
a score's column title carries "(floor)" or "(ceiling)" in every format.
"""

from __future__ import annotations

import csv
import io
import json

from bench.results import ArtifactRow
from bench.suites.base import CONTENT, DISPOSITION, Reported


def num(value, fmt: str) -> str:
    """A number, or "-" for none (and for nan: no wrong, or right, answers to measure)."""
    return "-" if value is None or value != value else format(value, fmt)


def _round(value, digits):
    return None if value is None or value != value else round(value, digits)


def display_name(row: ArtifactRow) -> str:
    """The artifact's label, marked ★ when recommended and (ref) for the reference."""
    return row.label + (" ★" if row.recommended else " (ref)" if row.is_reference else "")


def groups(rows: list[ArtifactRow]) -> dict[tuple[str, str], list[ArtifactRow]]:
    """Rows by (run folder, device line), in order."""
    out: dict[tuple[str, str], list[ArtifactRow]] = {}
    for row in rows:
        out.setdefault((row.run, row.device), []).append(row)
    return out


def reported(group: list[ArtifactRow], table: str) -> list[Reported]:
    """The scores shown in one table (CONTENT or DISPOSITION), in the order the suites report them."""
    return list(dict.fromkeys(r for row in group for r in row.reported if r.table == table))


def score_title(score: Reported, group: list[ArtifactRow]) -> str:
    """A score's column title, marked (floor) or (ceiling) when the run's reference leaves it no room to differ."""
    level = next((r.floor_ceiling[score.key] for r in group if score.key in r.floor_ceiling), "")
    return score.title + (f" ({level})" if level else "")


def floor_ceiling_note(group: list[ArtifactRow]) -> str:
    """Which scores sit at the floor or ceiling, and what that means; "" when none does."""
    levels = next((r.floor_ceiling for r in group if r.floor_ceiling), {})
    if not levels:
        return ""
    titles = {s.key: s.title for r in group for s in r.reported}
    said = "; ".join(f"{kind}: {', '.join(titles.get(k, k) for k, v in levels.items() if v == kind)}"
                     for kind in ("floor", "ceiling") if kind in levels.values())
    return (f"{said} (the reference scores below 10% or above 90% on the items run, so these scores cannot show a "
            "difference; they are tested, but a recommendation resting on them alone gets no star)")


def speed_tests(group: list[ArtifactRow]) -> tuple[str | None, str | None, int] | None:
    """(generation test, prompt test, repetitions) the speed columns measured, e.g. ("tg64", "pp64", 2), or None."""
    speed = next((r.speed for r in group if r.speed), None)
    if not speed:
        return None
    tg = next((t for t in speed["tests"] if t["test"].startswith("tg") and not t["n_depth"]), None)
    pp = next((t for t in speed["tests"] if t["test"].startswith("pp")), None)
    return (tg["test"] if tg else None, pp["test"] if pp else None, len(tg["samples_ts"]) if tg else 0)


def speed_label(group: list[ArtifactRow]) -> str:
    """What the speed columns measured, e.g. "tg64, pp64 (2 reps)": the default run's short tests are
    not llama-bench's pp512/tg128, and the report says which they are."""
    tests = speed_tests(group)
    if tests is None:
        return ""
    tg, pp, reps = tests
    return ", ".join(t for t in (tg, pp) if t) + f" ({reps} rep{'s' if reps != 1 else ''})"


def answer(group: list[ArtifactRow]) -> list[tuple[str, str]]:
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


def footnote(group: list[ArtifactRow]) -> str:
    sizes = sorted({est["n"] for r in group for est in r.scores.values()})
    speed = speed_label(group)
    parts = [f"speed: {speed} per artifact, in a child process; `edgebench speed` runs llama-bench's pp512/tg128 "
             "with 5 repetitions"] if speed else []
    parts.append("scores at the largest budget with 95% CIs; KL and top-1 against the reference on the shipped corpus"
                 + (f"; n = {'/'.join(map(str, sizes))} items per score: only large differences are detectable, "
                    "raise --limit for a stronger test" if sizes and max(sizes) < 30 else ""))
    if any(r.flips for r in group):
        parts.append("flips: the share of items an artifact scores unlike the reference, pooled over the splits run, "
                     "with a Wilson 95% CI (equal accuracy can hide many)")
    return "; ".join(parts)


def record(row: ArtifactRow) -> dict:
    """One flat record per artifact: what csv and json carry."""
    out = {"run": row.run, "device": row.device, "artifact": row.label, "reference": row.is_reference,
           "recommended": row.recommended, "size_mib": round(row.size_bytes / 2**20, 2),
           "n_params": row.n_params, "backend": row.backend, "threads": row.threads,
           "speed_tests": speed_label([row]) or None,
           "bits_per_weight": round(row.bits_per_weight, 3), "gen_tok_s": _round(row.gen_tps, 2),
           "ttft_ms": _round(row.ttft_ms, 1), "peak_rss_mib": _round(row.peak_rss_mib, 1),
           "kl_mean": _round(row.drift["kl_mean"], 5) if row.drift else None,
           "top1_agreement": _round(row.drift["top1_agreement"], 4) if row.drift else None,
           "top1_stderr": _round(row.drift["top1_stderr"], 4) if row.drift else None}
    for key, est in row.scores.items():
        out[key] = _round(est["value"], 4)
        out[f"{key}_ci95"] = [round(v, 4) for v in est["ci95"]]
        out[f"{key}_floor_ceiling"] = row.floor_ceiling.get(key)
        flipped = row.flips.get(key)
        out[f"{key}_flips"] = _round(flipped["value"], 4) if flipped else None
        out[f"{key}_flips_ci95"] = [round(v, 4) for v in flipped["ci95"]] if flipped else None
    out.update({"assertion_asymmetry": _round(row.assertion_asymmetry, 4), "svr": _round(row.svr, 4),
                f"cap_hit@{row.cap_budget}": _round(row.cap_hit, 4), "verdict": row.verdict,
                "differs_from_reference": row.differs, "non_inferior": row.non_inferior,
                "standing": row.standing or None, "limit_needed": row.limit_needed,
                "recommendation": row.recommendation, "standing_why": row.standing_why or None,
                "findings": row.findings, "crash": row.crash, "note": row.note})
    return out


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def _md_table(head: list[str], rows: list[list[str]], right_from: int = 1) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(head))]
    return [_md_row(head), _md_row(align), *(_md_row(r) for r in rows)]


def ci(est: dict | None) -> str:
    """The value and its 95% interval in full: 0.33 [0.06, 0.79] (markdown, HTML)."""
    return "-" if not est else f"{est['value']:.2f} [{est['ci95'][0]:.2f}, {est['ci95'][1]:.2f}]"


def ci_short(est: dict | None) -> str:
    """The value and its 95% interval, short for narrow terminal columns: 0.33 (.06-.79)."""
    if not est:
        return "-"
    low, high = (format(v, ".2f").replace("0.", ".", 1) if v < 1 else format(v, ".2f") for v in est["ci95"])
    return f"{est['value']:.2f} ({low}-{high})"


def speed_markdown(group: list[ArtifactRow]) -> list[str]:
    """llama-bench's table: one row per artifact and test."""
    rows = []
    for r in group:
        for t in (r.speed or {}).get("tests", []):
            if t["test"] in ("ttft", "load") or not t.get("samples_ts"):
                continue
            rows.append([display_name(r), f"{r.size_bytes / 2**20:.2f} MiB",
                         f"{r.n_params / 1e6:.2f} M" if r.n_params else "-", r.backend or "-", str(r.threads or "-"),
                         t["test"], f"{t['avg_ts']:.2f} ± {num(t.get('stddev_ts'), '.2f')}"])
    if not rows:
        return []
    return _md_table(["model", "size", "params", "backend", "threads", "test", "t/s"], rows, right_from=1)


def quality_markdown(group: list[ArtifactRow]) -> list[str]:
    """One row per artifact: fidelity, every reported score with its interval, truncation and the verdict."""
    scores = reported(group, CONTENT) + reported(group, DISPOSITION)
    head = ["artifact", "bits/w", "KL", "top-1", *(score_title(s, group) for s in scores), "assert asym.", "SVR",
            "cap-hit", "peak MiB", "within 5 pts", "verdict"]
    rows = [[display_name(r), f"{r.bits_per_weight:.2f}", num((r.drift or {}).get("kl_mean"), ".4f"),
             "-" if not r.drift else f"{r.drift['top1_agreement']:.1%} ± {r.drift['top1_stderr']:.1%}",
             *(ci(r.scores.get(s.key)) for s in scores), num(r.assertion_asymmetry, "+.2f"), num(r.svr, ".2f"),
             "-" if r.cap_hit is None else f"{r.cap_hit:.0%} @{r.cap_budget}", num(r.peak_rss_mib, ".0f"),
             within(r), r.verdict]
            for r in group]
    return _md_table(head, rows)


def within(row: ArtifactRow) -> str:
    """The artifact's standing against the reference in a few characters: yes, worse, --limit 120, ..."""
    return row.standing_short or {True: "yes", False: "no", None: "-"}[row.non_inferior]


def flipped_scores(group: list[ArtifactRow], table: str | None = None) -> list[Reported]:
    """The scores of one table (None: both) that have flips in this group."""
    tables = (table,) if table else (CONTENT, DISPOSITION)
    return [s for t in tables for s in reported(group, t) if any(s.key in r.flips for r in group)]


def flips_markdown(group: list[ArtifactRow]) -> list[str]:
    """One row per artifact: the share of items scored unlike the reference, per score, with its 95% CI."""
    scores = flipped_scores(group)
    if not scores:
        return []
    rows = [[display_name(r), *(ci(r.flips.get(s.key)) for s in scores)] for r in group if not r.is_reference]
    return _md_table(["flips vs the reference", *(score_title(s, group) for s in scores)], rows)


def to_markdown(rows: list[ArtifactRow]) -> str:
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


def to_csv(rows: list[ArtifactRow]) -> str:
    records = [record(r) for r in rows]
    names = list(dict.fromkeys(k for rec in records for k in rec))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names)
    writer.writeheader()
    for rec in records:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in rec.items()})
    return buffer.getvalue()


def to_json(rows: list[ArtifactRow]) -> str:
    return json.dumps([{**record(r), "by_budget": r.by_budget, "cap_hit_by_budget": r.cap_hit_by_budget,
                        "speed": r.speed, "drift": r.drift} for r in rows], indent=2)
