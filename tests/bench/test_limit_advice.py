"""The --limit the report advises is one a user can follow: it gives the items it promises, counted on the
suite itself, also when a family runs out before the others (the bank's factual items end near 220 a split)."""

from bench.recommend import SplitSize, limit_for, non_inferiority
from bench.scorers import metrics_of, score
from bench.suites.bank import BankSuite
from bench.suites.disposition import DispositionSuite


def test_metrics_of_names_exactly_the_scores_an_item_gets():
    bank = BankSuite()
    records = DispositionSuite().all_items + [r for split in ("dev", "fresh") for r in bank.records(split)[::7]]
    for record in records:
        given = {k for k, v in score(record, "").items() if v is not None}
        assert metrics_of(record) == given, record["id"]


def _advice(bank: BankSuite, key: str, run: int, needed: int, counts: bool = True):
    """The advice for `needed` items of a score after a run of `run` items per split of dev and fresh."""
    by_split, sizes = {}, {}
    for split in ("dev", "fresh"):
        carried = sum(("correct" if key.endswith(":correct") else "disposition") in metrics_of(r)
                      for r in bank.records(split)[:run])
        by_split[split] = [(1.0, 1.0)] * carried
        sizes[split] = SplitSize(bank.spec.name, run, bank.spec.items_per_split[split],
                                 tuple(bank.spec.score_counts[key][split]) if counts else None)
    return limit_for(needed, non_inferiority(key, 256, by_split), sizes)


def _given(bank: BankSuite, key: str, limit: int) -> int:
    metric = "correct" if key.endswith(":correct") else "disposition"
    return sum(metric in metrics_of(r) for split in ("dev", "fresh") for r in bank.records(split)[:limit])


def test_the_advised_limit_gives_the_items_it_promises_past_a_family_running_out():
    bank = BankSuite()
    for key, needed in (("bank:correct", 600), ("bank:correct", 150), ("bank:disposition", 3000)):
        advice = _advice(bank, key, run=100, needed=needed)
        assert advice.limit is not None, (key, needed)
        assert _given(bank, key, advice.limit) >= needed, (key, needed, advice.limit)
    # counted with the share observed in the first 100 items instead, as when a suite records no counts,
    # the advice promises gold-accuracy items past where the factual family runs out, and falls short
    capacity = _given(bank, "bank:correct", 10**6)
    shares = _advice(bank, "bank:correct", 100, capacity - 20, counts=False)
    assert shares.limit is not None and _given(bank, "bank:correct", shares.limit) < capacity - 20


def test_more_items_than_the_suite_holds_is_too_small_not_a_limit():
    bank = BankSuite()
    capacity = _given(bank, "bank:correct", 10**6)
    assert _advice(bank, "bank:correct", 100, capacity + 1).limit is None
    assert _advice(bank, "bank:correct", 100, capacity).limit is not None
