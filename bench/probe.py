"""`edgebench probe RUN_DIR` (or `edgebench run --probe`): does the final hidden state at the last
answer token say whether the answer is right, and does that survive quantization?

For every scored answer of the run (the largest budget's text, the suite's content score as the
label: 1 right, 0 wrong), the hidden state after the last answer token is captured (edge backends'
`last_hidden`): from the torch fp32 reference (the run's prepared folder) reading the reference
artifact's answers, and from each GGUF artifact reading its own answers. Per row, bench/probe_stats.py
gives the 5-fold stratified CV AUC on dev, the AUC of a probe trained on dev and tested on fresh,
the torch probe applied to that artifact's states, a mean-shift test, and the failure diagnosis.
Captures run in child processes (a native crash costs one row) and are cached in RUN_DIR/probe/.
The result is written to RUN_DIR/probe.json, atomically, with each probe's scores and labels (the
out-of-fold CV scores on dev, the dev probe's on fresh, the torch probe's here): the HTML report
draws its ROC curves from them (bench/operators.py reads the file).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import probe_stats as stats
from bench.generate import with_system
from bench.operators import PROBE_FILE, scored_json, write_json
from bench.store import Store
from bench.suites import get_suite
from edge.artifacts import FORMAT_BACKEND
from edge.errors import EdgebenchError
from edge.hashing import hash_text
from edge.isolation import RuntimeCrash, run_isolated, runtime_name
from edge.progress import Progress

PROBE_DIR, RESULT = "probe", PROBE_FILE
CAPTURED = ("llamacpp", "torch")  # backends with last_hidden (edge/backend.py)


@dataclass(frozen=True)
class Answer:
    item_id: str
    suite: str
    split: str
    token_ids: tuple[int, ...]
    label: int  # the content score: 1 right, 0 wrong


def scored_answers(store: Store, digest: str, specs: dict) -> list[Answer]:
    """The artifact's answers at its largest budget that carry a content verdict, dev and fresh only."""
    samples = store.samples(digest)
    largest = {}
    for s in samples:
        largest[s["item_id"]] = max(largest.get(s["item_id"], 0), s["budget"])
    answers = []
    for s in samples:
        content = specs.get(s["suite"], {}).get("content")
        label = s["scores"].get(content) if content else None
        if s["budget"] == largest[s["item_id"]] and label is not None and s["split"] in ("dev", "fresh"):
            answers.append(Answer(s["item_id"], s["suite"], s["split"], tuple(s["token_ids"]), int(label)))
    return answers


def item_messages(answers: list[Answer], system_prompt: str | None) -> dict[str, list[dict]]:
    """item id -> the chat it was answered in, rebuilt from the suites (a user's file must still be there)."""
    wanted = {(a.suite, a.split) for a in answers}
    messages = {}
    for suite_name, split in sorted(wanted):
        for item in get_suite(suite_name).items(split):
            messages[item.id] = with_system(item.messages, system_prompt)
    missing = {a.item_id for a in answers} - set(messages)
    if missing:
        raise EdgebenchError(f"{len(missing)} answered items are no longer in their suites (e.g. {sorted(missing)[0]}); "
                             "the probe rebuilds each prompt from its suite")
    return messages


def _capture_worker(backend_name: str, path: str, settings, jobs: list[tuple[list[dict], list[int]]], emit) -> np.ndarray:
    from edge.backend import open_backend

    backend = open_backend(backend_name, Path(path), settings)
    try:
        states = []
        for done, (messages, answer_ids) in enumerate(jobs, start=1):
            emit({"done": done, "doing": f"reading answer {done} of {len(jobs)}"})
            states.append(backend.last_hidden(backend.prompt_tokens(messages) + list(answer_ids)))
        return np.stack(states)
    finally:
        backend.close()


def capture(backend_name: str, path: Path, settings, answers: list[Answer], messages: dict, cache: Path,
            progress: Progress, label: str) -> np.ndarray:
    """[answers, hidden] states, from the cache when it holds these answers."""
    ids = np.array([f"{a.item_id}:{hash_text(json.dumps(a.token_ids))[:12]}" for a in answers])
    if cache.is_file():
        held = np.load(cache)
        if held["ids"].tolist() == ids.tolist():
            progress.skip(label, "probe")
            return held["states"]
    jobs = [(messages[a.item_id], list(a.token_ids)) for a in answers]
    progress.start(label, "probe", total=len(jobs))
    try:
        states = run_isolated(_capture_worker, (backend_name, str(path), settings, jobs),
                              lambda event: progress.update(event["done"], len(jobs)), runtime_name(backend_name))
    finally:
        progress.end()
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, ids=ids, states=states)
    return states


def _prepared_folders(folder: Path) -> list[tuple[Path, dict]]:
    found = []
    for marker in folder.rglob("prepared.json"):
        try:
            found.append((marker.parent, json.loads(marker.read_text())))
        except (OSError, ValueError):
            continue
    return found


def _manifest(path: str) -> dict:
    p = Path(path)
    try:
        return json.loads(((p if p.is_dir() else p.parent) / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


def torch_folder(folder: Path, artifact: dict) -> Path | None:
    """The run's prepared fp32 folder with the same source, adapter and edit as `artifact`."""
    m = _manifest(artifact["path"])
    for path, data in _prepared_folders(folder):
        if (data.get("source_hash"), data.get("adapter_hash"), (data.get("temper") or {}).get("hash")) == \
                (m.get("source_hash"), m.get("adapter_hash"), m.get("temper_hash")):
            return path
    return None


def row_stats(states: np.ndarray, answers: list[Answer], seed: int,
              torch_probe: "stats.Probe | None") -> tuple[dict, "stats.Probe | None"]:
    """The row's figures, verdict and scores (`scored`: each probe's scores with the labels, for ROC curves),
    and its dev-trained probe (None without both classes on dev)."""
    labels = np.array([a.label for a in answers])
    dev, fresh = (np.array([a.split == s for a in answers]) for s in ("dev", "fresh"))
    row: dict = {"dev": {"right": int(labels[dev].sum()), "wrong": int((1 - labels[dev]).sum())},
                 "fresh": {"right": int(labels[fresh].sum()), "wrong": int((1 - labels[fresh]).sum())} if fresh.any() else None}
    scored: dict = {}
    cv = None
    if dev.any():
        cv_scores = stats.out_of_fold(states[dev], labels[dev], seed=seed)
        cv = stats.scored_auc(labels[dev], cv_scores, seed)
        if cv_scores is not None:
            scored["cv"] = scored_json(labels[dev], cv_scores)
    both = dev.any() and 0 < labels[dev].sum() < dev.sum()
    probe = stats.Probe.fit(states[dev], labels[dev]) if both else None
    fresh_auc = None
    if probe and fresh.any():
        fresh_scores = probe.score(states[fresh])
        fresh_auc = stats.scored_auc(labels[fresh], fresh_scores, seed)
        scored["fresh_auc"] = scored_json(labels[fresh], fresh_scores)
    shift = stats.mean_shift_test(states[dev], labels[dev], seed=seed) if both else None
    target = fresh if fresh.any() else dev
    transfer = None
    if torch_probe:
        torch_scores = torch_probe.score(states[target])
        transfer = stats.scored_auc(labels[target], torch_scores, seed)
        scored["torch_probe"] = scored_json(labels[target], torch_scores)
    diagnosis = stats.diagnose(labels[dev], cv, labels[fresh] if fresh.any() else None, fresh_auc, shift)
    row.update(cv=cv.as_dict() if cv else None, fresh_auc=fresh_auc.as_dict() if fresh_auc else None,
               torch_probe=transfer.as_dict() if transfer else None, torch_probe_on="fresh" if fresh.any() else "dev",
               shift_p=shift, verdict=diagnosis.verdict, why=diagnosis.why, scored=scored)
    return row, probe


def probe_run(folder: Path, settings, progress: Progress | None = None, seed: int = 0) -> dict:
    """Capture, fit and diagnose for every GGUF artifact of the run and its torch reference; writes RUN_DIR/probe.json."""
    progress = progress or Progress()
    with Store.open(folder, write=False) as store:
        specs, plan = store.meta("suites", {}), store.meta("plan", {}) or {}
        artifacts = [a for a in store.artifacts() if a["hash"] in store.scored_hashes()]
        answers = {a["hash"]: scored_answers(store, a["hash"], specs) for a in artifacts}
    artifacts = [a for a in artifacts if answers[a["hash"]]]
    if not artifacts:
        raise EdgebenchError(f"{folder} has no scored answers with a content verdict on dev or fresh; "
                             "run a suite with gold answers (disposition, bank) with --split dev,fresh")
    messages = item_messages([x for a in artifacts for x in answers[a["hash"]]], plan.get("system_prompt"))
    # the torch row reads the reference's answers (else those of the widest plain artifact)
    ordered = sorted(artifacts, key=lambda a: (not a["is_reference"], "+" in a["label"], -a["bits_per_weight"]))
    base = ordered[0]
    rows, torch_probe = [], None
    ref_folder = torch_folder(folder, base)
    jobs = ([("torch", ref_folder, f"torch fp32 (answers of {base['label']})", base)] if ref_folder else []) + \
           [(FORMAT_BACKEND[a["format"]], Path(a["path"]), a["label"], a) for a in artifacts]
    for backend, path, label, owner in jobs:
        row = {"states_of": label, "answers_of": owner["label"], "artifact_hash": owner["hash"], "backend": backend}
        if backend not in CAPTURED:
            rows.append({**row, "error": f"the {backend} backend cannot return hidden states (llamacpp and torch can)"})
            continue
        own = answers[owner["hash"]]
        cache = folder / PROBE_DIR / f"{backend}-{owner['hash']}.npz"
        try:
            states = capture(backend, path, settings, own, messages, cache, progress, label)
        except RuntimeCrash as crash:
            rows.append({**row, "error": str(crash)})
            continue
        figures, probe = row_stats(states, own, seed, torch_probe if backend != "torch" else None)
        if backend == "torch":
            torch_probe = probe
        rows.append({**row, **figures})
    result = {"run": str(folder), "min_per_class": stats.MIN_PER_CLASS, "folds": stats.FOLDS,
              "bootstrap": stats.BOOTSTRAP, "regression": "numpy: standardized, L2 logistic regression (C=1), Newton",
              "torch_reference": str(ref_folder) if ref_folder else None,
              "note": None if ref_folder else "no prepared fp32 folder in the run (a ladder of 'source' only): no torch row",
              "rows": rows}
    write_json(folder / RESULT, result)
    return result
