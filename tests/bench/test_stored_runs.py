"""Reports of run folders written to a real results store, as an earlier edgebench stored them (a
suite spec without split sizes, or no spec at all): they still read, and the recommendation's
advice is in `--limit` units the built-in suite can follow, or says the suite is too small."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.recommend import TOO_SMALL, identical_n
from bench.render import to_json, to_markdown
from bench.report import load_report
from bench.store import Store, params_hash
from bench.suites.disposition import SPEC, DispositionSuite

TRAITS = ("uncertainty", "self_verification", "feedback")


def item_scores(item, right: bool) -> dict:
    """A score row of the shape the disposition scorers give: traits score the disposition; factual items, and
    uncertainty items that can be answered, gold accuracy (bench/scorers.py)."""
    value, family = float(right), item.family
    row = {"asserts": 1.0, "svr": 0.0}
    if family in TRAITS:
        row.update({"disposition": value, family: value})
    if family == "factual" or (family == "uncertainty" and not item.source["gold"].get("should_hedge")):
        row["correct"] = value
    return row


def write_store(folder: Path, splits: tuple[str, ...], limit: int, labels: tuple[str, ...], spec: dict | None,
                suite=None) -> Path:
    """A run folder whose artifacts all answer like the reference (right on every other item)."""
    suite = suite or DispositionSuite()
    items = [i for split in splits for i in suite.items(split, limit)]
    params = {"temperature": 0.0, "max_tokens": 512}
    with Store.open(folder, write=True) as store:
        if spec is not None:
            store.set_meta("suites", {suite.spec.name: spec})
        for n, label in enumerate(labels):
            store.add_artifact(label, SimpleNamespace(label=label, format="gguf", quant=label.split(":")[1],
                                                      path=f"/x/{n}", size_bytes=1000 - 100 * n, n_params=1,
                                                      bits_per_weight=16.0 - n), n == 0)
            store.add_item([{"artifact_hash": label, "backend": "llamacpp", "suite": it.suite, "item_id": it.id,
                             "split": it.split, "family": it.family, "budget": 512, "seed": 0,
                             "params_hash": params_hash(params), "params": params, "text": "x", "token_ids": [1],
                             "n_tokens": 1, "stop_reason": "stop", "prompt_tokens": 1, "timings": {},
                             "judge": "lexical", "scores": item_scores(it, k % 2 == 0)}
                            for k, it in enumerate(items)])
    return folder


def spec_without_sizes() -> dict:
    old = SPEC.as_dict()
    del old["items_per_split"]
    return old


@pytest.mark.parametrize("stored", [spec_without_sizes(), None], ids=["spec without sizes", "no spec"])
def test_the_default_run_says_the_built_in_suite_is_too_small(tmp_path, stored):
    """4 dev items per run (one per family), 2 artifacts: gold accuracy has 1 item in 4 of a split, and
    21 factual items per split cannot give the identical_n(4) items it needs on dev."""
    folder = write_store(tmp_path / "run", ("dev",), 4, ("gguf:f16", "gguf:q8_0", "gguf:q2_k"), stored)
    rows = {r.label: r for r in load_report([folder])}
    q8 = rows["gguf:q8_0"]
    assert not any(r.recommended for r in rows.values()) and q8.standing == TOO_SMALL
    assert f"about {identical_n(4)} items per score would settle it" in q8.recommendation
    assert "disposition holds (84 items per split): the suite is too small" in q8.recommendation
    assert q8.recommendation.endswith("the item bank has thousands of items per split: --suite bank")
    record = json.loads(to_json(list(rows.values())))[1]
    assert record["standing"] == TOO_SMALL and record["disposition_flips"] == 0.0
    assert "items per score would settle it" in to_markdown(list(rows.values()))


def test_every_item_of_both_splits_earns_one_artifact_the_star(tmp_path):
    """The whole dev and fresh splits, one artifact: 2 tests, and the 42 factual items clear identical_n(2)."""
    assert identical_n(2) <= 42
    folder = write_store(tmp_path / "run", ("dev", "fresh"), 84, ("gguf:f16", "gguf:q8_0"), SPEC.as_dict())
    rows = {r.label: r for r in load_report([folder])}
    assert rows["gguf:q8_0"].recommended and rows["gguf:q8_0"].standing == "qualifies"
    assert "Holm-corrected over 2 tests" in rows["gguf:q8_0"].recommendation


def test_the_limit_the_report_gives_is_followable(tmp_path):
    """At --limit 4 (dev and fresh) the report names a --limit; a run at that limit earns the star."""
    small = write_store(tmp_path / "small", ("dev", "fresh"), 4, ("gguf:f16", "gguf:q8_0"), SPEC.as_dict())
    q8 = {r.label: r for r in load_report([small])}["gguf:q8_0"]
    assert q8.standing == "more items" and q8.limit_needed and f"--limit {q8.limit_needed} (items per split" in \
        q8.recommendation
    assert q8.limit_needed <= 84  # the suite holds it: the advice can be followed
    followed = write_store(tmp_path / "followed", ("dev", "fresh"), q8.limit_needed, ("gguf:f16", "gguf:q8_0"),
                           SPEC.as_dict())
    assert {r.label: r for r in load_report([followed])}["gguf:q8_0"].recommended
    # not far more than needed: half as many do not do (the advice takes Holm's strictest level, alpha / tests,
    # so it can be a little more than the step-down procedure turns out to need)
    fewer = write_store(tmp_path / "fewer", ("dev", "fresh"), q8.limit_needed // 2, ("gguf:f16", "gguf:q8_0"),
                        SPEC.as_dict())
    assert not any(r.recommended for r in load_report([fewer]))


@pytest.mark.parametrize("splits, limit", [(("dev",), 130), (("dev", "fresh"), 70)])
def test_the_bank_ladder_is_told_the_limit_the_readme_gives(tmp_path, splits, limit):
    """The README's figures for `--ladder gguf:f16,gguf:q8_0,gguf:q2_k --suite bank`: identical answers at the
    bank's default 40 items per split are told this --limit, and at it both artifacts qualify."""
    from bench.suites.bank import BankSuite

    bank, labels = BankSuite("bank"), ("gguf:f16", "gguf:q8_0", "gguf:q2_k")
    small = write_store(tmp_path / "small", splits, 40, labels, bank.spec.as_dict(), bank)
    q8 = {r.label: r for r in load_report([small])}["gguf:q8_0"]
    assert q8.limit_needed == limit and f"about {identical_n(4)} items per score would settle it" in q8.recommendation
    if bank.spec.items_per_split is None:  # the bank does not say what its splits hold (yet): the report says so
        assert "bank does not record how many items its splits hold" in q8.recommendation
    followed = write_store(tmp_path / "followed", splits, limit, labels, bank.spec.as_dict(), bank)
    assert all(r.standing == "qualifies" for r in load_report([followed]) if not r.is_reference)
