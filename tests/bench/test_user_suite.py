"""A user's own prompts as a suite (--suite path.jsonl): every malformed line refused with its
line number, answers scored by what they commit to, and a real run, report and compare."""

from __future__ import annotations

import json

import pytest

from bench.suites import get_suite
from bench.suites.base import Item
from edge.errors import EdgebenchError
from tests.conftest import REPO, needs_llama

EXAMPLE = REPO / "examples" / "my_prompts.jsonl"


def suite_of(tmp_path, lines: list, name: str = "mine.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return get_suite(str(path))


GOOD = {"id": "q1", "prompt": "What is the capital of Australia?", "gold": "Canberra"}


@pytest.mark.parametrize("bad, fragment", [
    ("{not json", "not JSON"),
    ([1, 2], "JSON object"),
    ({"prompt": "x", "gold": "y"}, "'id'"),
    ({"id": "a", "gold": "y"}, "exactly one of 'prompt'"),
    ({"id": "a", "prompt": "x", "messages": [], "gold": "y"}, "exactly one of 'prompt'"),
    ({"id": "a", "messages": [{"role": "robot", "content": "x"}], "gold": "y"}, "'messages'"),
    ({"id": "a", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}], "gold": "y"},
     "from the user"),
    ({"id": "a", "prompt": "   ", "gold": "y"}, "empty"),
    ({"id": "a", "prompt": "x"}, "'gold'"),
    ({"id": "a", "prompt": "x", "gold": {"aliases": ["y"]}}, "'gold'"),
    ({"id": "a", "prompt": "x", "gold": []}, "no claims"),
    ({"id": "a", "prompt": "x", "gold": {"claims": [""]}}, "gold.claims"),
    ({"id": "a", "prompt": "x", "gold": {"answer": "y", "aliases": "z"}}, "gold.aliases"),
    ({"id": "a", "prompt": "x", "gold": "y", "split": "dev set"}, "'split'"),
    ({"id": "q1", "prompt": "again", "gold": "y"}, "repeats line 1"),
])
def test_a_malformed_line_is_refused_with_its_number(tmp_path, bad, fragment):
    with pytest.raises(EdgebenchError) as err:
        suite_of(tmp_path, [GOOD, bad])
    assert "mine.jsonl:2:" in str(err.value) and fragment in str(err.value), str(err.value)


def test_an_empty_or_missing_file_is_refused(tmp_path):
    with pytest.raises(EdgebenchError, match="holds no items"):
        suite_of(tmp_path, [""])
    with pytest.raises(EdgebenchError, match="not found"):
        get_suite(str(tmp_path / "absent.jsonl"))


def score(suite, item_id: str, answer: str) -> dict:
    item = next(i for split in suite.spec.splits for i in suite.items(split) if i.id == item_id)
    return suite.evaluate([(item, answer)])[0]


def test_answers_are_scored_by_what_they_commit_to():
    suite = get_suite(str(EXAMPLE))
    assert suite.spec.name == "my_prompts" and suite.spec.kind == "content" and suite.spec.target == "correct"
    assert score(suite, "capital-au", "The capital of Australia is Canberra.")["correct"] == 1.0
    assert score(suite, "capital-au", "Many think it is Canberra, but it is Sydney.")["correct"] == 0.0  # last value wins
    assert score(suite, "capital-au", "It is not Canberra.")["correct"] == 0.0  # negated
    assert score(suite, "moon-year", "That was in nineteen sixty-nine.")["correct"] == 1.0  # an alias
    assert score(suite, "photosynthesis", "Light, water and carbon dioxide.")["correct"] == 1.0
    assert score(suite, "photosynthesis", "Light and water.")["correct"] == 0.0  # a claim missing
    assert score(suite, "photosynthesis", "Light and water, but not carbon dioxide.")["correct"] == 0.0  # negated claim
    row = score(suite, "primes", "I'm not sure, maybe 2?")
    assert row["correct"] == 1.0 and row["asserts"] == 0.0  # right, but hedged: the assertion label sees it


def test_a_file_with_splits_runs_the_asked_ones(tmp_path):
    suite = suite_of(tmp_path, [GOOD, {**GOOD, "id": "q2", "split": "fresh"}, {**GOOD, "id": "q3", "split": "dev"}])
    assert suite.spec.splits == ("test", "fresh", "dev") and suite.spec.default_split == "dev"
    assert [i.id for i in suite.items("fresh")] == ["q2"]
    assert all(isinstance(i, Item) and i.suite == "mine" for i in suite.items("test"))


@pytest.mark.embedded
@needs_llama
def test_a_users_file_runs_reports_and_compares_like_a_builtin_suite(tmp_path, default_gguf):
    from tests.edgebench.test_cli import assert_one_line_error, edgebench

    common = ["--ladder", "source", "--budgets", "8,32", "--no-speed", "--no-drift"]
    result = edgebench("run", *common, "--suite", f"disposition,{EXAMPLE}", "--limit", "2", "--out", str(tmp_path / "a"))
    assert result.returncode == 0, result.stderr
    assert "my_prompts" in result.stdout  # its column in the content table
    rows = json.loads(edgebench("report", str(tmp_path / "a"), "--format", "json").stdout)
    assert rows[0]["my_prompts:correct"] is not None and rows[0]["disposition"] is not None
    assert rows[0]["my_prompts:correct_ci95"] and rows[0]["by_budget"]["my_prompts:correct"]
    result = edgebench("run", *common, "--suite", str(EXAMPLE), "--out", str(tmp_path / "b"))
    assert result.returncode == 0, result.stderr
    compared = edgebench("compare", str(tmp_path / "a"), str(tmp_path / "b"), "--suite", "my_prompts", "--json")
    assert compared.returncode == 0, compared.stderr
    cells = json.loads(compared.stdout)["cells"]
    assert {c["n"] for c in cells} == {2}  # the items both runs share; identical runs: no difference
    assert all(c["target"]["difference"] == 0 for c in cells)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(GOOD) + "\n" + '{"id": "q2", "prompt": "x"}\n')
    assert_one_line_error(edgebench("run", *common, "--suite", str(bad), "--out", str(tmp_path / "c")), "bad.jsonl:2:")
    assert not (tmp_path / "c").exists()
