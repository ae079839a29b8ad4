"""The report's columns: one table that every view loops over.

Each `Column` says what it is called (`key`: the csv/json field; `title`: the tables' heading),
how its value is read from a row (`value`), how tables write it (`text`: a format spec, or a
function of the row), how records round it (`digits`), and which views show it (`views`):
"record" (csv and json), "md" (the markdown quality table), "html" (the HTML artifact table),
and the terminal's narrow tables by name ("size", "fidelity", "style", "verdict"). Every view
shows its columns in the order of `COLUMNS`. `SCORES` marks where each suite's reported scores
go (with their 95% intervals and flips; which scores depends on the suites a run used).

A new per-artifact measurement is one `Column` entry here (and, if it is read from the store,
one field of bench/report_model.py:Measured).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable

from bench.report_model import ReportRow
from bench.suites.base import CONTENT, DISPOSITION, Reported

RECORD, MD, HTML = "record", "md", "html"
SIZE, FIDELITY, STYLE, VERDICT = "size", "fidelity", "style", "verdict"  # the terminal's tables
TERMINAL = (SIZE, FIDELITY, STYLE, VERDICT)


def num(value, fmt: str) -> str:
    """A number, or "-" for none (and for nan: no wrong, or right, answers to measure)."""
    return "-" if value is None or value != value else format(value, fmt)


def rounded(value, digits: int | None):
    if digits is None:
        return value
    return None if value is None or value != value else round(value, digits)


def display_name(row: ReportRow) -> str:
    """The artifact's label, marked ★ when recommended and (ref) for the reference."""
    return row.label + (" ★" if row.recommended else " (ref)" if row.is_reference else "")


def within(row: ReportRow) -> str:
    """The artifact's standing against the reference in a few characters: yes, worse, --limit 120, ..."""
    return row.standing_short or {True: "yes", False: "no", None: "-"}[row.non_inferior]


def ci(est: dict | None) -> str:
    """The value and its 95% interval in full: 0.33 [0.06, 0.79] (markdown, HTML)."""
    return "-" if not est else f"{est['value']:.2f} [{est['ci95'][0]:.2f}, {est['ci95'][1]:.2f}]"


def ci_short(est: dict | None) -> str:
    """The value and its 95% interval, short for narrow terminal columns: 0.33 (.06-.79)."""
    if not est:
        return "-"
    low, high = (format(v, ".2f").replace("0.", ".", 1) if v < 1 else format(v, ".2f") for v in est["ci95"])
    return f"{est['value']:.2f} ({low}-{high})"


@dataclass(frozen=True)
class Column:
    key: str  # the field in csv/json records ("{cap_budget}" is filled in per row)
    title: str  # the tables' heading
    value: Callable[[ReportRow], Any]  # the figure; None where it was not measured
    text: str | Callable[[ReportRow], str] | None = None  # tables: a format spec, a function of the row, or str()
    digits: int | None = None  # records: rounded to this many digits (None: as is)
    views: frozenset[str] = frozenset()
    terminal_title: str = ""  # the terminal's heading, where it differs ("{tg}": the generation test's name)
    # shown only where some row has a value (records: only rows that have one), so a column of one kind of run
    # (--until-decided) leaves the reports of every other run as they were
    optional: bool = False

    def cell(self, row: ReportRow) -> str:
        if callable(self.text):
            return self.text(row)
        value = self.value(row)
        return str(value) if self.text is None else num(value, self.text)

    def record_key(self, row: ReportRow) -> str:
        return self.key.format(cap_budget=row.cap_budget)


def _views(*names: str) -> frozenset[str]:
    return frozenset(names)


# where the reported scores (and their flips) go; the terminal gives them tables of their own
SCORES = Column("{scores}", "", lambda row: None, views=_views(RECORD, MD, HTML))


def _drift(name: str) -> Callable[[ReportRow], Any]:
    return lambda row: getattr(row.drift, name) if row.drift else None


def _top1(row: ReportRow) -> str:
    return "-" if not row.drift else f"{row.drift.top1_agreement:.1%} ± {row.drift.top1_stderr:.1%}"


def _cap_hit(row: ReportRow) -> str:
    return "-" if row.cap_hit is None else f"{row.cap_hit:.0%} @{row.cap_budget}"


def _predicted(row: ReportRow) -> str:
    """The speed child's predicted peak and how far it was from that child's measured one: "268 (+2%)"."""
    if row.predicted_rss_mib is None:
        return "-"
    error = row.prediction_error_pct
    return f"{row.predicted_rss_mib:.0f}" + ("" if error is None else f" ({error:+.0f}%)")


def _suites_predicted(row: ReportRow) -> str:
    """The suites' child's predicted peak at its count, against that child's measured peak: "412 @4 (+2%)"."""
    if row.suites_predicted_rss_mib is None:
        return "-"
    error = row.suites_prediction_error_pct
    return f"{row.suites_predicted_rss_mib:.0f} @{row.suites_parallel}" + ("" if error is None else f" ({error:+.0f}%)")


def _sustained(row: ReportRow) -> str:
    """The last window's tok/s over the first's, with the window: "0.93 (60 s windows)"."""
    if row.sustained_ratio is None:
        return "-"
    return f"{row.sustained_ratio:.2f} ({row.sustain['summary']['window_s']} s windows)"


def _throttle(row: ReportRow) -> str:
    """Seconds to the first throttle; "none" when the device says it did not; "n/a" when it cannot say."""
    if not row.sustain:
        return "-"
    summary = row.sustain["summary"]
    if summary["first_throttle_s"] is not None:
        return f"{summary['first_throttle_s']:g}"
    return "n/a" if summary["throttle_source"].startswith("unavailable") else "none"


def speed_tests(group: list[ReportRow]) -> tuple[str | None, str | None, int] | None:
    """(generation test, prompt test, repetitions) the speed columns measured, e.g. ("tg64", "pp64", 2), or None."""
    speed = next((r.speed for r in group if r.speed), None)
    if not speed:
        return None
    tg, pp = speed.generation, speed.prompt
    return (tg.test if tg else None, pp.test if pp else None, len(tg.samples_ts) if tg else 0)


def speed_label(group: list[ReportRow]) -> str:
    """What the speed columns measured, e.g. "tg64, pp64 (2 reps)": the default run's short tests are
    not llama-bench's pp512/tg128, and the report says which they are."""
    tests = speed_tests(group)
    if tests is None:
        return ""
    tg, pp, reps = tests
    return ", ".join(t for t in (tg, pp) if t) + f" ({reps} rep{'s' if reps != 1 else ''})"


def _speed_label(row: ReportRow) -> str | None:
    return speed_label([row]) or None


COLUMNS: tuple[Column, ...] = (
    Column("run", "run", lambda r: r.run, views=_views(RECORD)),
    Column("device", "device", lambda r: r.device, views=_views(RECORD)),
    Column("artifact", "artifact", lambda r: r.label, views=_views(RECORD)),
    Column("name", "artifact", display_name, views=_views(MD, HTML, *TERMINAL)),
    Column("reference", "reference", lambda r: r.is_reference, views=_views(RECORD)),
    Column("recommended", "recommended", lambda r: r.recommended, views=_views(RECORD)),
    Column("size_mib", "MiB", lambda r: r.size_bytes / 2**20, ".1f", 2, _views(RECORD, HTML, SIZE)),
    Column("n_params", "params", lambda r: r.n_params, views=_views(RECORD)),
    Column("backend", "backend", lambda r: r.backend, views=_views(RECORD)),
    Column("threads", "threads", lambda r: r.threads, views=_views(RECORD)),
    Column("speed_tests", "speed tests", _speed_label, views=_views(RECORD)),
    Column("bits_per_weight", "bits/w", lambda r: r.bits_per_weight, ".2f", 3, _views(RECORD, MD, HTML, SIZE)),
    Column("gen_tok_s", "tok/s", lambda r: r.gen_tps, ".1f", 2, _views(RECORD, HTML, SIZE), "{tg} t/s"),
    Column("gen_j_per_token", "J/tok", lambda r: r.speed.gen_j_per_token if r.speed else None, ".3f", 4,
           _views(RECORD, HTML, SIZE)),
    Column("prompt_j_per_token", "prompt J/tok", lambda r: r.speed.prompt_j_per_token if r.speed else None, ".4f", 5,
           _views(RECORD, HTML)),
    Column("energy_method", "energy method", lambda r: r.speed.energy_sampling if r.speed else None, views=_views(RECORD)),
    Column("sustained_last_over_first", "sustained last/first", lambda r: r.sustained_ratio, _sustained, 3,
           _views(RECORD, HTML)),
    Column("first_throttle_s", "first throttle s", lambda r: r.first_throttle_s, _throttle, views=_views(RECORD, HTML)),
    Column("ttft_ms", "TTFT ms", lambda r: r.ttft_ms, ".0f", 1, _views(RECORD, HTML, SIZE)),
    # memory: each prediction beside the peak of the child it predicts (bench/render.py memory_caption says which);
    # the terminal's narrow titles: @1 the speed child's one sequence, @N the suites' child's count
    Column("peak_rss_mib", "peak MiB (speed)", lambda r: r.peak_rss_mib, ".0f", 1, _views(RECORD, MD, HTML, SIZE),
           "peak @1"),
    Column("predicted_rss_mib", "predicted MiB (speed)", lambda r: r.predicted_rss_mib, _predicted, 1,
           _views(RECORD, MD, HTML, SIZE), "pred. @1"),
    Column("prediction_error_pct", "prediction error % (speed)", lambda r: r.prediction_error_pct, ".1f", 1,
           _views(RECORD)),
    Column("suites_peak_rss_mib", "peak MiB (suites)", lambda r: r.suites_peak_rss_mib, ".0f", 1,
           _views(RECORD, MD, HTML, SIZE), "peak @N", optional=True),
    Column("suites_predicted_rss_mib", "predicted MiB (suites)", lambda r: r.suites_predicted_rss_mib,
           _suites_predicted, 1, _views(RECORD, MD, HTML, SIZE), "pred. @N", optional=True),
    Column("suites_parallel", "suites sequences", lambda r: r.suites_parallel, views=_views(RECORD), optional=True),
    Column("suites_prediction_error_pct", "prediction error % (suites)", lambda r: r.suites_prediction_error_pct,
           ".1f", 1, _views(RECORD), optional=True),
    Column("kl_mean", "KL", _drift("kl_mean"), ".4f", 5, _views(RECORD, MD, HTML, FIDELITY), "KL mean"),
    Column("top1_agreement", "top-1", _drift("top1_agreement"), ".1%", 4, _views(RECORD, FIDELITY)),
    Column("top1_stderr", "± SE", _drift("top1_stderr"), ".1%", 4, _views(RECORD, FIDELITY)),
    Column("top1", "top-1", _drift("top1_agreement"), _top1, views=_views(MD, HTML)),
    Column("ppl_ratio", "PPL ratio", _drift("ppl_ratio"), ".3f", views=_views(FIDELITY)),
    SCORES,
    Column("assertion_asymmetry", "assert asym.", lambda r: r.assertion_asymmetry, "+.2f", 4,
           _views(RECORD, MD, HTML, STYLE)),
    Column("svr", "SVR", lambda r: r.svr, ".2f", 4, _views(RECORD, MD, HTML, STYLE)),
    Column("cap_hit@{cap_budget}", "cap-hit", lambda r: r.cap_hit, _cap_hit, 4, _views(RECORD, MD, HTML, STYLE)),
    Column("within", "within 5 pts", within, views=_views(MD, HTML, VERDICT)),
    Column("items_used", "items used", lambda r: r.items_used, views=_views(RECORD, MD, HTML, VERDICT), optional=True),
    Column("stopped", "stopped", lambda r: r.stopped, views=_views(RECORD, MD, HTML, VERDICT), optional=True),
    Column("verdict", "verdict", lambda r: r.verdict, views=_views(RECORD, MD, HTML, VERDICT), terminal_title="verdict per suite"),
    Column("differs_from_reference", "differs", lambda r: r.differs, views=_views(RECORD)),
    Column("non_inferior", "non-inferior", lambda r: r.non_inferior, views=_views(RECORD)),
    Column("standing", "standing", lambda r: r.standing or None, views=_views(RECORD)),
    Column("limit_needed", "--limit needed", lambda r: r.limit_needed, views=_views(RECORD)),
    Column("recommendation", "recommendation", lambda r: r.recommendation, views=_views(RECORD)),
    Column("standing_why", "why", lambda r: r.standing_why or None, views=_views(RECORD)),
    Column("findings", "findings", lambda r: list(r.findings), views=_views(RECORD)),
    Column("crash", "crash", lambda r: r.crash, views=_views(RECORD)),
    Column("note", "note", lambda r: r.note, views=_views(RECORD)),
)


def device_run(row: ReportRow) -> str:
    """Where a row was measured, for a report of several runs: "rpi5 on kitchen-pi (pi-run)"."""
    return f"{row.device_name or row.device.split(':')[0]} ({PurePath(row.run).name})"


# the first column of every table of a report that merges several runs (devices): one row per artifact per device
DEVICE = Column("device_run", "device (run)", device_run, views=_views(MD, HTML, *TERMINAL))


def columns(view: str, group: list[ReportRow] | None = None, merged: bool = False) -> list[Column]:
    """The columns one view shows, in order (SCORES included where the view has it); an optional column only
    when some row of the group has a value for it; `merged`: the rows come from several runs, and each names
    its device first."""
    return ([DEVICE] if merged and view in DEVICE.views else []) + [
        c for c in COLUMNS if view in c.views and not (c.optional and not any(c.value(r) is not None for r in group or ()))]


def reported(group: list[ReportRow], table: str) -> list[Reported]:
    """The scores shown in one table (CONTENT or DISPOSITION), in the order the suites report them."""
    return list(dict.fromkeys(r for row in group for r in row.reported if r.table == table))


def score_title(score: Reported, group: list[ReportRow]) -> str:
    """A score's column title, marked (floor) or (ceiling) when the run's reference leaves it no room to differ."""
    # each run has its own reference: rows merged from runs that disagree get no mark (each run's answer says it)
    levels = {r.floor_ceiling.get(score.key, "") for r in group if r.floor_ceiling}
    level = levels.pop() if len(levels) == 1 else ""
    return score.title + (f" ({level})" if level else "")


def flipped_scores(group: list[ReportRow], table: str | None = None) -> list[Reported]:
    """The scores of one table (None: both) that have flips in this group."""
    tables = (table,) if table else (CONTENT, DISPOSITION)
    return [s for t in tables for s in reported(group, t) if any(s.key in r.flips for r in group)]


def score_record(row: ReportRow) -> dict:
    """A row's scores as record fields: value, interval, floor/ceiling and flips of each."""
    out = {}
    for key, est in row.scores.items():
        out[key] = rounded(est["value"], 4)
        out[f"{key}_ci95"] = [round(v, 4) for v in est["ci95"]]
        out[f"{key}_floor_ceiling"] = row.floor_ceiling.get(key)
        flipped = row.flips.get(key)
        out[f"{key}_flips"] = rounded(flipped["value"], 4) if flipped else None
        out[f"{key}_flips_ci95"] = [round(v, 4) for v in flipped["ci95"]] if flipped else None
    return out


def record(row: ReportRow) -> dict:
    """One flat record per artifact: what csv and json carry."""
    out = {}
    for column in columns(RECORD, [row]):
        if column is SCORES:
            out.update(score_record(row))
        else:
            out[column.record_key(row)] = rounded(column.value(row), column.digits)
    return out


def table_cells(view: str, group: list[ReportRow], score_text=ci, with_flips: bool = False, merged: bool = False
                ) -> tuple[list[str], list[list[str]]]:
    """A view's heading and one row of cells per artifact; the scores written by score_text, then (with_flips)
    their flips; `merged`: the device of each row first."""
    scores = reported(group, CONTENT) + reported(group, DISPOSITION)
    flipped = flipped_scores(group) if with_flips else []
    head, cells = [], []
    for column in columns(view, group, merged):
        if column is SCORES:
            head += [score_title(s, group) for s in scores] + [f"flips: {score_title(s, group)}" for s in flipped]
            cells.append(lambda r: [score_text(r.scores.get(s.key)) for s in scores]
                         + [score_text(r.flips.get(s.key)) for s in flipped])
        else:
            head.append(column.title)
            cells.append(lambda r, c=column: [c.cell(r)])
    return head, [[cell for part in cells for cell in part(r)] for r in group]
