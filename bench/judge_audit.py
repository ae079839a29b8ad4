"""Measure the lexical judge against the paper's labelled outputs (held out, never tuned on).

- assert/hedge: Cohen's kappa and accuracy against the `verbal` labels of the three
  `*_disposition_profile.json` files;
- Spearman correlation of the lexical hedge and self-verification scores with the
  paper's 1-5 `hedging_appropriateness` and `self_verification` axes (judge_v4_*.json);
- the paper's assertion asymmetry, recomputed from each file's samples and its 2x2 cells.

Artifacts are looked up in $EDGEBENCH_PAPER_ARTIFACTS, else ../shared/paper-artifacts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.judges.lexical import judge
from bench.metrics import Cells, rates
from edge.errors import EdgebenchError

REPO = Path(__file__).resolve().parent.parent
PROFILES = ("baseline_disposition_profile.json", "baseline_smollm_v2_disposition_profile.json",
            "baseline_qwen35_0.8b_v2_disposition_profile.json")
JUDGE_FILES = ("judge_v4_step16.json", "judge_v4_fresh.json")
AXES = {"hedge": "hedging_appropriateness", "verification": "self_verification"}


def artifacts_dir() -> Path:
    path = Path(os.environ.get("EDGEBENCH_PAPER_ARTIFACTS", REPO.parent / "shared" / "paper-artifacts"))
    if not (path / PROFILES[0]).is_file():
        raise EdgebenchError(f"paper artifacts not found in {path}; set EDGEBENCH_PAPER_ARTIFACTS to their folder")
    return path


def cohen_kappa(a: list[str], b: list[str]) -> float:
    labels = sorted(set(a) | set(b))
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    expected = sum((a.count(label) / n) * (b.count(label) / n) for label in labels)
    return (observed - expected) / (1 - expected) if expected < 1 else float("nan")


def ranks(values: list[float]) -> list[float]:
    """Average ranks (ties share the mean rank), 1-based."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x: list[float], y: list[float]) -> float:
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    var = (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5
    return cov / var if var else float("nan")


def audit_labels(folder: Path) -> dict:
    """Lexical assert/hedge against the paper's labels, per file and pooled."""
    per_file, gold_all, ours_all = {}, [], []
    for name in PROFILES:
        data = json.loads((folder / name).read_text())
        gold = [s["verbal"] for s in data["samples"]]
        ours = [judge(s["text"]).label for s in data["samples"]]
        cells = Cells.from_pairs([(s["verbal"] == "assert", bool(s["correct"])) for s in data["samples"]])
        per_file[name] = {
            "n": len(gold), "kappa": cohen_kappa(gold, ours),
            "accuracy": sum(g == o for g, o in zip(gold, ours)) / len(gold),
            "paper_asymmetry_recomputed": rates(cells)["assertion_asymmetry"],
            "paper_asymmetry_stored": _stored_asymmetry(data["summary"]),
        }
        gold_all += gold
        ours_all += ours
    pooled = {"n": len(gold_all), "kappa": cohen_kappa(gold_all, ours_all),
              "accuracy": sum(g == o for g, o in zip(gold_all, ours_all)) / len(gold_all),
              "paper_hedge_share": gold_all.count("hedge") / len(gold_all),
              "lexical_hedge_share": ours_all.count("hedge") / len(ours_all)}
    return {"pooled": pooled, "per_file": per_file}


def _stored_asymmetry(summary: dict) -> float:
    stored = summary["rates"]
    return stored.get("assertion_asymmetry", stored.get("assertion_asymmetry_wrong_minus_correct"))


def audit_axes(folder: Path) -> dict:
    """Spearman of lexical scores with the paper's 1-5 judge axes, per file and pooled."""
    out, pooled = {}, {k: ([], []) for k in AXES}
    for name in JUDGE_FILES:
        every = json.loads((folder / name).read_text())["items"]
        items = [i for i in every if "error" not in i["scores"]]  # the paper's judge failed on these
        lex = [judge(i["response"]) for i in items]
        out[name] = {"n": len(items), "skipped_judge_errors": len(every) - len(items)}
        for ours, theirs in AXES.items():
            x = [getattr(s, ours) for s in lex]
            y = [i["scores"][theirs] for i in items]
            out[name][f"spearman_{ours}_vs_{theirs}"] = spearman(x, y)
            pooled[ours][0].extend(x)
            pooled[ours][1].extend(y)
    out["pooled"] = {f"spearman_{k}_vs_{AXES[k]}": spearman(*v) for k, v in pooled.items()}
    out["pooled"]["n"] = len(pooled["hedge"][0])
    return out


def run_audit() -> dict:
    folder = artifacts_dir()
    return {"artifacts": str(folder), "assert_hedge": audit_labels(folder), "axes": audit_axes(folder)}
