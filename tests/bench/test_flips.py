"""Flips beside accuracy, floor and ceiling, and each artifact's standing, through the whole report:
decided on constructed runs (bench/report.py), then drawn in every format (terminal, md, csv, json,
HTML) and in `compare` (text and JSON)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from rich.console import Console

from bench.compare import compare_runs
from edgebench.console import comparison_table
from bench.html_report import group_html
from bench.recommend import TOO_SMALL, identical_n
from bench.render import to_csv, to_json, to_markdown
from bench.report import decide_run
from bench.report_tables import print_report
from bench.report_model import Measured, ReportRow
from bench.results import _with_sizes, score_fields
from bench.stats import MANY_FLIPS, equal_but_flipped, flips, wilson
from bench.suites.base import SuiteSpec
from bench.suites.disposition import DATA, SPEC
from tests.bench.test_compare import scores, write_run

N = 40  # items per split


def run(name: str, right) -> object:
    """A disposition run on dev and fresh: right(split, i) -> the pooled score; gold accuracy always 0 (a floor)."""
    rows = [(s, f"{s}-{i}", 512, scores(right(s, i), correct=0), "stop") for s in ("dev", "fresh") for i in range(N)]
    return write_run(Path(name), rows)


REFERENCE = run("ref", lambda s, i: i < 10)
SAME = run("same", lambda s, i: i < 10)
FLIPPED = run("flipped", lambda s, i: 5 <= i < 15)  # the same share right, 10 of 40 items flipped per split


def decided() -> list[ReportRow]:
    rows = [Measured("runs/x", "laptop-cpu: test, 2 threads", label, label, label == "gguf:f16", size, 8.0,
                     **score_fields(data))
            for label, data, size in (("gguf:f16", REFERENCE, 300), ("gguf:q8_0", SAME, 200),
                                      ("gguf:q4_k_m", FLIPPED, 100))]
    return decide_run(rows, {"gguf:f16": REFERENCE, "gguf:q8_0": SAME, "gguf:q4_k_m": FLIPPED}, "gguf:f16")


def test_flips_are_the_share_of_changed_items_with_a_wilson_interval():
    pairs = [(1.0, 0.0)] * 3 + [(0.0, 1.0)] * 3 + [(1.0, 1.0)] * 14
    assert flips(pairs) == wilson(6, 20)
    assert flips([(0.5, 0.5), (0.5, 0.25)]).value == 0.5  # a fractional score flips when it changes at all
    many = flips(pairs)
    assert equal_but_flipped(0.0, 1.0, many, 0.05) and many.low > MANY_FLIPS
    assert not equal_but_flipped(0.0, 1.0, flips([(1.0, 0.0)] + [(1.0, 1.0)] * 19), 0.05)  # one flip in 20
    assert not equal_but_flipped(-0.3, 0.001, many, 0.05)  # a real difference is not "equal"


def test_report_gives_flips_floor_and_the_standing():
    rows = {r.label: r for r in decided()}
    q8, q4 = rows["gguf:q8_0"], rows["gguf:q4_k_m"]
    assert q4.flips["disposition"]["value"] == 0.25 and q4.flips["disposition"]["n"] == 2 * N
    assert q8.flips["disposition"]["value"] == 0.0 and "disposition" not in rows["gguf:f16"].flips
    assert all(r.floor_ceiling == {"correct": "floor"} for r in rows.values())  # the reference scores 0
    # equal accuracy, many flips: a finding
    assert len(q4.findings) == 1 and "pooled equal to the reference's (+0.00" in q4.findings[0]
    assert "25% of its items flipped" in q4.findings[0] and not q8.findings
    # q8_0 answers like the reference on 80 items, above identical_n(4): the star
    assert identical_n(4) <= 2 * N and q8.recommended and q8.standing == "qualifies"
    # q4_k_m flips a quarter of its items: 84 items per split (what the suite holds) cannot settle that
    assert q4.standing == TOO_SMALL and q4.standing_short == "too few items" and q4.limit_needed is None
    assert "disposition holds (84 items per split)" in q4.standing_why


def test_every_format_shows_flips_floor_and_findings():
    rows = decided()
    md = to_markdown(rows)
    assert "| flips vs the reference | gold accuracy (floor) | pooled |" in md
    assert "| gguf:q4_k_m | 0.00 [0.00, 0.05] | 0.25 [0.17, 0.35] |" in md
    assert "gold accuracy (floor)" in md.split("| artifact |")[1].splitlines()[0]
    assert "25% of its items flipped" in md and "Floor: gold accuracy" in md
    records = json.loads(to_json(rows))
    q4 = records[2]
    assert q4["disposition_flips"] == 0.25 and q4["disposition_flips_ci95"][0] > MANY_FLIPS
    assert q4["correct_floor_ceiling"] == "floor" and q4["standing"] == TOO_SMALL and q4["findings"]
    assert records[1]["standing"] == "qualifies" and records[0]["disposition_flips"] is None
    table = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert table[2]["disposition_flips"] == "0.25" and table[2]["correct_floor_ceiling"] == "floor"
    page = group_html("runs/x", "laptop", rows)
    assert "<th>flips: pooled</th>" in page and page.count("<td>0.25 [0.17, 0.35]</td>") == 3 + 1  # scores, a flip
    assert 'class="finding"' in page and "gold accuracy (floor)" in page and page.count("<tr") == 4  # a row each
    console = Console(width=200, record=True, force_terminal=False)  # wide: the finding is one line
    print_report(rows, console)
    text = console.export_text()
    assert "Flips: disposition" in text and "0.25 (.17-.35)" in text and "(floor)" in text
    assert "too few items" in text and "25% of its items flipped" in text


def test_compare_shows_flips_in_text_and_json():
    result = compare_runs(REFERENCE, FLIPPED)
    assert [c.flips.value for c in result.cells] == [0.25, 0.25] and result.verdict == "not significant"
    assert len(result.findings) == 2 and all("equal to A's" in f for f in result.findings)
    as_json = json.loads(json.dumps(result.as_dict(), default=str))
    assert as_json["cells"][0]["flips"]["value"] == 0.25 and as_json["findings"]
    console = Console(width=200, record=True, force_terminal=False)
    console.print(comparison_table(result, "ref", "flipped"))
    text = console.export_text()
    assert "flips: the share of items B scores unlike A" in text and "25% (14-40)" in text and "finding: B on dev" in text
    assert not compare_runs(REFERENCE, SAME).findings


def test_the_built_in_suite_records_what_its_splits_hold():
    counts = Counter(json.loads(line)["split"] for line in DATA.read_text().splitlines() if line.strip())
    assert SPEC.items_per_split == dict(counts)


def test_runs_stored_before_split_sizes_still_read_and_get_them():
    old = SPEC.as_dict()
    del old["items_per_split"]  # what an earlier edgebench stored
    assert _with_sizes(SuiteSpec.from_dict(old)).items_per_split == SPEC.items_per_split
    user = {**old, "name": "mine", "version": "file sha256:abc"}
    assert _with_sizes(SuiteSpec.from_dict(user)).items_per_split is None  # not a built-in suite: not known
    assert SuiteSpec.from_dict({**SPEC.as_dict(), "added_later": 1}) == SPEC  # a newer field is ignored
