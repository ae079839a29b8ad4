"""The results store: one SQLite database per run folder (results.sqlite), in WAL mode.

Every sample is one row keyed by (artifact hash, backend, item, budget, seed, generation
parameters) and written with INSERT OR IGNORE, all budgets of an item in one transaction:
a run killed at any moment loses at most the item it was on, and a resumed run skips
what is there, so it ends with exactly the rows of an uninterrupted run. Speed and drift
results are rows too, one per (artifact, backend, kind).

The database carries its schema version in `PRAGMA user_version`; a folder from another
version is refused with a message that says which. A lock file held with flock for the
life of the writer refuses a second run on the same folder (the kernel releases it even
when the first run is killed).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import sqlite3
from pathlib import Path

from edge.errors import EdgebenchError

SCHEMA_VERSION = 1
DB_NAME = "results.sqlite"
LOCK_NAME = ".lock"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE artifacts (
    hash TEXT PRIMARY KEY, label TEXT NOT NULL, format TEXT NOT NULL, quant TEXT NOT NULL, path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL, n_params INTEGER NOT NULL, bits_per_weight REAL NOT NULL, is_reference INTEGER NOT NULL
);
CREATE TABLE samples (
    artifact_hash TEXT NOT NULL, backend TEXT NOT NULL, suite TEXT NOT NULL, item_id TEXT NOT NULL,
    split TEXT NOT NULL, family TEXT NOT NULL, budget INTEGER NOT NULL, seed INTEGER NOT NULL,
    params_hash TEXT NOT NULL, params TEXT NOT NULL,
    text TEXT NOT NULL, token_ids TEXT NOT NULL, n_tokens INTEGER NOT NULL, stop_reason TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL, timings TEXT NOT NULL, judge TEXT NOT NULL, scores TEXT NOT NULL,
    PRIMARY KEY (artifact_hash, backend, item_id, budget, seed, params_hash)
);
CREATE TABLE measurements (
    artifact_hash TEXT NOT NULL, backend TEXT NOT NULL, kind TEXT NOT NULL, result TEXT NOT NULL,
    PRIMARY KEY (artifact_hash, backend, kind)
);
"""


def params_hash(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]


def _disk_error(path: Path, exc: sqlite3.Error) -> EdgebenchError:
    if "full" in str(exc):
        return EdgebenchError(f"the disk is full while writing {path}; free space and continue with --resume (finished rows are kept)")
    return EdgebenchError(f"could not write {path} ({exc}); check the folder and continue with --resume")


class Store:
    """The open database of one run folder. Use `Store.open(..., write=True)` for a run, `write=False` for reports."""

    def __init__(self, folder: Path, connection: sqlite3.Connection, lock_handle=None) -> None:
        self.folder = folder
        self.path = folder / DB_NAME
        self.db = connection
        self._lock = lock_handle

    @classmethod
    def open(cls, folder: Path, write: bool, resume: bool = False) -> "Store":
        folder = Path(folder)
        path = folder / DB_NAME
        if not write:
            if not path.is_file():
                raise EdgebenchError(f"{folder} is not a run folder (no {DB_NAME}); give a folder made by edgebench run")
            return cls(folder, _connect(path, check_version=True))
        exists = path.is_file()
        if exists and not resume:
            raise EdgebenchError(f"{folder} already holds a run; continue it with --resume or choose another --out")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock = open(folder / LOCK_NAME, "w")
        except OSError as exc:
            raise EdgebenchError(f"cannot write to run folder {folder} ({exc.strerror or exc}); choose another --out") from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise EdgebenchError(f"another edgebench run is writing to {folder}; wait for it or choose another --out") from None
        db = _connect(path, check_version=exists)
        if not exists:
            try:
                with db:
                    db.executescript(SCHEMA)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except sqlite3.Error as exc:
                raise _disk_error(path, exc)
        return cls(folder, db, lock)

    def close(self) -> None:
        self.db.close()
        if self._lock is not None:
            self._lock.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _write(self, statements: list[tuple[str, tuple]]) -> None:
        """Statements in one transaction: all of them land or none does."""
        try:
            with self.db:
                for sql, args in statements:
                    self.db.execute(sql, args)
        except sqlite3.Error as exc:
            raise _disk_error(self.path, exc)

    # meta -----------------------------------------------------------------
    def set_meta(self, key: str, value) -> None:
        self._write([("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))])

    def meta(self, key: str, default=None):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    # artifacts ------------------------------------------------------------
    def add_artifact(self, artifact_hash: str, artifact, is_reference: bool) -> None:
        self._write([("INSERT OR REPLACE INTO artifacts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (artifact_hash, artifact.label, artifact.format, artifact.quant, str(artifact.path),
                       artifact.size_bytes, artifact.n_params, artifact.bits_per_weight, int(is_reference)))])

    def artifacts(self) -> list[dict]:
        cursor = self.db.execute("SELECT * FROM artifacts ORDER BY bits_per_weight DESC, label")
        return [dict(zip([c[0] for c in cursor.description], row)) for row in cursor]

    # samples --------------------------------------------------------------
    def has_item(self, artifact_hash: str, backend: str, item_id: str, budgets, seed: int, p_hash: str) -> bool:
        marks = ",".join("?" * len(budgets))
        (count,) = self.db.execute(
            f"SELECT COUNT(*) FROM samples WHERE artifact_hash=? AND backend=? AND item_id=? AND seed=? AND params_hash=? AND budget IN ({marks})",
            (artifact_hash, backend, item_id, seed, p_hash, *budgets)).fetchone()
        return count == len(budgets)

    def add_item(self, rows: list[dict]) -> None:
        """Every budget of one item, in one transaction; rows already present are left as they are."""
        columns = ("artifact_hash", "backend", "suite", "item_id", "split", "family", "budget", "seed", "params_hash",
                   "params", "text", "token_ids", "n_tokens", "stop_reason", "prompt_tokens", "timings", "judge", "scores")
        sql = f"INSERT OR IGNORE INTO samples ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        encoded = [tuple(json.dumps(r[c]) if isinstance(r[c], (dict, list)) else _storable(r[c]) for c in columns)
                   for r in rows]
        self._write([(sql, values) for values in encoded])

    def item_scores(self, artifact_hash: str, backend: str, budget: int, seed: int, p_hash: str,
                    item_ids: list[str]) -> dict[str, dict]:
        """item id -> score row at one budget, for the ids given that are stored (--until-decided reads a chunk)."""
        out = {}
        for start in range(0, len(item_ids), 500):  # SQLite's limit on bound parameters
            ids = item_ids[start:start + 500]
            cursor = self.db.execute(
                f"SELECT item_id, scores FROM samples WHERE artifact_hash=? AND backend=? AND budget=? AND seed=? "
                f"AND params_hash=? AND item_id IN ({','.join('?' * len(ids))})",
                (artifact_hash, backend, budget, seed, p_hash, *ids))
            out.update((item_id, json.loads(scores)) for item_id, scores in cursor)
        return out

    def suites(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT DISTINCT suite FROM samples ORDER BY suite")]

    def scored_hashes(self) -> set[str]:
        """Artifacts with at least one sample row."""
        return {row[0] for row in self.db.execute("SELECT DISTINCT artifact_hash FROM samples")}

    def holds_results(self) -> bool:
        """Whether any sample or measurement was stored (a folder without either holds nothing to resume)."""
        return self.db.execute("SELECT EXISTS (SELECT 1 FROM samples) OR EXISTS (SELECT 1 FROM measurements)").fetchone()[0] == 1

    def samples(self, artifact_hash: str | None = None) -> list[dict]:
        sql, args = "SELECT * FROM samples", ()
        if artifact_hash:
            sql, args = sql + " WHERE artifact_hash = ?", (artifact_hash,)
        cursor = self.db.execute(sql + " ORDER BY artifact_hash, backend, suite, item_id, budget", args)
        names = [c[0] for c in cursor.description]
        rows = []
        for values in cursor:
            row = dict(zip(names, values))
            for key in ("params", "token_ids", "timings", "scores"):
                row[key] = json.loads(row[key])
            rows.append(row)
        return rows

    # measurements ---------------------------------------------------------
    def has_measurement(self, artifact_hash: str, backend: str, kind: str) -> bool:
        return self.measurement(artifact_hash, backend, kind) is not None

    def add_measurement(self, artifact_hash: str, backend: str, kind: str, result: dict) -> None:
        self._write([("INSERT OR REPLACE INTO measurements VALUES (?, ?, ?, ?)",
                      (artifact_hash, backend, kind, json.dumps(result)))])

    def remove_measurement(self, artifact_hash: str, backend: str, kind: str) -> None:
        self._write([("DELETE FROM measurements WHERE artifact_hash=? AND backend=? AND kind=?",
                      (artifact_hash, backend, kind))])

    def measurement(self, artifact_hash: str, backend: str, kind: str) -> dict | None:
        row = self.db.execute("SELECT result FROM measurements WHERE artifact_hash=? AND backend=? AND kind=?",
                              (artifact_hash, backend, kind)).fetchone()
        return json.loads(row[0]) if row else None


def _storable(value):
    """Text SQLite can hold: a lone surrogate (a model's broken output, a JSON escape) becomes its escape
    sequence (backslashreplace) instead of failing the whole item's transaction."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def _connect(path: Path, check_version: bool) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, timeout=30)
        if check_version:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version != SCHEMA_VERSION:
                db.close()
                raise EdgebenchError(
                    f"{path} was written with results schema v{version}; this edgebench reads v{SCHEMA_VERSION} only and "
                    "does not migrate it: re-run into a new --out folder (or report it with the edgebench that made it)")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a committed row survives a killed process
    except sqlite3.DatabaseError as exc:
        raise EdgebenchError(f"{path} is not a readable results database ({exc}); re-run into a new --out folder") from None
    return db
