"""Measure a judge against the paper's labelled outputs (held out, never tuned on).

- assert/hedge: Cohen's kappa and accuracy against the `verbal` labels of the three
  `*_disposition_profile.json` files. The lexical label of a long answer comes from weights
  fitted on these answers (bench/judges/train_stance.py), so the figure that counts is
  cross-validated: grouped by prompt, every answer labelled by weights that never saw its
  prompt, pooled over the three files, mean and range over repeated fold draws (stored beside
  the weights, with the command that regenerates it). `all_answers` (the shipped weights,
  fitted on every answer) is shown beside it for comparison, never as the result;
- Spearman correlation of the judge's hedging and self-verification scores with the
  paper's 1-5 `hedging_appropriateness` and `self_verification` axes (judge_v4_*.json);
- the paper's assertion asymmetry, recomputed from each file's samples and its 2x2 cells;
- repeat consistency (the same answers judged again) and verbosity bias (the same answers
  padded with neutral text must not score higher).

The lexical judge is audited on every answer; the LLM judge on a seeded sample (`limit`).

Artifacts are looked up in $EDGEBENCH_PAPER_ARTIFACTS, else ../shared/paper-artifacts.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from bench.judges.lexical import judge
from bench.judges.stance import model as stance_model
from bench.stats import bootstrap
from bench.metrics import Cells, rates
from edge.errors import EdgebenchError
from edge.progress import Progress, track

REPO = Path(__file__).resolve().parent.parent
PROFILES = ("baseline_disposition_profile.json", "baseline_smollm_v2_disposition_profile.json",
            "baseline_qwen35_0.8b_v2_disposition_profile.json")
MODEL_NAMES = {"baseline_disposition_profile.json": "Gemma 4 E2B",
               "baseline_smollm_v2_disposition_profile.json": "SmolLM2-1.7B",
               "baseline_qwen35_0.8b_v2_disposition_profile.json": "Qwen3.5-0.8B"}
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


def label_agreement(gold: list[str], ours: list[str]) -> dict:
    """n, Cohen's kappa and accuracy of our labels against the gold ones (nan when empty)."""
    if not gold:
        return {"n": 0, "kappa": float("nan"), "accuracy": float("nan")}
    return {"n": len(gold), "kappa": cohen_kappa(gold, ours),
            "accuracy": sum(g == o for g, o in zip(gold, ours)) / len(gold)}


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


TARGET_KAPPA = 0.4  # issue 22: pooled kappa above this on the paper artifacts
WHY_NOT = ("the paper's labels come from one one-word LLM classifier (no second rater: no inter-rater agreement "
           "is known), 72 hedges in 1,000 answers, 23 of Gemma's 32 in 4 prompts of firm factual lists that no "
           "wording marks as hedged; SmolLM2 and Qwen hold 22 and 18 hedges, so one prompt more or less in a fold "
           "moves their figures by 0.1 or more")


def audit_labels(folder: Path) -> dict:
    """Lexical assert/hedge against the paper's labels. The figure is cross-validated: every answer
    labelled by weights fitted without any answer to its prompt (grouped k-fold, several repeats,
    stored beside the shipped weights by bench/judges/train_stance.py). The shipped weights are
    fitted on all 1,000 answers, so their agreement on them (`all_answers`) is shown for
    comparison, never as the result."""
    from bench.judges.stance import FEATURE_NAMES

    shipped = stance_model()
    cv = shipped["cv"]
    if shipped["features"] != list(FEATURE_NAMES):
        raise EdgebenchError("stance_weights.json is stale (its features differ from bench/judges/stance.py): "
                             f"regenerate it with `{cv['command']}`")
    per_file, gold_all, ours_all = {}, [], []
    for name in PROFILES:
        data = json.loads((folder / name).read_text())
        gold = [s["verbal"] for s in data["samples"]]
        ours = [judge(s["text"]).label for s in data["samples"]]
        model_name = MODEL_NAMES[name]
        kappa, accuracy = cv["kappa_per_model"][model_name], cv["accuracy_per_model"][model_name]
        cells = Cells.from_pairs([(s["verbal"] == "assert", bool(s["correct"])) for s in data["samples"]])
        # named so that every table that shows the row says which figure it is
        per_file[f"{model_name} (cross-validated)"] = {
            "n": len(gold), "kappa": kappa["mean"], "kappa_range": [kappa["min"], kappa["max"]], "kappa_sd": kappa["sd"],
            "accuracy": accuracy["mean"], "cross_validated": True, "file": name,
            "paper_hedges": gold.count("hedge"),
            "shipped_on_all_answers": label_agreement(gold, ours),
            "paper_asymmetry_recomputed": rates(cells)["assertion_asymmetry"],
            "paper_asymmetry_stored": _stored_asymmetry(data["summary"]),
        }
        gold_all += gold
        ours_all += ours
    kappa = cv["kappa_pooled"]
    pooled = {"n": cv["n"], "kappa": kappa["mean"], "kappa_range": [kappa["min"], kappa["max"]], "kappa_sd": kappa["sd"],
              "accuracy": cv["accuracy_pooled"]["mean"], "cross_validated": True,
              "note": (f"out-of-fold labels, grouped by prompt ({cv['folds']} folds x {cv['repeats']} repeats; "
                       "L2 and threshold chosen by inner CV): mean (min to max) over repeats; "
                       f"regenerate with `{cv['command']}`"),
              "paper_hedge_share": gold_all.count("hedge") / len(gold_all),
              "lexical_hedge_share": cv["hedge_share"]["mean"],
              "target": TARGET_KAPPA, "above_target": kappa["mean"] > TARGET_KAPPA,
              "above_target_every_repeat": kappa["min"] > TARGET_KAPPA,
              "why_not": None if kappa["min"] > TARGET_KAPPA else WHY_NOT,
              "models_below_target": [m for m, v in cv["kappa_per_model"].items() if v["mean"] <= TARGET_KAPPA],
              "limits": WHY_NOT}
    everything = {**label_agreement(gold_all, ours_all), "cross_validated": False,
                  "note": "the shipped weights on every answer: they were fitted on all of them, not a test figure",
                  "paper_hedge_share": gold_all.count("hedge") / len(gold_all),
                  "lexical_hedge_share": ours_all.count("hedge") / len(ours_all)}
    return {"pooled": pooled, "all_answers": everything, "per_file": per_file}


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


# Neutral padding: says nothing about the question, hedges nothing, verifies nothing.
PADDING = ("\n\nThis reply was produced for an evaluation set. Its formatting has been normalised to plain "
           "paragraphs, line breaks have been kept, and repeated whitespace has been collapsed. No other changes "
           "were made to the text above.")


def lexical_axes(messages: list[dict], answer: str) -> dict[str, float]:
    lex = judge(answer)
    return {"hedge": lex.hedge, "verification": lex.verification, "asserts": float(lex.label == "assert")}


def verbosity_bias(score_fn, cases: list[tuple[list[dict], str]]) -> dict:
    """Per axis: mean of padded minus original score, with a bootstrap CI; `raises_score` if reliably > 0."""
    pairs = [(score_fn(m, a), score_fn(m, a + PADDING)) for m, a in cases]
    pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
    out = {"n": len(pairs), "padding_chars": len(PADDING)}
    for axis in (pairs[0][0] if pairs else {}):
        deltas = [y[axis] - x[axis] for x, y in pairs]
        est = bootstrap(deltas)
        out[axis] = {"mean_delta": est.value, "ci95": [est.low, est.high],
                     "share_raised": sum(d > 0 for d in deltas) / len(deltas), "raises_score": est.low > 0}
    return out


def repeat_consistency(score_fn, cases: list[tuple[list[dict], str]], repeats: int = 2,
                       first: list[dict | None] | None = None) -> dict:
    """Judge each answer `repeats` times (reusing `first` judgements when given): the share with
    identical scores, and the mean spread (max - min) per axis."""
    runs = []
    for index, (messages, answer) in enumerate(cases):
        done = [first[index]] if first else []
        runs.append(done + [score_fn(messages, answer) for _ in range(repeats - len(done))])
    runs = [r for r in runs if all(x is not None for x in r)]
    if not runs:
        return {"n": 0, "repeats": repeats}
    spread = {a: sum(max(x[a] for x in r) - min(x[a] for x in r) for r in runs) / len(runs) for a in runs[0][0]}
    return {"n": len(runs), "repeats": repeats, "identical_share": sum(all(x == r[0] for x in r) for r in runs) / len(runs),
            "mean_spread": spread}


def _axis_cases(folder: Path) -> list[tuple[list[dict], str, dict]]:
    """(chat, answer, the paper's 1-5 scores) for every judge_v4 item the paper's judge scored."""
    return [([{"role": "user", "content": i["prompt"]}], i["response"], i["scores"])
            for name in JUDGE_FILES for i in json.loads((folder / name).read_text())["items"] if "error" not in i["scores"]]


def run_audit() -> dict:
    folder = artifacts_dir()
    cases = [(m, a) for m, a, _ in _axis_cases(folder)]
    return {"judge": "lexical", "artifacts": str(folder), "assert_hedge": audit_labels(folder), "axes": audit_axes(folder),
            "repeat_consistency": repeat_consistency(lexical_axes, cases),
            "verbosity_bias": verbosity_bias(lexical_axes, cases)}


def run_llm_audit(llm_judge, limit: int = 50, repeats: int = 2, seed: int = 0, progress=None) -> dict:
    """The same checks for an LLM judge, on a seeded sample of `limit` answers per check.
    The profile files carry each answer's topic, not its prompt, so the label check shows the topic."""
    from bench.judges.llm import AXES, JudgeFailure

    folder = artifacts_dir()
    rng = random.Random(seed)

    def score_fn(messages: list[dict], answer: str) -> dict | None:
        try:
            result = llm_judge.judge(messages, answer)
        except JudgeFailure:
            return None  # counted in llm_judge.counters
        return {**result.scores, "asserts": float(result.label == "assert")}

    labelled = [(s["topic"], s["text"], s["verbal"]) for name in PROFILES
                for s in json.loads((folder / name).read_text())["samples"]]
    label_sample = rng.sample(labelled, min(limit, len(labelled)))
    every_case = _axis_cases(folder)
    axis_sample = rng.sample(every_case, min(limit, len(every_case)))
    cases = [(m, a) for m, a, _ in axis_sample]
    progress = progress or Progress()
    gold, ours = [], []
    for topic, text, verbal in track(progress, label_sample, "judge", "assert/hedge labels"):
        scores = score_fn([{"role": "user", "content": f"(A question about: {topic})"}], text)
        if scores is not None:
            gold.append(verbal)
            ours.append("assert" if scores["asserts"] else "hedge")
    first = [score_fn(m, a) for m, a in track(progress, cases, "judge", "1-5 axes")]
    repeat = repeat_consistency(score_fn, list(cases), repeats, first)
    bias = verbosity_bias(score_fn, list(cases))
    judged = [(x, paper) for x, (_, _, paper) in zip(first, axis_sample) if x is not None]
    axes = {f"spearman_{axis}": spearman([x[axis] for x, _ in judged], [y[axis] for _, y in judged])
            for axis in AXES} if len(judged) > 2 else {}
    return {
        "judge": llm_judge.name, "artifacts": str(folder), "sample_seed": seed,
        "assert_hedge": label_agreement(gold, ours),
        "axes": {"n": len(judged), **axes},
        "repeat_consistency": repeat, "verbosity_bias": bias,
        "json": {"calls": llm_judge.counters.calls, "retries": llm_judge.counters.retries,
                 "failures": llm_judge.counters.failures},
    }
