"""What the paper's two operators leave in a run folder, read once for the HTML report.

- `RUN/heads.json`: a head ranking (`edgebench heads --json`, train/heads.py). A run made with
  `--temper-from FILE` keeps a copy of the ranking its edit came from; `edgebench heads ... --out
  RUN` puts one into a run folder; `edgebench report RUN --heads FILE` draws one directly.
- `RUN/probe.json`: the h_last probe's result (bench/probe.py): per artifact the AUCs with their
  intervals, the diagnosis, and under `scored` the scores each probe gave with their labels, from
  which the report draws ROC curves.

Both are written atomically (a temporary name, then a rename). A file inside a run folder that
cannot be read costs its section and a note on the page, never the report; a file named on the
command line that is not a ranking is a one-line error, as `--temper-from` is.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from bench.store import DB_NAME, Store
from edge.errors import EdgebenchError

HEADS_FILE, PROBE_FILE = "heads.json", "probe.json"
# the probes whose scores probe.json keeps, by the key of their AUC in a row, with the name a plot gives them
CURVES = {"cv": "CV dev (out-of-fold)", "fresh_auc": "dev -> fresh", "torch_probe": "torch probe here"}


def write_json(path: Path, data: dict) -> None:
    """`data` as indented JSON at `path`, atomically: a reader finds the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class RankedHead:
    """One head of a ranking: Cohen's d (confident-wrong minus confident-right) and its 95% bootstrap interval."""

    layer: int
    head: int
    d: float
    ci_low: float
    ci_high: float
    mean_right: float
    mean_wrong: float

    @property
    def name(self) -> str:
        return f"{self.layer}.{self.head}"


@dataclass(frozen=True)
class HeadRanking:
    """A ranking as `edgebench heads --json` writes it, heads in its order (largest d first).
    `where` names where it was read (a run folder, a file); two rankings with the same figures are equal."""

    heads: tuple[RankedHead, ...]
    right: int
    wrong: int
    suite: str
    split: str
    model: str | None
    where: str = field(default="", compare=False)

    @classmethod
    def parse(cls, data: dict, where: str) -> "HeadRanking":
        """Raises KeyError, TypeError or ValueError when `data` is not a ranking."""
        heads = tuple(RankedHead(int(h["layer"]), int(h["head"]), *(float(h[k]) for k in
                                                                   ("d", "ci_low", "ci_high", "mean_right", "mean_wrong")))
                      for h in data["heads"])
        if not heads:
            raise ValueError("no heads")
        config = data.get("config") or {}
        return cls(heads, int(data["cohorts"]["right"]), int(data["cohorts"]["wrong"]), str(config.get("suite", "?")),
                   str(config.get("split", "?")), data.get("model"), where)


def _load(path: Path) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def read_ranking(path: Path) -> HeadRanking:
    """A ranking file named on the command line; a one-line error when it is none."""
    try:
        return HeadRanking.parse(_load(path), str(path))
    except (OSError, ValueError, KeyError, TypeError):
        raise EdgebenchError(f"{path} is not a head ranking; write one with edgebench heads MODEL --json > heads.json") from None


def keep_ranking(source: Path, folder: Path) -> None:
    """Copy the ranking a run's edit came from (`--temper-from`) into its folder, as it is: the run keeps what it
    tempered by, and its report draws it (a ranking without intervals is noted there, not refused here)."""
    try:
        data = _load(source)
    except (OSError, ValueError):
        raise EdgebenchError(f"--temper-from {source} is not a head ranking; write one with "
                             "edgebench heads MODEL --json > heads.json") from None
    write_json(Path(folder) / HEADS_FILE, data)


def check_ranking_folder(folder: Path) -> None:
    """Refuse, before any work, a folder `edgebench heads --out` cannot keep a ranking in: one that is not a run
    folder (the ranking would show in no report), or a tempered run's, which keeps the ranking its edit came from."""
    folder = Path(folder)
    if not (folder / DB_NAME).is_file():
        raise EdgebenchError(f"--out {folder} is not a run folder (no {DB_NAME}); give the --out of an edgebench run")
    with Store.open(folder, write=False) as store:
        tempered = bool((store.meta("plan", {}) or {}).get("temper"))
    if tempered and (folder / HEADS_FILE).is_file():
        raise EdgebenchError(f"--out {folder} keeps the ranking its head tempering came from ({HEADS_FILE}), which is "
                             "not replaced; draw another one with edgebench report RUN --heads FILE --html PAGE")


def scored_json(labels, scores) -> dict:
    """A probe's scores and the answers' labels as probe.json keeps them (`Scored` reads them back)."""
    return {"labels": [int(v) for v in labels], "scores": [float(v) for v in scores]}


@dataclass(frozen=True)
class Scored:
    """Scores a probe gave, with the answers' labels (1 right, 0 wrong): what a ROC curve is drawn from."""

    labels: tuple[int, ...]
    scores: tuple[float, ...]

    @classmethod
    def parse(cls, data: dict | None) -> "Scored | None":
        if not data:
            return None
        labels, scores = tuple(int(v) for v in data["labels"]), tuple(float(v) for v in data["scores"])
        if len(labels) != len(scores):
            raise ValueError("labels and scores differ in length")
        return cls(labels, scores)


@dataclass(frozen=True)
class ProbeRow:
    """One row of the probe's table: whose hidden states, on whose answers, the figures (as probe.json has
    them: `cv`, `fresh_auc`, `torch_probe` are {auc, low, high, n, positives} or None), the verdict, the scores."""

    states_of: str
    answers_of: str
    figures: dict
    scored: dict  # CURVES key -> Scored
    error: str | None = None

    @property
    def verdict(self) -> str:
        return self.figures.get("verdict", "")

    @property
    def why(self) -> str:
        return self.figures.get("why", "")


@dataclass(frozen=True)
class ProbeResult:
    """RUN/probe.json, parsed. `has_scores` is False for a file written before the scores were kept."""

    rows: tuple[ProbeRow, ...]
    regression: str
    folds: int
    bootstrap: int
    note: str | None
    has_scores: bool
    where: str = ""

    @classmethod
    def parse(cls, data: dict, where: str) -> "ProbeResult":
        rows = []
        for row in data["rows"]:
            scored = {key: Scored.parse(s) for key, s in (row.get("scored") or {}).items() if key in CURVES}
            rows.append(ProbeRow(str(row["states_of"]), str(row["answers_of"]), row,
                                 {k: s for k, s in scored.items() if s is not None}, row.get("error")))
        return cls(tuple(rows), str(data["regression"]), int(data["folds"]), int(data["bootstrap"]), data.get("note"),
                   all("scored" in r.figures for r in rows if not r.error), where)


@dataclass(frozen=True)
class RunOperators:
    """What one run folder holds of the operators; `notes` say what could not be read, and why."""

    run: str
    ranking: HeadRanking | None = None
    probe: ProbeResult | None = None
    notes: tuple[str, ...] = ()


def read_run(folder: Path) -> RunOperators:
    """RUN/heads.json and RUN/probe.json where present; a file that cannot be read becomes a note."""
    found: dict = {}
    notes = []
    for key, name, parse, again in (("ranking", HEADS_FILE, HeadRanking.parse, "edgebench heads MODEL --out {run}"),
                                    ("probe", PROBE_FILE, ProbeResult.parse, "edgebench probe {run}")):
        path = Path(folder) / name
        if not path.is_file():
            continue
        try:
            found[key] = parse(_load(path), Path(folder).name)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            notes.append(f"{path} cannot be read ({type(exc).__name__}: {exc}); left out of this report "
                         f"(write it again with {again.format(run=folder)})")
    return RunOperators(str(folder), notes=tuple(notes), **found)


def auc_text(value: dict | None) -> str:
    """An AUC with its interval as the probe's tables print it; "-" for none (or nan)."""
    if not value or value["auc"] != value["auc"]:  # None or nan
        return "-"
    return f"{value['auc']:.3f} [{value['low']:.3f}, {value['high']:.3f}]"


def counts_text(value: dict | None) -> str:
    return f"{value['right']}/{value['wrong']}" if value else "-"
